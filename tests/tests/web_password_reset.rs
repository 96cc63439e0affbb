//! Issue 17, scenario c (SPEC §10, §5 Reset password; §12 one identity): the partner asks
//! for a password reset on a form-created client's row, sets a new password through the
//! emailed link, and logs in to that client account with it (Company ID): it is the one
//! password of the partner's identity, so the old one opens neither account. How these
//! tests drive the browser: `e2e::web`.

use e2e::browser::Browser;
use e2e::web::partner_on_dashboard;
use e2e::{LOG_IN, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_partner_resets_its_client_account_password_through_the_emailed_link() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    let corner = app
        .create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let company_id = corner["companyId"].as_str().unwrap();
    b.wait_for_cell("cora@cornershop.example", "Status", "Trial")
        .await;
    b.click("Reset password in Corner Shop").await;
    b.wait_for_text(
        "#toasts",
        "We emailed you a link to set your password: the one you use in Corner Shop and in your partner account. It works once, for one hour.",
    )
    .await;
    b.assert_no_console_errors().await;

    let link = app
        .link_mailed_to(
            "rosa@ledgerline.example",
            "Reset your password for Ledger & Line",
            "http://app.test/reset-password/",
        )
        .await;
    b.goto(&app.local(&link)).await;
    b.wait_for_text("h1", "Set your password").await;
    b.fill("New password", "corner-new-pass-1").await;
    b.click("Set password").await;
    b.wait_for_text("main", "Your password is set.").await;
    b.assert_no_console_errors().await;

    // The new password opens the client account (its Company ID picks it).
    b.click("Log in with your new password").await;
    b.wait_for_path("/login").await;
    b.fill("Email", "rosa@ledgerline.example").await;
    b.fill("Password", "corner-new-pass-1").await;
    b.fill("Company ID", company_id).await;
    b.click("Log in").await;
    b.wait_for_path("/client").await;
    b.wait_for_text("h1", "Corner Shop").await;
    b.wait_for_text(
        "main",
        &format!("Company ID {company_id} · your role: Admin"),
    )
    .await;
    b.assert_no_console_errors().await;

    // The old one opens neither account; the new one opens the partner account too.
    for company in [Some(company_id), None] {
        let old = json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1", "companyId": company });
        assert_eq!(app.error_code(None, LOG_IN, old).await, "UNAUTHENTICATED");
    }
    let partner = app
        .log_in_as("rosa@ledgerline.example", "corner-new-pass-1", None)
        .await;
    assert_eq!(partner["user"]["account"]["kind"], "PARTNER");
}
