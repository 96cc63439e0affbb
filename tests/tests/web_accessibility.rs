//! Issue 24 (SPEC §10): axe-core, the accessibility checker, run on the pages people
//! meet: the log-in page and the pages emailed links open (`/invite/{token}`,
//! `/join/{code}`, `/reset-password/{token}`), the dashboard with 120 clients (on a
//! laptop and on a phone), the invite dialog open on each of its tabs, the audit log, the
//! team page and the client account page. Every run must find nothing (axe-core is
//! pinned in `tests/axe/`; see `e2e::browser`). How these tests drive the browser:
//! `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::log_in;

#[tokio::test]
async fn axe_finds_nothing_on_the_log_in_page_and_the_pages_emailed_links_open() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "bea@bakers.example", Some("Bakers Row"))
        .await;
    let invite = app.invite_link_mailed_to("bea@bakers.example").await;
    let join = app.invite_link(&owner).await["url"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let set_password = app
        .link_mailed_to(
            "cora@cornershop.example",
            "set your password",
            "http://app.test/reset-password/",
        )
        .await;

    let b = Browser::start().await;
    for (page, heading) in [
        (app.page("/login"), "Log in"),
        (app.page("/signup"), "Sign up"),
        (app.page("/forgot-password"), "Reset your password"),
        (app.local(&invite), "Accept your invitation"),
        (app.local(&join), "Join your accountant"),
        (app.local(&set_password), "Set your password"),
    ] {
        b.goto(&page).await;
        b.wait_for_text("h1", heading).await;
        b.assert_accessible(&page).await;
        b.assert_no_console_errors().await;
    }
}

#[tokio::test]
async fn axe_finds_nothing_on_the_dashboard_with_120_clients_and_the_invite_dialog() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite_many(&owner, 118).await;
    app.create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    app.create_client(&owner, "Tea Rooms", "Tess", "tess@tearooms.example")
        .await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Clients").await;
    b.button("All 120").await;
    b.wait_for_text(".pager", "1–20 of 120").await;
    b.assert_accessible("the dashboard with 120 clients").await;

    b.click("Invite clients").await;
    b.field("Client email").await;
    b.assert_accessible("the invite dialog (by email)").await;
    for tab in ["Invite link", "Sign-up form", "Bulk (CSV)"] {
        b.click(tab).await;
        b.assert_accessible(&format!("the invite dialog ({tab})"))
            .await;
    }
    b.fill(
        "Or paste the rows",
        "Email\nana@anabakery.example\nnot-an-email\n",
    )
    .await;
    b.click("Preview").await;
    b.wait_for_text("dialog", "Preview: 1 will be invited")
        .await;
    b.assert_accessible("the invite dialog (bulk preview)")
        .await;
    b.assert_no_console_errors().await;

    let phone = Browser::start_phone().await;
    log_in(&phone, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    phone.wait_for_text(".pager", "1–20 of 120").await;
    phone
        .assert_accessible("the dashboard with 120 clients on a phone")
        .await;
    phone.assert_no_console_errors().await;
}

#[tokio::test]
async fn axe_finds_nothing_on_the_audit_log_the_team_and_the_client_account_page() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "bea@bakers.example", Some("Bakers Row"))
        .await;
    app.regenerate_invite_link(&owner).await;
    app.create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Clients").await;
    b.click("Audit log").await;
    b.wait_for_cell("Regenerated the invite link", "From", "127.0.0.1")
        .await;
    b.assert_accessible("the audit log").await;
    b.click("Team").await;
    b.wait_for_cell("rosa@ledgerline.example", "Role", "Owner")
        .await;
    b.assert_accessible("the team page").await;
    b.click("Clients").await;
    b.click("Log in to Corner Shop").await;
    b.wait_for_path("/client").await;
    b.wait_for_cell("cora@cornershop.example", "Role", "Owner")
        .await;
    b.assert_accessible("the client account page").await;
    b.assert_no_console_errors().await;
}
