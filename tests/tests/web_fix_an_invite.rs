//! Issue 24 item 1, in a real browser: an invite can be fixed. A row still INVITED can
//! be removed (after a confirmation), and the sign-up form for an invited email turns
//! that row into the account, with "Log in" on it. Either way the emailed invite link
//! stops working and its page says so. How these tests drive the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{assert_no_form, create_by_the_form, log_in};

/// Opens an emailed invite link and waits for its page to say it no longer works.
async fn link_is_dead(b: &Browser, app: &TestApp, link: &str, says: &str) {
    b.goto(&app.local(link)).await;
    b.wait_for_text("h1", "This link no longer works").await;
    b.wait_for_text("[role=alert]", says).await;
    assert_no_form(b).await;
}

#[tokio::test]
async fn a_partner_removes_a_mistyped_invite_after_confirming() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "ivy@ivyleaf.example", Some("Ivy Leaf"))
        .await;
    let typo = app
        .invite(&owner, "gina@bakersorw.example", Some("Bakers Row"))
        .await;
    let link = app.invite_link_mailed_to("gina@bakersorw.example").await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_cell("gina@bakersorw.example", "Status", "Invited")
        .await;

    // Cancel keeps it.
    let remove = "Remove gina@bakersorw.example from your clients";
    b.click(remove).await;
    b.wait_for_text(
        "dialog[open] h2",
        "Remove gina@bakersorw.example from your clients?",
    )
    .await;
    b.wait_for_text("dialog[open]", "its invite link stops working")
        .await;
    b.click("Cancel").await;
    assert_eq!(app.client_count(&owner).await, 2);
    assert_eq!(app.client(&owner, &typo["id"]).await["status"], "INVITED");

    b.click(remove).await;
    b.click("Yes, remove").await;
    b.wait_for_text(
        "#toasts",
        "gina@bakersorw.example was removed from your clients.",
    )
    .await;
    b.wait_for(
        "the removed row to leave the list",
        "return ![...document.querySelectorAll('main tbody tr')]
            .some((tr) => tr.textContent.includes('gina@bakersorw.example'));",
    )
    .await;
    b.wait_for_cell("ivy@ivyleaf.example", "Status", "Invited")
        .await;
    assert_eq!(app.client_count(&owner).await, 1);
    b.assert_no_console_errors().await;

    // The email with the typo: its link no longer works.
    let gina = Browser::start_as("client").await;
    link_is_dead(&gina, &app, &link, "the invitation was removed").await;
    gina.assert_no_console_errors().await;
}

#[tokio::test]
async fn the_sign_up_form_for_an_invited_email_turns_its_row_into_the_account() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let cora = app
        .invite(&owner, "cora@cornershop.example", Some("Corner Shop"))
        .await;
    let link = app.invite_link_mailed_to("cora@cornershop.example").await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_cell("cora@cornershop.example", "Status", "Invited")
        .await;

    create_by_the_form(&b, "Corner Shop", "Cora", "cora@cornershop.example").await;
    // The same row, now the account: one client, on trial, with Log in.
    b.wait_for_cell("cora@cornershop.example", "Status", "Trial")
        .await;
    b.wait_for_cell("cora@cornershop.example", "Partner access", "Can log in")
        .await;
    b.button("Log in to Corner Shop").await;
    assert_eq!(app.client_count(&owner).await, 1);
    let row = app.client(&owner, &cora["id"]).await;
    assert_eq!(row["status"], "TRIAL", "{row}");
    b.assert_no_console_errors().await;

    // The invite emailed before: its page says the account exists.
    let client = Browser::start_as("client").await;
    link_is_dead(&client, &app, &link, "your account exists").await;
    client.assert_no_console_errors().await;
}
