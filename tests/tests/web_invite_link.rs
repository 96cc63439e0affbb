//! Issue 17, scenario d (SPEC §10, §3 method 2): the partner's unique link (from the
//! dialog's "Invite link" tab) signs a client up in another browser, and the row appears
//! in the partner's open list; a regenerated link replaces it, and the old one then says
//! it no longer works. How these tests drive the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{assert_no_form, partner_on_dashboard};

/// Signs a client up on the page of the invite `link`, as a person fills it in.
async fn sign_up_with_the_link(client: &Browser, app: &TestApp, link: &str, who: [&str; 4]) {
    let [company, name, email, password] = who;
    client.goto(&app.local(link)).await;
    client
        .wait_for_text("h1", "Join your accountant on Time")
        .await;
    client.fill("Company name", company).await;
    client.fill("Your name", name).await;
    client.fill("Email", email).await;
    client.fill("Password", password).await;
    client.click("Sign up").await;
}

/// A new link from the dialog; returns it once it differs from `old`.
async fn regenerate(partner: &Browser, old: &str) -> String {
    partner.click("Invite clients").await;
    partner.click("Invite link").await;
    partner.field_value("Your invite link", "/join/").await;
    partner.click("Regenerate link").await;
    partner.click("Yes, regenerate").await;
    partner
        .wait_for_text(
            "#toasts",
            "A new invite link is ready; the old one no longer works.",
        )
        .await;
    let new_link = partner.field("Your invite link").await.value().await;
    partner
        .ensure(new_link.contains("/join/") && new_link != old, || {
            format!("the link is {new_link:?}, was {old:?}")
        })
        .await;
    partner.assert_no_console_errors().await;
    new_link
}

#[tokio::test]
async fn the_unique_invite_link_signs_a_client_up_and_a_regenerated_one_replaces_it() {
    let app = TestApp::spawn().await;
    let partner = Browser::start_as("partner").await;
    partner_on_dashboard(&app, &partner).await;
    partner.click("Invite clients").await;
    partner.click("Invite link").await;
    let link = partner.field_value("Your invite link", "/join/").await;
    partner.click("Copy link").await;
    partner
        .wait_for_text("#toasts", "Invite link copied.")
        .await;
    partner.assert_no_console_errors().await;

    let client = Browser::start_as("client").await;
    let daisy = [
        "Daisy Dental",
        "Daisy",
        "daisy@dental.example",
        "daisy-password-1",
    ];
    sign_up_with_the_link(&client, &app, &link, daisy).await;
    client.wait_for_path("/client").await;
    client
        .wait_for_text("main", "Welcome! Your account for Daisy Dental is ready.")
        .await;
    client.wait_for_text("h1", "Daisy Dental").await;
    client.assert_no_console_errors().await;

    // The partner closes the dialog and finds the new client in the list.
    partner.click("Close").await;
    partner
        .wait_for_cell("daisy@dental.example", "Status", "Trial")
        .await;
    let via = partner.cell("daisy@dental.example", "Invite").await;
    partner
        .ensure(via.starts_with("Invite link"), || {
            format!("the invite column says {via:?}")
        })
        .await;
    partner.assert_no_console_errors().await;

    // A new link; the old one says at once that it stopped working, with no form.
    regenerate(&partner, &link).await;
    client.goto(&app.local(&link)).await;
    client
        .wait_for_text("h1", "This link no longer works")
        .await;
    client
        .wait_for_text(
            "[role=alert]",
            "This sign-up link no longer works: your accountant may have made a new one",
        )
        .await;
    assert_no_form(&client).await;
    client.assert_no_console_errors().await;
}
