//! Issue 17, scenario e (SPEC §10, issue 16 item 5): bulk invites from a CSV file in the
//! browser, previewed (writing nothing) before they are sent. How these tests drive the
//! browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{partner_on_dashboard, rows};

/// A bulk CSV file with two new clients, a repeat of one (other case) and a
/// bad email: the preview shows every row's outcome and writes nothing; "Send invites"
/// invites the two, who then show in the list.
#[tokio::test]
async fn a_bulk_csv_preview_shows_every_rows_outcome_then_sends_the_valid_invites() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    let csv = app.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        "email,companyName\n\
         ana@anabakery.example,Ana's Bakery\n\
         ben@benbikes.example,Ben's Bikes\n\
         ANA@anabakery.example,Ana Again\n\
         not-an-email,Nobody Ltd\n",
    )
    .unwrap();
    b.click("Invite clients").await;
    b.click("Bulk (CSV)").await;
    b.upload("CSV file", &csv).await;
    b.field_value("Or paste the rows", "not-an-email,Nobody Ltd")
        .await;
    b.click("Preview").await;
    b.wait_for_text(
        "dialog",
        "Preview: 2 will be invited, 1 skipped, 1 invalid. Nothing has been sent yet.",
    )
    .await;
    for (row, outcome) in [
        ("Ana's Bakery", "Will be invited"),
        ("Ben's Bikes", "Will be invited"),
        ("Ana Again", "Duplicate in this list"),
        ("Nobody Ltd", "Invalid"),
    ] {
        b.wait_for_cell(row, "Outcome", outcome).await;
    }
    let why = b.cell("Nobody Ltd", "Message").await;
    b.ensure(why.contains("email"), || {
        format!("the invalid row's message is {why:?}")
    })
    .await;
    b.assert_no_console_errors().await;
    b.resize_window(1280, 1000).await;
    b.showcase("bulk-preview").await;
    // The preview wrote nothing.
    let total = app.client_count(&owner).await;
    b.ensure(total == 0, || format!("the preview wrote {total} clients"))
        .await;

    b.click("Send invites").await;
    b.wait_for_text("dialog", "Done: 2 invited, 1 skipped, 1 invalid.")
        .await;
    b.wait_for_cell("Ana's Bakery", "Outcome", "Invited").await;
    b.wait_for_cell("Ben's Bikes", "Outcome", "Invited").await;
    b.wait_for_cell("Ana Again", "Outcome", "Duplicate in this list")
        .await;
    b.wait_for_text("#toasts", "2 clients invited.").await;
    b.assert_no_console_errors().await;
    b.click("Close").await;
    b.wait_for_cell("ana@anabakery.example", "Status", "Invited")
        .await;
    b.wait_for_cell("ben@benbikes.example", "Status", "Invited")
        .await;
    b.button("Invited 2").await;
    b.assert_no_console_errors().await;
    assert_eq!(
        app.listed_statuses(&owner).await,
        rows([
            ("ana@anabakery.example", "INVITED"),
            ("ben@benbikes.example", "INVITED"),
        ])
    );
    app.wait_for_mail("ana@anabakery.example", "invites you to try Time")
        .await;
    app.wait_for_mail("ben@benbikes.example", "invites you to try Time")
        .await;
}

/// A spreadsheet's export: the headers in another order and spelled as people do
/// ("Company Name", "Email Address"); the preview pairs each email with its company.
/// Pasted rows without a header are read by position. An empty paste clears the
/// preview that was on show.
#[tokio::test]
async fn bulk_csv_columns_are_found_by_their_headers_and_an_empty_preview_clears_the_last() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    let csv = app.dir.path().join("from-excel.csv");
    std::fs::write(
        &csv,
        "\u{feff}Company Name;Phone;  EMAIL address \r\n\
         Ana's Bakery;555-0100;ana@anabakery.example\r\n\
         Ben's Bikes;555-0101;ben@benbikes.example\r\n",
    )
    .unwrap();
    b.click("Invite clients").await;
    b.click("Bulk (CSV)").await;
    b.upload("CSV file", &csv).await;
    b.field_value("Or paste the rows", "ben@benbikes.example")
        .await;
    b.click("Preview").await;
    b.wait_for_text(
        "dialog",
        "Preview: 2 will be invited, 0 skipped, 0 invalid.",
    )
    .await;
    for (company, email) in [
        ("Ana's Bakery", "ana@anabakery.example"),
        ("Ben's Bikes", "ben@benbikes.example"),
    ] {
        b.wait_for_cell(company, "Email", email).await;
        b.wait_for_cell(company, "Outcome", "Will be invited").await;
    }

    // Without a header: the email first, the company name second.
    b.fill(
        "Or paste the rows",
        "cy@cycafe.example,Cy's Cafe\nana@anabakery.example,Ana Again\n",
    )
    .await;
    b.click("Preview").await;
    b.wait_for_text(
        "dialog",
        "Preview: 2 will be invited, 0 skipped, 0 invalid.",
    )
    .await;
    b.wait_for_cell("Cy's Cafe", "Email", "cy@cycafe.example")
        .await;
    b.wait_for_cell("Ana Again", "Email", "ana@anabakery.example")
        .await;

    // An empty paste: its error, and the last preview gone with Send invites off.
    b.fill("Or paste the rows", " \n").await;
    b.click("Preview").await;
    b.wait_for_text(
        "form[aria-label='Bulk invite'] [role=alert]",
        "Add at least one row",
    )
    .await;
    let left = b
        .execute(
            "return [...document.querySelectorAll('dialog .report tr')].length
                + document.querySelector('dialog .report').textContent.length;",
            vec![],
        )
        .await;
    b.ensure(left == 0, || "the last preview is still on show".into())
        .await;
    let send = b
        .execute(
            "return [...document.querySelectorAll('dialog button')].find((x) => x.textContent === 'Send invites').disabled;",
            vec![],
        )
        .await;
    b.ensure(send == true, || "Send invites is still on".into())
        .await;
    b.assert_no_console_errors().await;
    assert_eq!(app.client_count(&owner).await, 0);
}
