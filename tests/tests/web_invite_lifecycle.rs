//! Issue 17 (SPEC §10, §5 Resend invite; issue 16 item 1): an invite's lifecycle in the
//! browser. The partner resends and revokes an invite from its row, and the revoked
//! link's page says so (every kind of dead link: `web_links.rs`). How these tests drive
//! the browser: `e2e::web`.

use chrono::Duration;
use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::partner_on_dashboard;

/// A resend right after the invite is refused with when to try again; later it goes,
/// and the row says Sent; then Revoke, the row says Revoked, and the resent link's page
/// says it was withdrawn.
#[tokio::test]
async fn the_partner_resends_and_revokes_an_invite_from_its_row() {
    let app = TestApp::spawn().await;
    let b = Browser::start_as("partner").await;
    let owner = partner_on_dashboard(&app, &b).await;
    let eve = app
        .invite(&owner, "eve@eves.example", Some("Eve's Garden"))
        .await;
    b.wait_for_cell("eve@eves.example", "Status", "Invited")
        .await;
    app.wait_for_mail("eve@eves.example", "invites you to try Time")
        .await;

    // Too soon: the API's refusal, saying when to try again.
    b.click("Resend invite to eve@eves.example").await;
    b.wait_for_text("#toasts", "try again in 5 min").await;
    b.assert_no_console_errors().await;

    // Six minutes later it goes, with a fresh link.
    app.backdate_invite(&eve["id"], Duration::minutes(6)).await;
    app.clear_mails();
    b.click("Resend invite to eve@eves.example").await;
    b.wait_for_text("#toasts", "Invite sent again to eve@eves.example.")
        .await;
    let invite_column = b.cell("eve@eves.example", "Invite").await;
    b.ensure(invite_column.starts_with("Sent\nexpires "), || {
        format!("the invite column says {invite_column:?}")
    })
    .await;
    let link = app.invite_link_mailed_to("eve@eves.example").await;
    b.assert_no_console_errors().await;

    b.click("Revoke the invite to eve@eves.example").await;
    b.click("Yes, revoke").await;
    b.wait_for_text(
        "#toasts",
        "Invite to eve@eves.example revoked: its link no longer works.",
    )
    .await;
    b.wait_for_cell("eve@eves.example", "Invite", "Revoked")
        .await;
    b.wait_for_cell("eve@eves.example", "Status", "Invited")
        .await;
    b.assert_no_console_errors().await;

    let eve = Browser::start_as("client").await;
    eve.goto(&app.local(&link)).await;
    eve.wait_for_text("[role=alert]", "Ledger & Line withdrew this invitation")
        .await;
    eve.assert_no_console_errors().await;
}
