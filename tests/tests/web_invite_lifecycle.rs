//! Issue 17 (SPEC §10, §5 Resend invite; issue 16 item 1): an invite's lifecycle in the
//! browser. The partner resends and revokes an invite from its row; a revoked, expired or
//! unknown invite link says so on its page, and nobody is signed in. How these tests
//! drive the browser: `e2e::web`.

use chrono::Duration;
use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{partner_on_dashboard, rows};

/// Opens the invite `link` and fills in the accept form as Bea would.
async fn try_to_accept(b: &Browser, link: &str) {
    b.goto(link).await;
    b.wait_for_text("h1", "Accept your invitation").await;
    b.fill("Company name", "Bakers Row").await;
    b.fill("Your name", "Bea Baker").await;
    b.fill("Password", "bea-password-1").await;
    b.click("Create account").await;
}

#[tokio::test]
async fn a_revoked_expired_or_unknown_invite_link_says_so() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let bea = app
        .invite(&owner, "bea@bakers.example", Some("Bakers"))
        .await;
    let revoked = app.invite_link_mailed_to("bea@bakers.example").await;
    app.revoke_invite(&owner, &bea["id"]).await;
    let eve = app
        .invite(&owner, "eve@eves.example", Some("Eve's Garden"))
        .await;
    let expired = app.invite_link_mailed_to("eve@eves.example").await;
    let past = app.expire_invite(&eve["id"], Duration::days(1)).await;

    let b = Browser::start().await;
    let unknown = format!("{}/invite/no-such-invite-token", app.url);
    let withdrawn = "this invitation was withdrawn by your accountant: they can send you a new one";
    let expired_on = format!(
        "this invitation expired on {}: your accountant can send you a new one",
        past.format("%Y-%m-%d")
    );
    for (link, says) in [
        (app.local(&revoked), withdrawn),
        (app.local(&expired), expired_on.as_str()),
        (unknown, "this invitation link is not valid any more"),
    ] {
        try_to_accept(&b, &link).await;
        b.wait_for_text("[role=alert]", says).await;
        let path = link.replacen(&app.url, "", 1);
        b.wait_for_path(&path).await;
        let signed_in = b
            .execute("return sessionStorage.getItem('pd.token');", vec![])
            .await;
        b.ensure(signed_in.is_null(), || "someone got signed in".into())
            .await;
        b.assert_no_console_errors().await;
    }
    // Nothing changed: both are still invited, nobody has an account.
    assert_eq!(
        app.listed_statuses(&owner).await,
        rows([
            ("bea@bakers.example", "INVITED"),
            ("eve@eves.example", "INVITED"),
        ])
    );
}

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
    eve.fill("Company name", "Eve's Garden").await;
    eve.fill("Your name", "Eve").await;
    eve.fill("Password", "eve-password-1").await;
    eve.click("Create account").await;
    eve.wait_for_text(
        "[role=alert]",
        "this invitation was withdrawn by your accountant",
    )
    .await;
    eve.assert_no_console_errors().await;
}
