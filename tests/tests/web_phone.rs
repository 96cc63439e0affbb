//! Issue 24, item 3 (SPEC §10): the web app on a phone (390×844 CSS pixels, Chromium's
//! mobile emulation). No page is wider than the screen; the client list shows each
//! client as a card with its status, the partner's access and its actions in view; the
//! client account page fits, for the partner's user (its banner's button inside the
//! banner) and for the client's own admin; the bulk preview's columns can be read. How
//! these tests drive the browser: `e2e::web`.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{log_in, settle};

/// Rosa's firm with an invited client and one made with the sign-up form (Rosa has an
/// admin user in it). Returns Rosa's API token.
async fn ivy_and_corner_shop(app: &TestApp) -> String {
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "ivy@ivyleaf.example", Some("Ivy Leaf Florist"))
        .await;
    app.create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    owner
}

/// Fails unless the button named `name` is inside the element `css` (its banner, its
/// card), as drawn.
async fn button_inside(b: &Browser, name: &str, css: &str) {
    let button = b.button(name).await;
    let inside = b
        .execute(
            "const r = arguments[0].getBoundingClientRect();
             const box = document.querySelector(arguments[1]).getBoundingClientRect();
             return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;",
            vec![button.reference(), css.into()],
        )
        .await;
    b.ensure(inside == true, || {
        format!("{name:?} is drawn outside `{css}`")
    })
    .await;
}

#[tokio::test]
async fn on_a_phone_each_client_shows_its_status_access_and_actions_without_scrolling_sideways() {
    let app = TestApp::spawn().await;
    ivy_and_corner_shop(&app).await;
    let b = Browser::start_phone().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_path("/").await;
    b.wait_for_text("h1", "Clients").await;

    let ivy = "ivy@ivyleaf.example";
    assert_eq!(b.cell_on_screen(ivy, "Status").await, "Invited");
    let access = b.cell_on_screen(ivy, "Partner access").await;
    b.ensure(access.starts_with("Not yet"), || {
        format!("an invited client's partner access says {access:?}")
    })
    .await;
    b.assert_button_on_screen("Resend invite to ivy@ivyleaf.example")
        .await;
    b.assert_button_on_screen("Revoke the invite to ivy@ivyleaf.example")
        .await;
    let cora = "cora@cornershop.example";
    assert_eq!(b.cell_on_screen(cora, "Status").await, "Trial");
    assert_eq!(b.cell_on_screen(cora, "Partner access").await, "Can log in");
    b.assert_button_on_screen("Log in to Corner Shop").await;
    b.assert_button_on_screen("Reset password in Corner Shop")
        .await;
    b.assert_fits_the_screen("the client list").await;
    b.assert_no_console_errors().await;
    settle(&b).await;
    // The picture shows the cards, as a person scrolled down to the list sees them.
    b.execute(
        "document.querySelector('main table').scrollIntoView({ block: 'start' });",
        vec![],
    )
    .await;
    b.showcase("phone-clients").await;

    // The partner's user in the client account: the page fits, and the way back is
    // inside its banner.
    b.click("Log in to Corner Shop").await;
    b.wait_for_path("/client").await;
    b.wait_for_text("h1", "Corner Shop").await;
    b.wait_for_cell(cora, "Role", "Owner").await;
    assert_eq!(
        b.cell_on_screen("rosa@ledgerline.example", "Role").await,
        "Admin"
    );
    b.assert_button_on_screen("Back to partner dashboard").await;
    button_inside(&b, "Back to partner dashboard", ".banner").await;
    b.assert_button_on_screen("Subscribe to Monthly").await;
    b.assert_fits_the_screen("the client account page (the partner's user)")
        .await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn on_a_phone_the_client_account_page_fits_for_the_clients_own_admin() {
    let app = TestApp::spawn().await;
    ivy_and_corner_shop(&app).await;
    app.set_password_from_mail("cora@cornershop.example", "cora-password-1")
        .await;
    let b = Browser::start_phone().await;
    log_in(&b, &app, "cora@cornershop.example", "cora-password-1").await;
    b.wait_for_path("/client").await;
    b.wait_for_text("h1", "Corner Shop").await;
    b.field_value("Role of rosa@ledgerline.example", "ADMIN")
        .await;
    b.assert_within_the_width(
        "the role of Rosa",
        b.field("Role of rosa@ledgerline.example").await.reference(),
    )
    .await;
    b.assert_button_on_screen("Deactivate rosa@ledgerline.example")
        .await;
    assert_eq!(
        b.cell_on_screen("cora@cornershop.example", "Status").await,
        "Active"
    );
    b.assert_button_on_screen("Add user").await;
    b.assert_fits_the_screen("the client account page (its owner)")
        .await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn on_a_phone_the_bulk_preview_shows_every_rows_outcome() {
    let app = TestApp::spawn().await;
    ivy_and_corner_shop(&app).await;
    let b = Browser::start_phone().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Clients").await;
    b.click("Invite clients").await;
    b.click("Bulk (CSV)").await;
    b.fill(
        "Or paste the rows",
        "Email,Company Name\nana@anabakery.example,Ana's Bakery\nivy@ivyleaf.example,Ivy Again\nnot-an-email,Nobody Ltd\n",
    )
    .await;
    b.click("Preview").await;
    b.wait_for_text(
        "dialog",
        "Preview: 1 will be invited, 1 skipped, 1 invalid.",
    )
    .await;
    for (row, outcome) in [
        ("Ana's Bakery", "Will be invited"),
        ("Ivy Again", "Already a client"),
        ("Nobody Ltd", "Invalid"),
    ] {
        assert_eq!(b.cell_on_screen(row, "Outcome").await, outcome);
        b.cell_on_screen(row, "Email").await;
    }
    let why = b.cell_on_screen("Nobody Ltd", "Message").await;
    b.ensure(why.contains("email"), || {
        format!("the invalid row's message is {why:?}")
    })
    .await;
    b.assert_button_on_screen("Send invites").await;
    b.assert_fits_the_screen("the bulk preview").await;
    b.assert_no_console_errors().await;
}
