//! Issue 17: the partner dashboard's web front end, driven in a real headless Chromium
//! against the real gateway, finding things as people do: fields by their labels,
//! buttons and links by their names, table cells by their row and column. Each step
//! checks what a person would look at (a heading, a message, a row's status) and that
//! the browser console has no error. Emails are read where they land and their links
//! opened in the browser, on this app's address instead of the harness's
//! `http://app.test`.
//!
//! A failed wait or check saves a screenshot in `target/screenshots/`. With
//! `WEB_SCREENSHOTS=/abs/dir` set, the pictures for the README are copied there too.

use e2e::browser::Browser;
use e2e::{CLIENTS, CLIENTS_TOTAL, LOG_IN, TestApp, listed_emails};
use entity::{client, invite};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// `path` on the app under test.
fn page(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.url)
}

/// A link from an email (on `http://app.test`, the harness's public URL), as opened on
/// the app under test.
fn local(app: &TestApp, link: &str) -> String {
    assert!(link.starts_with("http://app.test/"), "{link}");
    link.replacen("http://app.test", &app.url, 1)
}

/// Waits until the page's address is `path` (the app routes without reloading).
async fn wait_for_path(b: &Browser, path: &str) {
    b.wait_for(
        &format!("the address to be {path}"),
        &format!("return location.pathname === {};", json!(path)),
    )
    .await;
}

/// Logs in on the log-in page, as a person types it.
async fn log_in(b: &Browser, app: &TestApp, email: &str, password: &str) {
    b.goto(&page(app, "/login")).await;
    b.wait_for_text("h1", "Log in").await;
    b.fill("Email", email).await;
    b.fill("Password", password).await;
    b.click("Log in").await;
}

/// Waits until no toast is showing and no animation (a row's flash) runs: for pictures.
async fn settle(b: &Browser) {
    b.wait_for(
        "the toasts and animations to end",
        "return document.getElementById('toasts').children.length === 0
            && document.getAnimations().length === 0;",
    )
    .await;
}

