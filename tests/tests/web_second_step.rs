//! Issue 25 item 6, in a real browser: a person with an authenticator app logs in in two
//! steps. The right password leads to "Second step"; a wrong code is refused in place;
//! the app's code (computed by the test as the app does) opens the dashboard. How these
//! tests drive the browser: `e2e::web`.

use e2e::browser::Browser;
use e2e::web::log_in;
use e2e::{TestApp, totp_code};

#[tokio::test]
async fn a_partner_with_an_authenticator_app_logs_in_with_its_code() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let (secret, _) = app.enrol_totp(&rosa).await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Second step").await;
    b.fill("Code", "000000").await;
    b.click("Verify").await;
    b.wait_for_text("[role=alert]", "that code is not right").await;
    b.wait_for_path("/login").await;
    b.fill("Code", &totp_code(&secret)).await;
    b.click("Verify").await;
    b.wait_for_path("/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text(".topbar", "Ledger & Line").await;
    b.assert_no_console_errors().await;
}
