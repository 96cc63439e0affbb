//! SPEC §5, Resend invite: only for `INVITED` rows, with a fresh token that invalidates
//! the old one; throttled per client (one per 5 minutes, ten a day) with when to retry.

use e2e::{
    ACCEPT_INVITE, RESEND_INVITE, TestApp, bea_accepts, code_of, eventually, message_of,
    retry_after_of, secs,
};
use entity::invite;
use sea_orm::EntityTrait;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn resend_is_for_invited_clients_only_and_is_throttled_with_a_retry_hint() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    // A client with an account cannot be re-invited.
    let b = app
        .gql(
            Some(&s.partner),
            RESEND_INVITE,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(code_of(&b), "BAD_USER_INPUT");

    let c = app
        .invite(&s.partner, "hello@bakersrow.example", None)
        .await;
    let first_link = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    // Right after the invite: too soon.
    let b = app
        .gql(Some(&s.partner), RESEND_INVITE, json!({ "id": c["id"] }))
        .await;
    assert_eq!(code_of(&b), "RATE_LIMITED", "{b}");
    let retry = retry_after_of(&b);
    assert!((290..=300).contains(&retry), "retry after {retry}");

    // Six minutes later (moved back in the database), it goes.
    app.backdate_invite(&c["id"], chrono::Duration::minutes(6))
        .await;
    let before = app.mails().len();
    let r = app.resend_invite(&s.partner, &c["id"]).await;
    assert_eq!(r["status"], "INVITED");
    let sent_at =
        chrono::DateTime::parse_from_rfc3339(r["lastInviteSentAt"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - sent_at.with_timezone(&chrono::Utc)).num_seconds() < 10);

    // A new email with a new link; the old link no longer works, the new one does.
    eventually("the resent email", secs(10), async || {
        app.mails().len() != before
    })
    .await;
    let new_link = app
        .mails()
        .last()
        .unwrap()
        .link("http://app.test/invite/")
        .unwrap();
    assert_ne!(new_link, first_link);
    assert_eq!(
        app.error_code(None, ACCEPT_INVITE, bea_accepts(&first_link))
            .await,
        "BAD_USER_INPUT"
    );
    app.ok(None, ACCEPT_INVITE, bea_accepts(&new_link)).await;
}

#[tokio::test]
async fn at_most_ten_resends_a_day() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app.invite(&partner, "hello@bakersrow.example", None).await;
    let id: i64 = c["id"].as_str().unwrap().parse().unwrap();
    // Ten resends earlier today, each more than five minutes apart.
    for i in 1..=10 {
        invite::Entity::insert(invite::ActiveModel {
            client_id: sea_orm::ActiveValue::Set(id),
            token_hash: sea_orm::ActiveValue::Set(format!("{i:064}")),
            expires_at: sea_orm::ActiveValue::Set(chrono::Utc::now()),
            used_at: sea_orm::ActiveValue::Set(None),
            created_at: sea_orm::ActiveValue::Set(
                chrono::Utc::now() - chrono::Duration::minutes(60 + i * 6),
            ),
            ..Default::default()
        })
        .exec(app.db())
        .await
        .unwrap();
    }
    app.backdate_invite(&c["id"], chrono::Duration::minutes(66))
        .await;
    let b = app
        .gql(Some(&partner), RESEND_INVITE, json!({ "id": c["id"] }))
        .await;
    assert_eq!(code_of(&b), "RATE_LIMITED", "{b}");
    let retry = retry_after_of(&b);
    // The oldest of the ten was 2 h ago: it leaves the window in about 22 h.
    assert!(
        (21 * 3600..=22 * 3600).contains(&retry),
        "retry after {retry}"
    );
}

/// The throttle is configuration: `RESEND_INTERVAL` and `RESENDS_PER_DAY`.
#[tokio::test]
async fn the_resend_throttle_follows_its_configuration() {
    let app =
        TestApp::spawn_with_args(&["--resend-interval", "1s", "--resends-per-day", "2"]).await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app.invite(&partner, "hello@bakersrow.example", None).await;
    let resend = || app.gql(Some(&partner), RESEND_INVITE, json!({ "id": c["id"] }));
    let b = resend().await;
    assert_eq!(code_of(&b), "RATE_LIMITED", "{b}");
    assert!(message_of(&b).contains("less than 1 second ago"), "{b}");
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let b = resend().await;
        assert!(b["errors"].is_null(), "{b}");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let b = resend().await;
    assert_eq!(code_of(&b), "RATE_LIMITED", "{b}");
    assert!(message_of(&b).contains("sent again 2 times today"), "{b}");
}
