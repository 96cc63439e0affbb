//! Issue 24, item 6 (SPEC §10, §5): what cannot be taken back from the page asks first,
//! as "Regenerate link" does. Revoking an invite, and a client admin taking the Admin
//! role from a user (the accountant's user among them): a dialog says what happens;
//! Cancel changes nothing. How these tests drive the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{log_in, partner_on_dashboard};

#[tokio::test]
async fn revoking_an_invite_asks_first_and_cancel_keeps_it() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    let eve = app
        .invite(&owner, "eve@eves.example", Some("Eve's Garden"))
        .await;
    b.wait_for_cell("eve@eves.example", "Status", "Invited")
        .await;

    b.click("Revoke the invite to eve@eves.example").await;
    b.wait_for_text("dialog[open] h2", "Revoke the invite to eve@eves.example?")
        .await;
    b.wait_for_text("dialog[open]", "stops working at once")
        .await;
    b.assert_accessible("the revoke confirmation").await;
    b.click("Cancel").await;
    let invite = b.cell("eve@eves.example", "Invite").await;
    b.ensure(invite.starts_with("Sent\nexpires"), || {
        format!("after Cancel the invite says {invite:?}")
    })
    .await;
    // Focus is back on the row's button, and nothing changed.
    let back = b
        .execute("return document.activeElement.textContent;", vec![])
        .await;
    assert_eq!(back, "Revoke the invite to eve@eves.example");
    assert_eq!(app.client(&owner, &eve["id"]).await["inviteState"], "SENT");

    b.click("Revoke the invite to eve@eves.example").await;
    b.click("Yes, revoke").await;
    b.wait_for_text(
        "#toasts",
        "Invite to eve@eves.example revoked: its link no longer works.",
    )
    .await;
    b.wait_for_cell("eve@eves.example", "Invite", "Revoked")
        .await;
    assert_eq!(
        app.client(&owner, &eve["id"]).await["inviteState"],
        "REVOKED"
    );
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn a_client_admin_taking_admin_from_the_accountants_user_is_asked_first() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let corner = app
        .create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    app.set_password_from_mail("cora@cornershop.example", "cora-password-1")
        .await;
    let b = Browser::start().await;
    log_in(&b, &app, "cora@cornershop.example", "cora-password-1").await;
    b.wait_for_path("/client").await;
    let rosa = "Role of rosa@ledgerline.example";
    b.field_value(rosa, "ADMIN").await;

    b.choose(rosa, "Manager").await;
    b.wait_for_text("dialog[open] h2", "Make Rosa Ledger Manager?")
        .await;
    b.wait_for_text(
        "dialog[open]",
        "your accountant can no longer log in to help you",
    )
    .await;
    b.assert_accessible("the role change confirmation").await;
    b.click("Cancel").await;
    b.field_value(rosa, "ADMIN").await;
    let row = app.client(&owner, &corner["id"]).await;
    assert_eq!(row["partnerAccess"], "OK", "{row}");

    b.choose(rosa, "Manager").await;
    b.click("Yes, make Manager").await;
    b.wait_for_text("#toasts", "Rosa Ledger is now Manager.")
        .await;
    b.field_value(rosa, "MANAGER").await;
    let row = app.client(&owner, &corner["id"]).await;
    assert_eq!(row["partnerAccess"], "NOT_ADMIN", "{row}");
    // Giving it back asks nothing.
    b.choose(rosa, "Admin").await;
    b.wait_for_text("#toasts", "Rosa Ledger is now Admin.")
        .await;
    b.assert_no_console_errors().await;
}
