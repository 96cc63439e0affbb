//! Issue 24, item 3 (SPEC §10): real data at a laptop's width (1280 px). The audit log
//! shows every column, Detail and From included, with no box to scroll; one long
//! unbroken client name leaves its row's actions in view; three-digit counts on the
//! status tabs leave the search and the sort beside them. How these tests drive the
//! browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{log_in, partner_on_dashboard};

/// A company name as some people type it: 140 letters without a space.
fn long_name() -> String {
    "Hauptbuchhaltungsundsteuerberatungsgesellschaft".repeat(3)
}

#[tokio::test]
async fn a_long_unbroken_client_name_leaves_the_rows_actions_in_view() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    app.invite(&owner, "hans@haupt.example", Some(&long_name()))
        .await;
    app.create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    b.wait_for_cell("hans@haupt.example", "Status", "Invited")
        .await;
    b.assert_button_on_screen("Resend invite to hans@haupt.example")
        .await;
    b.assert_button_on_screen("Revoke the invite to hans@haupt.example")
        .await;
    b.assert_button_on_screen("Reset password in Corner Shop")
        .await;
    b.cell_on_screen("hans@haupt.example", "Last partner log-in")
        .await;
    b.assert_table_fits("table.clients").await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn the_audit_log_shows_its_detail_and_from_columns_at_a_laptops_width() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    app.invite(&owner, "hans@haupt.example", Some(&long_name()))
        .await;
    app.regenerate_invite_link(&owner).await;
    let corner = app
        .create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    app.log_in_to_client(&owner, corner["id"].clone()).await;
    b.click("Audit log").await;
    b.wait_for_path("/audit").await;
    let regenerated = "Regenerated the invite link";
    assert_eq!(
        b.cell_on_screen(regenerated, "Detail").await,
        "a new invite link; the old one stopped working"
    );
    assert_eq!(b.cell_on_screen(regenerated, "From").await, "127.0.0.1");
    for row in ["Invited a client", "Logged in to a client"] {
        b.cell_on_screen(row, "Detail").await;
        assert_eq!(b.cell_on_screen(row, "From").await, "127.0.0.1");
    }
    b.assert_table_fits("table.audit").await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn three_digit_counts_on_the_status_tabs_leave_the_search_and_sort_beside_them() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite_many(&owner, 120).await;
    for i in 1..=100 {
        let email = format!("trial{i}@trials.example");
        app.create_client(&owner, &format!("Trial {i:03}"), "Tess", &email)
            .await;
    }
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Clients").await;
    let all = b.button("All 220").await;
    b.button("Invited 120").await;
    b.button("Trial 100").await;
    let search = b.field("Search").await;
    let sort = b.field("Sort by").await;
    for (what, field) in [("search", search.reference()), ("sort", sort.reference())] {
        let beside = b.side_by_side(all.reference(), field).await;
        b.ensure(beside, || {
            format!("the {what} went onto a line of its own, under the tabs")
        })
        .await;
    }
    b.assert_no_console_errors().await;
}
