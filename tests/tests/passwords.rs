//! SPEC §5, Reset password: `resetClientPassword` for the partner's one password (their
//! seat in the client account has none of its own, §12), `requestPasswordReset` for anyone (never revealing whether the email exists),
//! and the single-use, expiring links `resetPassword` takes.

use e2e::{
    LOG_IN, ME, REQUEST_PASSWORD_RESET, RESET_CLIENT_PASSWORD, RESET_PASSWORD, TestApp, code_of,
    retry_after_of, token_of,
};
use serde_json::json;
use std::time::Duration;

/// The seat in the client account has no password of its own (SPEC §12): the row's
/// "Reset password" emails a link for the person's one password, their firm's.
#[tokio::test]
async fn reset_client_password_emails_a_link_for_the_persons_one_password() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let firm = app.company_id(&s.partner).await;
    app.reset_client_password(&s.partner, &s.client_id).await;
    let mail = app
        .wait_for_mail(
            "rosa@ledgerline.example",
            "Reset your password for Ledger & Line",
        )
        .await;
    assert!(mail.text.contains(&firm), "{}", mail.text);
    // A sentence after the greeting, and the link's lifetime from its rule (RESET_TTL).
    assert!(
        mail.text
            .contains(",\n\nSomeone asked to reset your password"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("for 1 hour"), "{}", mail.text);
    let link = mail.link("http://app.test/reset-password/").unwrap();
    // Throttled right after.
    let b = app
        .gql(
            Some(&s.partner),
            RESET_CLIENT_PASSWORD,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(code_of(&b), "RATE_LIMITED");
    assert!(retry_after_of(&b) <= 60);

    app.reset_password(&link, "new-rosa-pass-1").await;
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
    // One password: the new one opens the client account and the partner account; the
    // old one opens neither, and the sessions Rosa had ended.
    let rosa = "rosa@ledgerline.example";
    let in_client = app
        .log_in_as(rosa, "new-rosa-pass-1", Some(&s.company_id))
        .await;
    assert_eq!(in_client["user"]["role"], "ADMIN");
    let partner = app.log_in_as(rosa, "new-rosa-pass-1", None).await;
    assert_eq!(partner["user"]["account"]["kind"], "PARTNER");
    for company in [Some(s.company_id.as_str()), None] {
        let old = json!({ "email": rosa, "password": "correct-horse-1", "companyId": company });
        assert_eq!(app.error_code(None, LOG_IN, old).await, "UNAUTHENTICATED");
    }
    assert_eq!(
        app.error_code(Some(&s.partner), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    app.reset_client_password(&s.partner, &s.client_id).await;
    let link = app
        .link_mailed_to(
            "rosa@ledgerline.example",
            "Reset your password",
            "http://app.test/reset-password/",
        )
        .await;
    app.expire_password_links().await;
    let b = app
        .gql(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "new-client-pass-1" }),
        )
        .await;
    assert_eq!(code_of(&b), "BAD_USER_INPUT");
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
    app.reset_password(&link, "brand-new-pass-1").await;
    assert_eq!(
        app.error_code(Some(&session), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    app.log_in("rosa@ledgerline.example", "brand-new-pass-1")
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

    // Cora owns Corner Shop and a second company of her own.
    let cora = "cora@cornershop.example";
    let second = app
        .sign_up("Cora's Kiosk", "Cora", cora, "cora-kiosk-pass-1", false)
        .await;
    let kiosk = second["user"]["account"]["companyId"].as_str().unwrap();
    let cora_link = async |app: &TestApp| {
        let mail = app.wait_for_mail(cora, "Reset your password").await;
        let link = mail.link("http://app.test/reset-password/").unwrap();
        app.clear_mails();
        (mail, link)
    };
    app.clear_mails();
    // With a Company ID: the link is for her user in that company only.
    app.request_password_reset(cora, Some(kiosk)).await;
    let (mail, link) = cora_link(&app).await;
    assert!(mail.text.contains(kiosk), "{}", mail.text);
    app.reset_password(&link, "kiosk-new-pass-1").await;
    app.log_in_as(cora, "kiosk-new-pass-1", Some(kiosk)).await;
    app.log_in_as(cora, "cora-password-1", Some(&s.company_id))
        .await;

    // Rosa's seat in Corner Shop has no password of its own (SPEC §12): with Corner
    // Shop's Company ID, the link is for her one password, her firm's.
    app.request_password_reset(rosa, Some(&s.company_id)).await;
    let (mail, link) = link_of(&app).await;
    assert!(mail.subject.contains("Ledger & Line"), "{}", mail.subject);
    app.reset_password(&link, "rosa-new-pass-1").await;
    app.log_in_as(rosa, "rosa-new-pass-1", Some(&s.company_id))
        .await;
    let partner_side = app.log_in_as(rosa, "rosa-new-pass-1", None).await;
    assert_eq!(partner_side["user"]["account"]["kind"], "PARTNER");
}

/// Setting a password through one link ends every other outstanding set or reset link of
/// that user: an old email left in an inbox cannot set it again.
#[tokio::test]
async fn setting_a_password_ends_every_other_link_of_that_user() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.create_client(&partner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let cora = "cora@cornershop.example";
    let links = "http://app.test/reset-password/";
    let set_link = app.link_mailed_to(cora, "set your password", links).await;
    app.clear_mails();
    app.request_password_reset(cora, None).await;
    let reset_link = app.link_mailed_to(cora, "Reset your password", links).await;
    assert_ne!(set_link, reset_link);
    app.reset_password(&reset_link, "cora-password-1").await;
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
