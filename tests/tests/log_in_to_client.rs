//! SPEC §5, Log in: the partner steps into a client account as its own user there, for
//! one hour; refused, with a distinct reason, when that user is missing, inactive or
//! demoted below `ADMIN`, until a client admin undoes it.

use e2e::{
    ACCEPT_INVITE, LOG_IN_TO_CLIENT, ME, RESEND_INVITE, RESET_CLIENT_PASSWORD, TestApp,
    bea_accepts, code_of, message_of,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

#[tokio::test]
async fn log_in_to_client_opens_a_one_hour_session_as_the_partners_own_user() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let r = app
        .ok(
            Some(&s.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await["logInToClient"]
        .clone();
    let t = r["token"].as_str().unwrap();
    let me = app.me(Some(t)).await;
    assert_eq!(me["email"], "rosa@ledgerline.example");
    assert_eq!(me["role"], "ADMIN");
    assert_eq!(me["account"]["companyId"], s.company_id.as_str());
    let expires = chrono::DateTime::parse_from_rfc3339(r["expiresAt"].as_str().unwrap()).unwrap();
    let mins = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((58..=60).contains(&mins), "expires in {mins} min");
    let session = entity::session::Entity::find()
        .filter(entity::session::Column::OpenedByUserId.is_not_null())
        .one(app.db())
        .await
        .unwrap()
        .expect("the session records who opened it");
    let partner_user = app.me(Some(&s.partner)).await["id"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(session.opened_by_user_id, Some(partner_user));
    // It cannot open another client session, and logOut works for it.
    assert_eq!(
        app.error_code(Some(t), LOG_IN_TO_CLIENT, json!({ "id": s.client_id }))
            .await,
        "FORBIDDEN"
    );
    app.log_out(t).await;
    assert_eq!(
        app.error_code(Some(t), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn demote_refuses_log_in_and_restore_allows_it_again() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let partner_in_client = app
        .user_id(&s.client_owner, "rosa@ledgerline.example")
        .await;

    app.set_user_role(&s.client_owner, &partner_in_client, "EMPLOYEE")
        .await;
    let b = app
        .gql(
            Some(&s.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(code_of(&b), "PARTNER_USER_NOT_ADMIN");
    assert!(message_of(&b).contains("EMPLOYEE"), "{b}");
    let c = app.client(&s.partner, &s.client_id).await;
    assert_eq!(
        c["availableActions"],
        json!(["RESET_PASSWORD"]),
        "Log in is not offered while demoted"
    );

    app.set_user_role(&s.client_owner, &partner_in_client, "ADMIN")
        .await;
    app.log_in_to_client(&s.partner, &s.client_id).await;
    let c = app.client(&s.partner, &s.client_id).await;
    assert_eq!(c["availableActions"], json!(["LOG_IN", "RESET_PASSWORD"]));
}

#[tokio::test]
async fn deactivating_the_partners_user_refuses_log_in_and_ends_its_sessions() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let open = app.log_in_to_client(&s.partner, &s.client_id).await;
    let partner_in_client = app
        .user_id(&s.client_owner, "rosa@ledgerline.example")
        .await;
    let r = app
        .set_user_active(&s.client_owner, &partner_in_client, false)
        .await;
    assert_eq!(r["active"], false);
    assert_eq!(
        app.error_code(Some(&open), ME, json!({})).await,
        "UNAUTHENTICATED",
        "its session ended"
    );
    let b = app
        .gql(
            Some(&s.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(code_of(&b), "PARTNER_USER_INACTIVE");
    assert_eq!(
        app.error_code(
            Some(&s.partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": s.client_id })
        )
        .await,
        "PARTNER_USER_INACTIVE"
    );
    let c = app.client(&s.partner, &s.client_id).await;
    assert_eq!(c["availableActions"], json!([]));
    // The partner's own account is untouched.
    assert_eq!(app.me(Some(&s.partner)).await["account"]["kind"], "PARTNER");
    app.set_user_active(&s.client_owner, &partner_in_client, true)
        .await;
    app.log_in_to_client(&s.partner, &s.client_id).await;
}

#[tokio::test]
async fn a_partner_with_no_user_in_the_client_account_is_told_so_until_one_is_added() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app.invite(&partner, "hello@bakersrow.example", None).await;
    // Still invited: no account at all.
    assert_eq!(
        app.error_code(Some(&partner), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
            .await,
        "PARTNER_USER_MISSING"
    );
    let link = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    let bea = app.ok(None, ACCEPT_INVITE, bea_accepts(&link)).await["acceptInvite"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = app
        .gql(Some(&partner), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
        .await;
    assert_eq!(code_of(&b), "PARTNER_USER_MISSING");
    assert!(message_of(&b).contains("rosa@ledgerline.example"), "{b}");
    assert_eq!(
        app.error_code(
            Some(&partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": c["id"] })
        )
        .await,
        "PARTNER_USER_MISSING"
    );
    // The client's owner adds the partner as an ADMIN.
    app.add_user(&bea, "Rosa@LedgerLine.example", "Rosa", "ADMIN")
        .await;
    let r = app
        .ok(Some(&partner), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
        .await;
    assert_eq!(r["logInToClient"]["user"]["role"], "ADMIN");
    // Another partner cannot act on this client at all.
    let other = app.partner("other@elsewhere.example").await;
    assert_eq!(
        app.error_code(Some(&other), LOG_IN_TO_CLIENT, json!({ "id": c["id"] }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(&other), RESEND_INVITE, json!({ "id": c["id"] }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(&other),
            RESET_CLIENT_PASSWORD,
            json!({ "id": c["id"] })
        )
        .await,
        "NOT_FOUND"
    );
}