/// The partner whose dashboard most tests open: signed up through the API, logged in
/// through the page. Returns the partner's API token.
async fn partner_on_dashboard(app: &TestApp, b: &Browser) -> String {
    let token = app.partner("rosa@ledgerline.example").await;
    log_in(b, app, "rosa@ledgerline.example", "correct-horse-1").await;
    wait_for_path(b, "/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text(".topbar", "Ledger & Line").await;
    b.assert_no_console_errors().await;
    token
}

/// Ends `client_id`'s trial as the trial sweep does when its time passed.
async fn expire_trial(app: &TestApp, client_id: &Value) {
    let id: i64 = client_id.as_str().unwrap().parse().unwrap();
    client::Entity::update_many()
        .col_expr(
            client::Column::TrialEndsAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .filter(client::Column::Id.eq(id))
        .exec(app.db())
        .await
        .unwrap();
    let report = worker::trials::sweep(app.db(), &app.events().await)
        .await
        .unwrap();
    assert_eq!(report.expired, 1);
}

/// The list as the API gives it to `token`: (email, status) of every row.
async fn api_list(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let l = app.ok(Some(token), CLIENTS, json!({ "first": 100 })).await;
    let statuses = l["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["status"].as_str().unwrap().to_owned());
    listed_emails(&l).into_iter().zip(statuses).collect()
}

/// Scenario a: a partner signs up in the browser, invites a client by email from the
/// dialog; the client opens the emailed link in their own browser and accepts; the
/// partner's open list shows the client as Trial without a reload (the live list over
/// /graphql/ws).
#[tokio::test]
async fn a_partner_signs_up_invites_by_email_and_sees_the_client_accept_live() {
    let app = TestApp::spawn().await;
    let partner = Browser::start_as("partner").await;
    partner.goto(&page(&app, "/signup")).await;
    partner.wait_for_text("h1", "Sign up").await;
    partner.fill("Company name", "Ledger & Line").await;
    partner.fill("Your name", "Rosa Ledger").await;
    partner.fill("Email", "rosa@ledgerline.example").await;
    partner.fill("Password", "correct-horse-1").await;
    partner.check("I am an accountant or bookkeeper").await;
    partner.assert_no_console_errors().await;
    partner.click("Sign up").await;

    // The dashboard, empty, with the welcome and the Company ID.
    wait_for_path(&partner, "/").await;
    partner.wait_for_text("h1", "Clients").await;
    let welcome = partner
        .wait_for_text("main", "Welcome! Your account for Ledger & Line is ready.")
        .await;
    let me = app
        .ok(
            Some(
                &app.log_in("rosa@ledgerline.example", "correct-horse-1")
                    .await,
            ),
            e2e::ME,
            json!({}),
        )
        .await;
    let company_id = me["me"]["account"]["companyId"].as_str().unwrap();
    partner
        .ensure(
            welcome.contains(&format!("Your Company ID is {company_id}.")),
            || format!("the welcome does not give the Company ID {company_id}: {welcome}"),
        )
        .await;
    assert_eq!(me["me"]["account"]["kind"], "PARTNER");
    partner.wait_for_text("main", "No clients yet.").await;
    partner.button("All 0").await;
    partner.assert_no_console_errors().await;
    // Anything below that reloaded the page would lose this.
    partner
        .execute("window.neverReloaded = true; return null;", vec![])
        .await;

    // Invite by email from the dialog.
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

    // The client opens the emailed link in their own browser and accepts.
    let link = app
        .wait_for_mail(
            "bea@bakers.example",
            "Ledger & Line invites you to try Time",
        )
        .await
        .link("http://app.test/invite/")
        .expect("an invite link in the email");
    let client = Browser::start_as("client").await;
    client.goto(&local(&app, &link)).await;
    client.wait_for_text("h1", "Accept your invitation").await;
    client.fill("Company name", "Bakers Row").await;
    client.fill("Your name", "Bea Baker").await;
    client.fill("Password", "bea-password-1").await;
    client.assert_no_console_errors().await;
    client.showcase("accept-invite").await;
    client.click("Create account").await;
    wait_for_path(&client, "/client").await;
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
    wait_for_path(&client, "/login").await;
    client.wait_for_text("main", "You are logged out.").await;
    client.assert_no_console_errors().await;

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

/// Scenario b: the partner creates a client with the sign-up form, logs in to it from its
/// row, manages its users (adds one, changes the role, deactivates and reactivates),
/// subscribes it to a plan, and goes back to the dashboard, which shows clients in every
/// status.
#[tokio::test]
async fn a_partner_creates_a_client_with_the_form_logs_in_to_it_and_manages_its_users() {
    let app = TestApp::spawn().await;
    // A list with a client in every status beside the one made here.
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
    expire_trial(&app, &echo["id"]).await;

    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    wait_for_path(&b, "/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_cell("ed@echoprint.example", "Status", "Trial Expired")
        .await;
    b.wait_for_cell("tess@tearooms.example", "Status", "Trial")
        .await;
    b.button("All 4").await;
    b.assert_no_console_errors().await;

    // The sign-up form in the dialog.
    b.click("Invite clients").await;
    b.click("Sign-up form").await;
    b.fill("Company name", "Corner Shop").await;
    b.fill("Contact name", "Cora").await;
    b.fill("Contact email", "cora@cornershop.example").await;
    b.click("Create client account").await;
    b.wait_for_text("#toasts", "The account for Corner Shop is ready; cora@cornershop.example was emailed a link to set a password.")
        .await;
    b.wait_for_cell("cora@cornershop.example", "Status", "Trial")
        .await;
    b.wait_for_cell("cora@cornershop.example", "Partner access", "Can log in")
        .await;
    b.wait_for_cell("cora@cornershop.example", "Last partner log-in", "Never")
        .await;
    b.assert_no_console_errors().await;

    // Log in to it from its row: the client account, as the partner's user there.
    b.click_in_row("cora@cornershop.example", "Log in").await;
    wait_for_path(&b, "/client").await;
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

    // Adds a user, who is listed at once.
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
    settle(&b).await;
    b.showcase("client-account").await;

    // Changes the role, deactivates and reactivates.
    b.choose("Role of dan@cornershop.example", "Admin").await;
    b.wait_for_text("#toasts", "Dan Counter is now Admin.")
        .await;
    b.click_in_row("dan@cornershop.example", "Deactivate").await;
    b.wait_for_cell("dan@cornershop.example", "Status", "Inactive")
        .await;
    b.click_in_row("dan@cornershop.example", "Reactivate").await;
    b.wait_for_cell("dan@cornershop.example", "Status", "Active")
        .await;
    b.assert_no_console_errors().await;
    // Subscribes the client to a plan.
    b.click("Subscribe to Monthly").await;
    b.wait_for_text("#toasts", "Subscribed to Monthly.").await;
    b.wait_for_text("main", "Subscribed to Monthly since").await;
    b.assert_no_console_errors().await;

    // Back on the dashboard: every status, the client now Paying, the log-in recorded.
    b.click("Back to partner dashboard").await;
    wait_for_path(&b, "/").await;
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
    settle(&b).await;
    b.showcase("dashboard").await;
    assert_eq!(
        api_list(&app, &owner).await,
        [
            ("cora@cornershop.example", "PAYING"),
            ("ed@echoprint.example", "TRIAL_EXPIRED"),
            ("ivy@ivyleaf.example", "INVITED"),
            ("max@maxmotors.example", "INVITED"),
            ("tess@tearooms.example", "TRIAL"),
        ]
        .map(|(e, s)| (e.to_owned(), s.to_owned()))
    );
    // What the page showed is what the account has.
    let cora = app
        .ok(Some(&owner), CLIENTS, json!({ "search": "cora" }))
        .await["clients"]["edges"][0]["node"]["id"]
        .clone();
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

/// Scenario c: the partner asks for a password reset on a form-created client's row, sets
/// a new password through the emailed link, and logs in to that client account with it
/// (Company ID); its own partner account keeps its password.
#[tokio::test]
async fn a_partner_resets_its_client_account_password_through_the_emailed_link() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    let corner = app
        .create_client(&owner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let company_id = corner["companyId"].as_str().unwrap();
    b.wait_for_cell("cora@cornershop.example", "Status", "Trial")
        .await;
    b.click_in_row("cora@cornershop.example", "Reset password")
        .await;
    b.wait_for_text(
        "#toasts",
        "We emailed you a link to reset your password in Corner Shop. It works once, for one hour.",
    )
    .await;
    b.assert_no_console_errors().await;

    let link = app
        .wait_for_mail(
            "rosa@ledgerline.example",
            "Reset your password for Corner Shop",
        )
        .await
        .link("http://app.test/reset-password/")
        .expect("a reset link in the email");
    b.goto(&local(&app, &link)).await;
    b.wait_for_text("h1", "Set your password").await;
    b.fill("New password", "corner-new-pass-1").await;
    b.click("Set password").await;
    b.wait_for_text("main", "Your password is set.").await;
    b.assert_no_console_errors().await;

    // The new password opens the client account (its Company ID picks it).
    b.click("Log in with your new password").await;
    wait_for_path(&b, "/login").await;
    b.fill("Email", "rosa@ledgerline.example").await;
    b.fill("Password", "corner-new-pass-1").await;
    b.fill("Company ID", company_id).await;
    b.click("Log in").await;
    wait_for_path(&b, "/client").await;
    b.wait_for_text("h1", "Corner Shop").await;
    b.wait_for_text(
        "main",
        &format!("Company ID {company_id} · your role: Admin"),
    )
    .await;
    b.assert_no_console_errors().await;

    // The old one no longer does; the partner account keeps its own.
    let login = |password: &str, company: Option<&str>| json!({ "email": "rosa@ledgerline.example", "password": password, "companyId": company });
    assert_eq!(
        app.error_code(None, LOG_IN, login("correct-horse-1", Some(company_id)))
            .await,
        "UNAUTHENTICATED"
    );
    let partner = app.ok(None, LOG_IN, login("correct-horse-1", None)).await;
    assert_eq!(partner["logIn"]["user"]["account"]["kind"], "PARTNER");
}

/// Scenario d: the partner's unique link (from the dialog's "Invite link" tab) signs a
/// client up in another browser, and the row appears in the partner's open list; a
/// regenerated link replaces it, and the old one then says it no longer works.
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
    client.goto(&local(&app, &link)).await;
    client
        .wait_for_text("h1", "Join your accountant on Time")
        .await;
    client.fill("Company name", "Daisy Dental").await;
    client.fill("Your name", "Daisy").await;
    client.fill("Email", "daisy@dental.example").await;
    client.fill("Password", "daisy-password-1").await;
    client.click("Sign up").await;
    wait_for_path(&client, "/client").await;
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

    // A new link; the old one stops working.
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
        .ensure(new_link.contains("/join/") && new_link != link, || {
            format!("the link is {new_link:?}, was {link:?}")
        })
        .await;
    partner.assert_no_console_errors().await;

    client.goto(&local(&app, &link)).await;
    client
        .wait_for_text("h1", "Join your accountant on Time")
        .await;
    client.fill("Company name", "Late Larch").await;
    client.fill("Your name", "Lara").await;
    client.fill("Email", "lara@larch.example").await;
    client.fill("Password", "lara-password-1").await;
    client.click("Sign up").await;
    client
        .wait_for_text(
            "[role=alert]",
            "This invite link is not valid: ask your accountant for a new one",
        )
        .await;
    wait_for_path(&client, &link.replacen("http://app.test", "", 1)).await;
    client.assert_no_console_errors().await;
}

/// Scenario e: a bulk CSV file with two new clients, a repeat of one (other case) and a
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
    let total =
        app.ok(Some(&owner), CLIENTS_TOTAL, json!({})).await["clients"]["totalCount"].clone();
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
        api_list(&app, &owner).await,
        [
            ("ana@anabakery.example", "INVITED"),
            ("ben@benbikes.example", "INVITED"),
        ]
        .map(|(e, s)| (e.to_owned(), s.to_owned()))
    );
    app.wait_for_mail("ana@anabakery.example", "invites you to try Time")
        .await;
    app.wait_for_mail("ben@benbikes.example", "invites you to try Time")
        .await;
}

/// Scenario f: a V1 partner's owner, imported with `worker import-legacy`, logs in with
/// the V1 password, connects Partner Connect to a V2 partner firm, and upgrades a client
/// on the Upgrade page, which shows it done; the client is then in the V2 firm's list.
#[tokio::test]
async fn a_v1_owner_connects_to_a_v2_firm_and_upgrades_a_client() {
    let app = TestApp::spawn().await;
    let export = app.dir.path().join("legacy-export.json");
    std::fs::write(&export, e2e::legacy_example()).unwrap();
    let out = app
        .worker_cli(&["import-legacy", export.to_str().unwrap()])
        .await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "worker import-legacy: {out:?}");
    assert!(said.contains("imported 1 partner(s)"), "{said}");
    let (v2_owner, v2_company_id) = app.v2_firm().await;

    let b = Browser::start().await;
    log_in(&b, &app, "owner@ledgerline.example", "legacy-owner-pass-1").await;
    wait_for_path(&b, "/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text("main", "This is a V1 partner account.")
        .await;
    b.wait_for_cell("hello@bakersrow.example", "Status", "Paying")
        .await;
    b.assert_no_console_errors().await;

    // Partner Connect.
    b.click("Connect it to your V2 partner dashboard").await;
    wait_for_path(&b, "/connect").await;
    b.wait_for_text("h1", "Partner Connect").await;
    b.wait_for_text("main", "Not connected yet.").await;
    b.fill("Company ID", &v2_company_id).await;
    b.fill("Owner email", "rosa@v2firm.example").await;
    b.click("Connect").await;
    b.wait_for_text(
        "main",
        &format!("Connected to the V2 partner account {v2_company_id}"),
    )
    .await;
    b.assert_no_console_errors().await;

    // The Upgrade page: one eligible client, upgraded.
    b.click("Upgrade your clients").await;
    wait_for_path(&b, "/upgrade").await;
    b.wait_for_text("h1", "Upgrade clients").await;
    b.wait_for_cell("Bakers Row Cafe", "Status", "Paying").await;
    let deadline = b.cell("Bakers Row Cafe", "Deadline").await;
    b.ensure(deadline.contains("2027"), || {
        format!("the deadline shows {deadline:?}")
    })
    .await;
    b.click_in_row("Bakers Row Cafe", "Upgrade").await;
    b.wait_for_text(
        "#toasts",
        "Upgrading Bakers Row Cafe: their V2 account is being created.",
    )
    .await;
    b.wait_for_cell("Bakers Row Cafe", "Upgrade", "Upgraded")
        .await;
    b.wait_for_text("main", "Done: no other client is left to upgrade.")
        .await;
    b.assert_no_console_errors().await;
    settle(&b).await;
    b.showcase("upgrade").await;

    // The client is in the V2 firm's list, still paying.
    assert_eq!(
        api_list(&app, &v2_owner).await,
        [("hello@bakersrow.example".to_owned(), "PAYING".to_owned())]
    );
}

/// An invite link that was revoked, or whose time passed, or that never existed, says
/// so on its page, and nobody is signed in.
#[tokio::test]
async fn a_revoked_expired_or_unknown_invite_link_says_so() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let bea = app
        .invite(&owner, "bea@bakers.example", Some("Bakers"))
        .await;
    let revoked = app
        .wait_for_mail("bea@bakers.example", "invites you to try Time")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    app.ok(
        Some(&owner),
        "mutation($id: ID!) { revokeInvite(clientId: $id) { inviteState } }",
        json!({ "id": bea["id"] }),
    )
    .await;
    app.invite(&owner, "eve@eves.example", Some("Eve's Garden"))
        .await;
    let expired = app
        .wait_for_mail("eve@eves.example", "invites you to try Time")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    invite::Entity::update_many()
        .col_expr(invite::Column::ExpiresAt, Expr::value(past))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::EndedBy.is_null())
        .exec(app.db())
        .await
        .unwrap();

    let b = Browser::start().await;
    let unknown = format!("{}/invite/no-such-invite-token", app.url);
    for (link, says) in [
        (
            local(&app, &revoked),
            "This invitation was withdrawn by your accountant: they can send you a new one"
                .to_owned(),
        ),
        (
            local(&app, &expired),
            format!(
                "This invitation expired on {}: your accountant can send you a new one",
                past.format("%Y-%m-%d")
            ),
        ),
        (
            unknown,
            "This invitation link is not valid any more".to_owned(),
        ),
    ] {
        b.goto(&link).await;
        b.wait_for_text("h1", "Accept your invitation").await;
        b.fill("Company name", "Bakers Row").await;
        b.fill("Your name", "Bea Baker").await;
        b.fill("Password", "bea-password-1").await;
        b.click("Create account").await;
        b.wait_for_text("[role=alert]", &says).await;
        let path = link.replacen(&app.url, "", 1);
        wait_for_path(&b, &path).await;
        let signed_in = b
            .execute("return sessionStorage.getItem('pd.token');", vec![])
            .await;
        b.ensure(signed_in.is_null(), || "someone got signed in".into())
            .await;
        b.assert_no_console_errors().await;
    }
    // Nothing changed: both are still invited, nobody has an account.
    assert_eq!(
        api_list(&app, &owner).await,
        [
            ("bea@bakers.example".to_owned(), "INVITED".to_owned()),
            ("eve@eves.example".to_owned(), "INVITED".to_owned()),
        ]
    );
}

/// The partner resends and revokes an invite from its row: a resend right after the
/// invite is refused with when to try again; later it goes, and the row says Sent; then
/// Revoke, the row says Revoked, and the resent link's page says it was withdrawn.
#[tokio::test]
async fn the_partner_resends_and_revokes_an_invite_from_its_row() {
    let app = TestApp::spawn().await;
    let b = Browser::start_as("partner").await;
    let owner = partner_on_dashboard(&app, &b).await;
    app.invite(&owner, "eve@eves.example", Some("Eve's Garden"))
        .await;
    b.wait_for_cell("eve@eves.example", "Status", "Invited")
        .await;
    app.wait_for_mail("eve@eves.example", "invites you to try Time")
        .await;

    // Too soon: the API's refusal, saying when to try again.
    b.click_in_row("eve@eves.example", "Resend invite").await;
    b.wait_for_text("#toasts", "try again in 5 min").await;
    b.assert_no_console_errors().await;

    // Six minutes later (moved back in the database) it goes, with a fresh link.
    let earlier = chrono::Utc::now() - chrono::Duration::minutes(6);
    client::Entity::update_many()
        .col_expr(client::Column::LastInviteSentAt, Expr::value(earlier))
        .exec(app.db())
        .await
        .unwrap();
    invite::Entity::update_many()
        .col_expr(invite::Column::CreatedAt, Expr::value(earlier))
        .exec(app.db())
        .await
        .unwrap();
    app.clear_mails();
    b.click_in_row("eve@eves.example", "Resend invite").await;
    b.wait_for_text("#toasts", "Invite sent again to eve@eves.example.")
        .await;
    let invite_column = b.cell("eve@eves.example", "Invite").await;
    b.ensure(invite_column.starts_with("Sent\nexpires "), || {
        format!("the invite column says {invite_column:?}")
    })
    .await;
    let link = app
        .wait_for_mail("eve@eves.example", "invites you to try Time")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    b.assert_no_console_errors().await;

    b.click_in_row("eve@eves.example", "Revoke").await;
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
    eve.goto(&local(&app, &link)).await;
    eve.fill("Company name", "Eve's Garden").await;
    eve.fill("Your name", "Eve").await;
    eve.fill("Password", "eve-password-1").await;
    eve.click("Create account").await;
    eve.wait_for_text(
        "[role=alert]",
        "This invitation was withdrawn by your accountant",
    )
    .await;
    eve.assert_no_console_errors().await;
}
