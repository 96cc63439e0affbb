//! Issue 24, item 6 (SPEC §10, §4): the client list while it loads and as it pages. On a
//! slow network the table shows a loading row, the Team page says it is loading, and a
//! busy button says what it is doing ("Sending…"); "Next" and "Previous" take the person
//! to the top of the new page; a page holds 20, 50 or 100 rows, remembered; the invite
//! dialog keeps its height from tab to tab. How these tests drive the browser:
//! `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{log_in, partner_on_dashboard};

#[tokio::test]
async fn on_a_slow_network_the_list_and_the_team_say_they_are_loading_and_buttons_say_sending() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    app.invite(&owner, "ivy@ivyleaf.example", Some("Ivy Leaf Florist"))
        .await;
    b.click("Team").await;
    b.wait_for_text("h1", "Team").await;
    // (Moving inside the app: WebDriver's own page loads wait for the network.)
    b.slow_network(1500).await;
    b.click("Clients").await;
    b.wait_for_text("table.clients tbody", "Loading clients…")
        .await;
    b.wait_for_cell("ivy@ivyleaf.example", "Status", "Invited")
        .await;

    b.click("Team").await;
    b.wait_for_text("main", "Loading your team…").await;
    b.wait_for_cell("rosa@ledgerline.example", "Role", "Owner")
        .await;

    b.click("Clients").await;
    b.click("Invite clients").await;
    b.fill("Client email", "bea@bakers.example").await;
    b.click("Send invite").await;
    b.wait_for_text("dialog button[type=submit]", "Sending…")
        .await;
    b.wait_for_text("#toasts", "Invite sent to bea@bakers.example.")
        .await;
    b.slow_network(0).await;
    b.assert_no_console_errors().await;
}

/// The top of the client list is in the window and the focus on it.
async fn at_the_top_of_the_list(b: &Browser, after: &str) {
    let v = b
        .execute(
            "const t = document.querySelector('table.clients'); const r = t.getBoundingClientRect();
             return { top: r.top, height: window.innerHeight, focused: document.activeElement === t };",
            vec![],
        )
        .await;
    let top = v["top"].as_f64().unwrap();
    b.ensure(
        top >= 0.0 && top < v["height"].as_f64().unwrap() / 2.0 && v["focused"] == true,
        || format!("after {after} the list's top is not in view with the focus on it: {v}"),
    )
    .await;
}

#[tokio::test]
async fn next_and_previous_go_to_the_top_of_the_new_page_of_20_50_or_100_rows() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite_many(&owner, 120).await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text(".pager", "1–20 of 120").await;

    b.execute(
        "window.scrollTo(0, document.documentElement.scrollHeight);",
        vec![],
    )
    .await;
    b.click("Next").await;
    b.wait_for_text(".pager", "21–40 of 120").await;
    b.wait_for_cell("client21@many.example", "Status", "Invited")
        .await;
    at_the_top_of_the_list(&b, "Next").await;
    b.execute(
        "window.scrollTo(0, document.documentElement.scrollHeight);",
        vec![],
    )
    .await;
    b.click("Previous").await;
    b.wait_for_text(".pager", "1–20 of 120").await;
    at_the_top_of_the_list(&b, "Previous").await;

    b.choose("Rows per page", "50").await;
    b.wait_for_text(".pager", "1–50 of 120").await;
    b.wait_for_cell("client50@many.example", "Status", "Invited")
        .await;
    // Remembered on the next visit.
    b.goto(&app.page("/")).await;
    b.wait_for_text(".pager", "1–50 of 120").await;
    b.choose("Rows per page", "100").await;
    b.wait_for_text(".pager", "1–100 of 120").await;
    b.click("Next").await;
    b.wait_for_text(".pager", "101–120 of 120").await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn the_invite_dialog_keeps_its_height_from_tab_to_tab() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    partner_on_dashboard(&app, &b).await;
    b.click("Invite clients").await;
    b.field("Client email").await;
    let height = async || {
        b.execute(
            "return document.querySelector('dialog[open]').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .as_f64()
        .unwrap()
    };
    let first = height().await;
    for tab in ["Invite link", "Sign-up form", "Bulk (CSV)", "By email"] {
        b.click(tab).await;
        b.wait_for(
            &format!("the {tab} tab to show"),
            &format!(
                "return document.querySelector('dialog [role=tab][aria-selected=true]').textContent === {};",
                serde_json::json!(tab)
            ),
        )
        .await;
        let now = height().await;
        b.ensure((now - first).abs() < 1.0, || {
            format!("the dialog was {first} px tall, on {tab:?} {now} px")
        })
        .await;
    }
    b.assert_no_console_errors().await;
}
