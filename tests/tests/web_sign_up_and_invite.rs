//! Issue 17, scenario a (SPEC §10): a partner signs up in the browser and invites a client
//! by email from the dialog; the client opens the emailed link in their own browser and
//! accepts; the partner's open list shows the client as Trial without a reload (the live
//! list over /graphql/ws). How these tests drive the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use serde_json::json;

/// Signs Rosa's firm up on the sign-up page; returns the dashboard's welcome text.
async fn rosa_signs_up(app: &TestApp, partner: &Browser) -> String {
    partner.goto(&app.page("/signup")).await;
    partner.wait_for_text("h1", "Sign up").await;
    partner.fill("Company name", "Ledger & Line").await;
    partner.fill("Your name", "Rosa Ledger").await;
    partner.fill("Email", "rosa@ledgerline.example").await;
    partner.fill("Password", "correct-horse-1").await;
    partner.check("I am an accountant or bookkeeper").await;
    partner.assert_no_console_errors().await;
    partner.click("Sign up").await;
    // The dashboard, empty, with the welcome and the Company ID.
    partner.wait_for_path("/").await;
    partner.wait_for_text("h1", "Clients").await;
    partner
        .wait_for_text("main", "Welcome! Your account for Ledger & Line is ready.")
        .await
}

/// Invites Bea by email from the dialog: her row shows Invited, its invite Sent.
async fn rosa_invites_bea(partner: &Browser) {
    partner.click("Invite clients").await;
    partner.fill("Client email", "bea@bakers.example").await;
    partner.fill("Company name", "Bakers").await;
    partner.showcase("invite-dialog").await;
    partner.click("Send invite").await;
    partner
        .wait_for_text("#toasts", "Invite sent to bea@bakers.example.")
        .await;
    partner
        .wait_for_cell("bea@bakers.example", "Status", "Invited")
        .await;
    let invite = partner.cell("bea@bakers.example", "Invite").await;
    partner
        .ensure(invite.starts_with("Sent\nexpires "), || {
            format!("the invite column says {invite:?}")
        })
        .await;
    partner.button("Invited 1").await;
    partner.assert_no_console_errors().await;
}

/// Bea opens the emailed link in her own browser, accepts, sees her account on a trial,
/// and logs out.
async fn bea_accepts_in_her_own_browser(app: &TestApp) {
    let link = app
        .link_mailed_to(
            "bea@bakers.example",
            "Ledger & Line invites you to try Time",
            "http://app.test/invite/",
        )
        .await;
    let client = Browser::start_as("client").await;
    client.goto(&app.local(&link)).await;
    client.wait_for_text("h1", "Accept your invitation").await;
    client.fill("Company name", "Bakers Row").await;
    client.fill("Your name", "Bea Baker").await;
    client.fill("Password", "bea-password-1").await;
    client.assert_no_console_errors().await;
    client.showcase("accept-invite").await;
    client.click("Create account").await;
    client.wait_for_path("/client").await;
    client
        .wait_for_text(
            "main",
            "Welcome! Your account for Bakers Row is ready and your trial has started.",
        )
        .await;
    client.wait_for_text("h1", "Bakers Row").await;
    // Their own subscription: the trial, from their account.
    client.wait_for_text("main", "Free trial until").await;
    client
        .wait_for_cell("bea@bakers.example", "Role", "Owner")
        .await;
    client.button("Subscribe to Monthly").await;
    client.assert_no_console_errors().await;
    client.click("Log out").await;
    client.wait_for_path("/login").await;
    client.wait_for_text("main", "You are logged out.").await;
    client.assert_no_console_errors().await;
}

#[tokio::test]
async fn a_partner_signs_up_invites_by_email_and_sees_the_client_accept_live() {
    let app = TestApp::spawn().await;
    let partner = Browser::start_as("partner").await;
    let welcome = rosa_signs_up(&app, &partner).await;
    let token = app
        .log_in("rosa@ledgerline.example", "correct-horse-1")
        .await;
    let me = app.me(Some(&token)).await;
    let company_id = me["account"]["companyId"].as_str().unwrap();
    partner
        .ensure(
            welcome.contains(&format!("Your Company ID is {company_id}.")),
            || format!("the welcome does not give the Company ID {company_id}: {welcome}"),
        )
        .await;
    assert_eq!(me["account"]["kind"], "PARTNER");
    partner.wait_for_text("main", "No clients yet.").await;
    partner.button("All 0").await;
    partner.assert_no_console_errors().await;
    // Anything below that reloaded the page would lose this.
    partner
        .execute("window.neverReloaded = true; return null;", vec![])
        .await;

    rosa_invites_bea(&partner).await;
    bea_accepts_in_her_own_browser(&app).await;

    // The partner's list, never reloaded, shows the client's trial.
    partner
        .wait_for_cell("bea@bakers.example", "Status", "Trial")
        .await;
    let who = partner.cell("bea@bakers.example", "Client").await;
    partner
        .ensure(who.starts_with("Bakers Row\nbea@bakers.example"), || {
            format!("the client column says {who:?}")
        })
        .await;
    partner.button("Trial 1").await;
    partner.button("Invited 0").await;
    let same_page = partner
        .execute("return window.neverReloaded === true;", vec![])
        .await;
    partner
        .ensure(same_page == json!(true), || {
            "the partner's page was reloaded".into()
        })
        .await;
    partner.assert_no_console_errors().await;
}
