//! Issue 24 item 2, in a real browser: the pages emailed links open ask what the link is
//! first. A dead invite, join or reset link says why and what to do before any form
//! shows; a live invite names the firm and the email and pre-fills the company name.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::assert_no_form;

#[tokio::test]
async fn a_live_invite_names_the_firm_and_the_email_and_fills_in_the_company() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    app.invite(&rosa, "gina@bakersrow.example", Some("Bakers Row"))
        .await;
    let link = app.invite_link_mailed_to("gina@bakersrow.example").await;
    let b = Browser::start().await;
    b.goto(&app.local(&link)).await;
    b.wait_for_text("h1", "Accept your invitation").await;
    b.wait_for_text("main", "Ledger & Line manages your books")
        .await;
    b.wait_for_text("main", "gina@bakersrow.example").await;
    assert_eq!(
        b.field_value("Company name", "Bakers Row").await,
        "Bakers Row"
    );
    b.fill("Your name", "Gina").await;
    b.fill("Password", "gina-password-1").await;
    b.click("Create account").await;
    b.wait_for_path("/client").await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn dead_invite_join_and_reset_links_say_why_before_any_typing() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let row = app
        .invite(&rosa, "gina@bakersrow.example", Some("Bakers Row"))
        .await;
    let invite = app.invite_link_mailed_to("gina@bakersrow.example").await;
    app.revoke_invite(&rosa, &row["id"]).await;
    let eve = app.invite(&rosa, "eve@eves.example", None).await;
    let expired = app.invite_link_mailed_to("eve@eves.example").await;
    app.expire_invite(&eve["id"], chrono::Duration::days(1))
        .await;
    let code = app.invite_link(&rosa).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    app.regenerate_invite_link(&rosa).await;
    app.request_password_reset("rosa@ledgerline.example", None)
        .await;
    let reset = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    app.reset_password(&reset, "a-new-password-1").await;
    // The reset ended Rosa's sessions: the checks at the end use a new one.
    let rosa = app
        .log_in("rosa@ledgerline.example", "a-new-password-1")
        .await;

    let b = Browser::start().await;
    b.goto(&app.local(&invite)).await;
    b.wait_for_text("h1", "This link no longer works").await;
    b.wait_for_text("[role=alert]", "Ledger & Line withdrew this invitation")
        .await;
    assert_no_form(&b).await;

    b.goto(&app.page(&format!("/join/{code}"))).await;
    b.wait_for_text("h1", "This link no longer works").await;
    b.wait_for_text("[role=alert]", "Ask them for their current link")
        .await;
    assert_no_form(&b).await;

    b.goto(&app.local(&reset)).await;
    b.wait_for_text("h1", "This link no longer works").await;
    b.wait_for_text("[role=alert]", "already used").await;
    assert_no_form(&b).await;
    b.click("Ask for a new link").await;
    b.wait_for_path("/forgot-password").await;

    // An expired invite says when it expired; nobody got signed in by any of them.
    b.goto(&app.local(&expired)).await;
    b.wait_for_text(
        "[role=alert]",
        "This invitation from Ledger & Line expired on",
    )
    .await;
    assert_no_form(&b).await;
    let me = b
        .execute(
            "return fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-partner-dashboard': 'main' }, body: JSON.stringify({ query: '{ me { email } }' }) }).then((r) => r.json());",
            vec![],
        )
        .await;
    assert!(me["data"]["me"].is_null(), "someone got signed in: {me}");
    assert_eq!(
        app.listed_statuses(&rosa).await,
        e2e::web::rows([
            ("gina@bakersrow.example", "INVITED"),
            ("eve@eves.example", "INVITED")
        ])
    );

    // A token nobody issued reads the same as a removed invite.
    b.goto(&app.page(&format!("/invite/{}", "A".repeat(43))))
        .await;
    b.wait_for_text("[role=alert]", "not valid").await;
    assert_no_form(&b).await;
    b.assert_no_console_errors().await;
}
