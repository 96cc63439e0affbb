//! Issue 26 in two real browsers (SPEC §13): a partner asks a client for access from its
//! row; the client's owner approves it in their own browser; the partner's row turns to
//! "Can log in" live; the partner enters with the reason their firm requires; the client
//! sees who is in and why, then the session in its access log with its end. How these
//! tests drive the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::log_in;

const ROSA: &str = "rosa@ledgerline.example";
const BEA: &str = "bea@bakers.example";

#[tokio::test]
async fn a_partner_asks_the_client_approves_and_sees_the_partner_in_its_log() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    let id = app.invite(&rosa, BEA, Some("Bakers")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = format!("tr[data-id='{id}'] .access");
    let link = app.invite_link_mailed_to(BEA).await;
    app.accept_invite(&link, "Bakers", "Bea", "bea-password-1")
        .await;
    // The firm asks its people for a reason each time they enter a client.
    let rule = "mutation { setFirmPolicy(input: { accessReasonRequired: true }) { id } }";
    app.ok(Some(&rosa), rule, serde_json::json!({})).await;

    let partner = Browser::start_as("partner").await;
    log_in(&partner, &app, ROSA, "correct-horse-1").await;
    partner.wait_for_text(&access, "Not added").await;
    partner.click("Request access to Bakers").await;
    partner
        .wait_for_text("dialog.form-dialog", "Request access to Bakers")
        .await;
    partner.fill("Why", "Year-end payroll check").await;
    partner.showcase("request-access").await;
    partner.click("Send request").await;
    partner.wait_for_text(&access, "Requested").await;

    let client = Browser::start_as("client").await;
    log_in(&client, &app, BEA, "bea-password-1").await;
    client.wait_for_text("h1", "Bakers").await;
    client
        .wait_for_text("section[aria-labelledby=pa-h]", "Year-end payroll check")
        .await;
    client
        .click("Approve Rosa Ledger (rosa@ledgerline.example)")
        .await;
    client
        .wait_for_text("dialog.form-dialog", "Approve Rosa Ledger")
        .await;
    client.click("Approve").await;
    client
        .wait_for_text("section[aria-labelledby=pa-h]", "Active")
        .await;

    // The partner's list hears of it without anyone reloading.
    partner.wait_for_text(&access, "Can log in").await;
    partner.click("Log in to Bakers").await;
    partner
        .wait_for_text("dialog.form-dialog", "Log in to Bakers")
        .await;
    partner.fill("Reason", "Checking the March pay run").await;
    partner.click("Log in").await;
    partner.wait_for_path("/client").await;

    // The client sees who is in, and why.
    client.goto(&app.page("/client")).await;
    client
        .wait_for_text(".partner-here", "Checking the March pay run")
        .await;
    client.showcase("partner-here").await;

    partner.click("Back to partner dashboard").await;
    partner.wait_for_path("/").await;
    client.goto(&app.page("/client")).await;
    let log = client
        .wait_for_text(
            "table[aria-label='Partner sessions in your account']",
            "ended",
        )
        .await;
    assert!(log.contains("Checking the March pay run"), "{log}");
    assert!(log.contains("Rosa Ledger"), "{log}");
    client
        .assert_accessible("the client's partner access section")
        .await;
    partner.assert_no_console_errors().await;
    client.assert_no_console_errors().await;
}
