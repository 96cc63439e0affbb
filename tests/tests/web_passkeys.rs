//! Issue 25 items 2, 3, 5 and 6 in a real browser: a passkey as a second factor, through
//! Chromium's virtual authenticator (WebDriver's WebAuthn extension). A partner adds one
//! on the Security page (and gets recovery codes, their first factor), logs in with it at
//! the second step, and uses it to step up before entering a client's account. WebAuthn
//! needs a domain name, so the browser opens the app on `localhost` (the relying party
//! the gateway is given here). How these tests drive the browser: `e2e::web`.

use chrono::Duration;
use e2e::TestApp;
use e2e::browser::Browser;

const ROSA: &str = "rosa@ledgerline.example";
const PW: &str = "correct-horse-1";

/// The app with `localhost` as its WebAuthn relying party (any port on localhost).
async fn app() -> TestApp {
    TestApp::spawn_with_args(&[
        "--webauthn-rp-id",
        "localhost",
        "--webauthn-origin",
        "http://localhost",
    ])
    .await
}

/// `path` of the app as the browser opens it: on `localhost`.
fn on_localhost(app: &TestApp, path: &str) -> String {
    app.page(path).replace("127.0.0.1", "localhost")
}

async fn log_in(b: &Browser, app: &TestApp) {
    b.goto(&on_localhost(app, "/login")).await;
    b.wait_for_text("h1", "Log in").await;
    b.fill("Email", ROSA).await;
    b.fill("Password", PW).await;
    b.click("Log in").await;
}

#[tokio::test]
async fn a_partner_adds_a_passkey_logs_in_with_it_and_steps_up_with_it() {
    let app = app().await;
    app.partner_with_client().await;
    let b = Browser::start().await;
    let device = b.add_virtual_authenticator().await;

    log_in(&b, &app).await;
    b.wait_for_text("h1", "Clients").await;
    b.click("Security").await;
    b.wait_for_text("main", "No second factor yet").await;
    b.click("Add a passkey").await;
    // The first factor comes with recovery codes, shown once.
    b.wait_for_text(
        "section[aria-label='Your recovery codes']",
        "not shown again",
    )
    .await;
    b.wait_for_cell("Passkey", "Factor", "Passkey").await;
    assert_eq!(b.passkeys_held(&device).await, 1);
    app.wait_for_mail(ROSA, "A second factor was added: \"Passkey\"")
        .await;

    // The next log-in asks for the second step; the passkey answers it.
    b.click("Log out").await;
    b.wait_for_path("/login").await;
    log_in(&b, &app).await;
    b.wait_for_text("h1", "Second step").await;
    b.click("Use a passkey").await;
    b.wait_for_text("h1", "Clients").await;

    // After the step-up window, entering the client asks for it again, in a dialog.
    app.age_second_factors(Duration::minutes(16)).await;
    b.click("Log in to Corner Shop").await;
    b.wait_for_text("dialog.step-up", "Confirm it is you").await;
    b.showcase("step-up-passkey").await;
    b.click("Use a passkey").await;
    b.wait_for_path("/client").await;
    b.wait_for_text("main", "Corner Shop").await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn a_passkey_the_authenticator_does_not_hold_is_refused_at_the_second_step() {
    let app = app().await;
    app.partner(ROSA).await;
    let b = Browser::start().await;
    let device = b.add_virtual_authenticator().await;
    log_in(&b, &app).await;
    b.wait_for_text("h1", "Clients").await;
    b.click("Security").await;
    b.click("Add a passkey").await;
    b.wait_for_cell("Passkey", "Factor", "Passkey").await;
    b.click("Log out").await;
    b.wait_for_path("/login").await;

    // Another device, without the passkey: the browser finds none to use.
    b.remove_virtual_authenticator(&device).await;
    b.add_virtual_authenticator().await;
    log_in(&b, &app).await;
    b.wait_for_text("h1", "Second step").await;
    b.click("Use a passkey").await;
    b.wait_for_text("[role=alert]", "The passkey was not used")
        .await;
    b.wait_for_path("/login").await;
}
