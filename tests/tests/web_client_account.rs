//! Issue 17, scenario b (SPEC §10, §3 method 3, §5): the partner creates a client with the
//! sign-up form, logs in to it from its row, manages its users (adds one, changes the
//! role, deactivates and reactivates), subscribes it to a plan, and goes back to the
//! dashboard, which shows clients in every status. How these tests drive the browser:
//! `e2e::web`.

use chrono::Duration;
use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{create_by_the_form, log_in, rows, settle};
use serde_json::{Value, json};

/// Ends `client_id`'s trial as the trial sweep does when its time passed.
async fn expire_trial(app: &TestApp, client_id: &Value) {
    app.end_trial_in(client_id, -Duration::hours(1)).await;
    let report = worker::trials::sweep(app.db(), &app.events().await)
        .await
        .unwrap();
    assert_eq!(report.expired, 1);
}

/// Rosa's firm with a client in every status but Paying: two invited, one on a trial,
/// one whose trial expired. Returns Rosa's API token.
async fn a_list_with_every_status(app: &TestApp) -> String {
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "ivy@ivyleaf.example", Some("Ivy Leaf Florist"))
        .await;
    app.invite(&owner, "max@maxmotors.example", Some("Max Motors"))
        .await;
    app.create_client(&owner, "Tea Rooms", "Tess", "tess@tearooms.example")
        .await;
    let echo = app
        .create_client(&owner, "Echo Print", "Ed", "ed@echoprint.example")
        .await;
    expire_trial(app, &echo["id"]).await;
    owner
}

/// The sign-up form in the dialog makes Corner Shop, on a trial, which Rosa can log in to.
async fn corner_shop_by_the_form(b: &Browser) {
    create_by_the_form(b, "Corner Shop", "Cora", "cora@cornershop.example").await;
    b.wait_for_text(
        "#toasts",
        "cora@cornershop.example was emailed a link to set a password.",
    )
    .await;
    b.wait_for_cell("cora@cornershop.example", "Status", "Trial")
        .await;
    b.wait_for_cell("cora@cornershop.example", "Partner access", "Can log in")
        .await;
    b.wait_for_cell("cora@cornershop.example", "Last partner log-in", "Never")
        .await;
    b.assert_no_console_errors().await;
}

/// In the client account: adds Dan, who is listed at once; changes his role, deactivates
/// and reactivates him; subscribes the client to Monthly.
async fn rosa_manages_corner_shops_users(b: &Browser) {
    b.fill("Email", "dan@cornershop.example").await;
    b.fill("Name", "Dan Counter").await;
    b.choose("Role", "Manager").await;
    b.click("Add user").await;
    b.wait_for_text(
        "#toasts",
        "Dan Counter was added and emailed a link to set a password.",
    )
    .await;
    b.wait_for_cell("dan@cornershop.example", "Status", "Active")
        .await;
    b.field_value("Role of dan@cornershop.example", "MANAGER")
        .await;
    b.assert_no_console_errors().await;
    settle(b).await;
    b.showcase("client-account").await;

    b.choose("Role of dan@cornershop.example", "Admin").await;
    b.wait_for_text("#toasts", "Dan Counter is now Admin.")
        .await;
    b.click("Deactivate dan@cornershop.example").await;
    b.wait_for_cell("dan@cornershop.example", "Status", "Inactive")
        .await;
    b.click("Reactivate dan@cornershop.example").await;
    b.wait_for_cell("dan@cornershop.example", "Status", "Active")
        .await;
    b.assert_no_console_errors().await;
    b.click("Subscribe to Monthly").await;
    b.wait_for_text("#toasts", "Subscribed to Monthly.").await;
    b.wait_for_text("main", "Subscribed to Monthly since").await;
    b.assert_no_console_errors().await;
}

/// Back on the dashboard: every status, the client now Paying, the log-in recorded, and
/// every column fits the window.
async fn the_dashboard_shows_every_status(b: &Browser) {
    b.click("Back to partner dashboard").await;
    b.wait_for_path("/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_cell("cora@cornershop.example", "Status", "Paying")
        .await;
    let last = b
        .cell("cora@cornershop.example", "Last partner log-in")
        .await;
    b.ensure(last != "Never", || {
        format!("the last partner log-in shows {last:?}")
    })
    .await;
    for tab in [
        "All 5",
        "Invited 2",
        "Trial 1",
        "Trial Expired 1",
        "Paying 1",
    ] {
        b.button(tab).await;
    }
    b.wait_for_text("main", "2 active clients (Trial and Paying).")
        .await;
    // Every column, the row actions included, fits the window: nothing to scroll to.
    let widths = b
        .execute(
            "const w = document.querySelector('table.clients').closest('.table-wrap');
             return [w.scrollWidth, w.clientWidth];",
            vec![],
        )
        .await;
    b.ensure(widths[0].as_i64() <= widths[1].as_i64(), || {
        format!("the client list is wider than its box (scroll width, width): {widths}")
    })
    .await;
    b.assert_no_console_errors().await;
    // The picture for the README shows the whole list.
    b.resize_window(1280, 1180).await;
    settle(b).await;
    b.showcase("dashboard").await;
}

#[tokio::test]
async fn a_partner_creates_a_client_with_the_form_logs_in_to_it_and_manages_its_users() {
    let app = TestApp::spawn().await;
    let owner = a_list_with_every_status(&app).await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_path("/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_cell("ed@echoprint.example", "Status", "Trial Expired")
        .await;
    b.wait_for_cell("tess@tearooms.example", "Status", "Trial")
        .await;
    b.button("All 4").await;
    b.assert_no_console_errors().await;
    corner_shop_by_the_form(&b).await;

    // Log in to it from its row: the client account, as the partner's user there.
    b.click("Log in to Corner Shop").await;
    b.wait_for_path("/client").await;
    b.wait_for_text("h1", "Corner Shop").await;
    b.wait_for_text(
        ".banner",
        "You are in Corner Shop as your own user there (rosa@ledgerline.example, Admin).",
    )
    .await;
    b.wait_for_cell("cora@cornershop.example", "Role", "Owner")
        .await;
    b.wait_for_cell("rosa@ledgerline.example", "Role", "Admin")
        .await;
    b.assert_no_console_errors().await;
    rosa_manages_corner_shops_users(&b).await;
    the_dashboard_shows_every_status(&b).await;

    // What the page showed is what the account has.
    assert_eq!(
        app.listed_statuses(&owner).await,
        rows([
            ("cora@cornershop.example", "PAYING"),
            ("ed@echoprint.example", "TRIAL_EXPIRED"),
            ("ivy@ivyleaf.example", "INVITED"),
            ("max@maxmotors.example", "INVITED"),
            ("tess@tearooms.example", "TRIAL"),
        ])
    );
    let cora =
        app.clients(&owner, json!({ "search": "cora" })).await["edges"][0]["node"]["id"].clone();
    let cora = app.log_in_to_client(&owner, cora).await;
    let users = app.ok(Some(&cora), e2e::USERS_EMAIL_ROLE, json!({})).await;
    assert_eq!(
        users["users"],
        json!([
            { "email": "cora@cornershop.example", "role": "OWNER" },
            { "email": "rosa@ledgerline.example", "role": "ADMIN" },
            { "email": "dan@cornershop.example", "role": "ADMIN" },
        ])
    );
}
