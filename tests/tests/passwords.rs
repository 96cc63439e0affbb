//! SPEC §5, Reset password: `resetClientPassword` for the partner's own user in a client
//! account, `requestPasswordReset` for anyone (never revealing whether the email exists),
//! and the single-use, expiring links `resetPassword` takes.

use e2e::{
    LOG_IN, ME, REQUEST_PASSWORD_RESET, RESET_CLIENT_PASSWORD, RESET_PASSWORD, TestApp, token_of,
};
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn reset_client_password_changes_only_the_partners_user_in_that_client() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    assert_eq!(
        app.ok(
            Some(&s.partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": s.client_id })
        )
        .await["resetClientPassword"],
        true
    );
    let mail = app
        .wait_for_mail(
            "rosa@ledgerline.example",
            "Reset your password for Corner Shop",
        )
        .await;
    assert!(mail.text.contains(&s.company_id));
    let link = mail.link("http://app.test/reset-password/").unwrap();
    // Throttled right after.
    let b = app
        .gql(
            Some(&s.partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        b["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            <= 60
    );

    assert_eq!(
        app.ok(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "new-client-pass-1" })
        )
        .await["resetPassword"],
        true
    );
    // Used twice: refused.
    assert_eq!(
        app.error_code(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "other-pass-123" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    // The client-account user has the new password; the partner account keeps the old one.
    let in_client = json!({ "email": "rosa@ledgerline.example", "password": "new-client-pass-1", "companyId": s.company_id });
    assert_eq!(
        app.ok(None, LOG_IN, in_client).await["logIn"]["user"]["role"],
        "ADMIN"
    );
    let old_in_client = json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1", "companyId": s.company_id });
    assert_eq!(
        app.error_code(None, LOG_IN, old_in_client).await,
        "UNAUTHENTICATED"
    );
    let partner = json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1" });
    assert_eq!(
        app.ok(None, LOG_IN, partner).await["logIn"]["user"]["account"]["kind"],
        "PARTNER"
    );
    // The partner session is still valid (only the client-account user's sessions end).
    assert_eq!(
        app.ok(Some(&s.partner), ME, json!({})).await["me"]["account"]["kind"],
        "PARTNER"
    );
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    app.ok(
        Some(&s.partner),
        RESET_CLIENT_PASSWORD,
        json!({ "id": s.client_id }),
    )
    .await;
    let link = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    entity::password_token::Entity::update_many()
        .col_expr(
            entity::password_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(app.db())
        .await
        .unwrap();
    let b = app
        .gql(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "new-client-pass-1" }),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        app.error_code(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "short" })
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn request_password_reset_answers_the_same_for_known_and_unknown_emails() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let known = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "ROSA@ledgerline.example" }),
        )
        .await;
    let unknown = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "nobody@ledgerline.example" }),
        )
        .await;
    let malformed = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "not an email" }),
        )
        .await;
    assert_eq!(known, json!({ "data": { "requestPasswordReset": true } }));
    assert_eq!(unknown, known);
    assert_eq!(malformed, known);
    let mail = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await;
    let link = mail.link("http://app.test/reset-password/").unwrap();
    app.wait_reset_requests_settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        app.mails()
            .iter()
            .all(|m| m.to != "nobody@ledgerline.example")
    );
    // Asked again at once: same answer, but no second email (throttled per user).
    let again = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "rosa@ledgerline.example" }),
        )
        .await;
    assert_eq!(again, known);
    app.wait_reset_requests_settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.mails()
            .iter()
            .filter(|m| m.subject.contains("Reset"))
            .count(),
        1
    );
    // The link works, and ends the user's sessions.
    let session = app
        .log_in("rosa@ledgerline.example", "correct-horse-1")
        .await;
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&link), "p": "brand-new-pass-1" }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&session), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    app.ok(
        None,
        LOG_IN,
        json!({ "email": "rosa@ledgerline.example", "password": "brand-new-pass-1" }),
    )
    .await;
}

/// `requestPasswordReset(email, companyId)` picks the user row in that company, the way
/// `logIn` does (SPEC §2); without it, the person's partner account. The worker settles
/// the request, so the choice travels with it.
#[tokio::test]
async fn request_password_reset_picks_the_account_by_company_id() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let rosa = "rosa@ledgerline.example";
    let link_of = async |app: &TestApp| {
        let mail = app.wait_for_mail(rosa, "Reset your password").await;
        let link = mail.link("http://app.test/reset-password/").unwrap();
        app.clear_mails();
        (mail, link)
    };
    app.clear_mails();

    // With the client's Company ID: the link is for Rosa's ADMIN user in Corner Shop.
    app.ok(
        None,
        REQUEST_PASSWORD_RESET,
        json!({ "email": rosa, "companyId": s.company_id }),
    )
    .await;
    let (mail, link) = link_of(&app).await;
    assert!(mail.text.contains(&s.company_id), "{}", mail.text);
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&link), "p": "client-side-pass-1" }),
    )
    .await;
    let client_side = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": rosa, "password": "client-side-pass-1", "companyId": s.company_id }),
        )
        .await;
    assert_eq!(
        client_side["logIn"]["user"]["account"]["companyId"],
        s.company_id.as_str()
    );
    // Her partner account's password did not change.
    app.ok(
        None,
        LOG_IN,
        json!({ "email": rosa, "password": "correct-horse-1" }),
    )
    .await;

    // Without a Company ID: her partner account.
    app.ok(None, REQUEST_PASSWORD_RESET, json!({ "email": rosa }))
        .await;
    let (mail, link) = link_of(&app).await;
    assert!(!mail.text.contains(&s.company_id), "{}", mail.text);
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&link), "p": "partner-side-pass-1" }),
    )
    .await;
    let partner_side = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": rosa, "password": "partner-side-pass-1" }),
        )
        .await;
    assert_eq!(partner_side["logIn"]["user"]["account"]["kind"], "PARTNER");
    app.ok(
        None,
        LOG_IN,
        json!({ "email": rosa, "password": "client-side-pass-1", "companyId": s.company_id }),
    )
    .await;
}

/// Setting a password through one link ends every other outstanding set or reset link of
/// that user: an old email left in an inbox cannot set it again.
#[tokio::test]
async fn setting_a_password_ends_every_other_link_of_that_user() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.create_client(&partner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let set_link = app
        .wait_for_mail("cora@cornershop.example", "set your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    app.clear_mails();
    app.ok(
        None,
        REQUEST_PASSWORD_RESET,
        json!({ "email": "cora@cornershop.example" }),
    )
    .await;
    let reset_link = app
        .wait_for_mail("cora@cornershop.example", "Reset your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    assert_ne!(set_link, reset_link);
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&reset_link), "p": "cora-password-1" }),
    )
    .await;
    assert_eq!(
        app.error_code(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&set_link), "p": "other-password-1" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    app.log_in("cora@cornershop.example", "cora-password-1")
        .await;
}
