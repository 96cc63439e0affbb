//! Issue 25 item 6, in a real browser: a person with an authenticator app logs in in two
//! steps. The right password leads to "Second step"; a wrong code is refused in place;
//! the app's code (computed by the test as the app does) opens the dashboard. How these
//! tests drive the browser: `e2e::web`.

use e2e::browser::Browser;
use e2e::web::log_in;
use e2e::{SET_FIRM_POLICY, TestApp, totp_code};
use serde_json::json;

#[tokio::test]
async fn a_partner_with_an_authenticator_app_logs_in_with_its_code() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let (secret, _) = app.enrol_totp(&rosa).await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Second step").await;
    b.fill("Code", "000000").await;
    b.click("Verify").await;
    b.wait_for_text("[role=alert]", "that code is not right")
        .await;
    b.wait_for_path("/login").await;
    b.fill("Code", &totp_code(&secret)).await;
    b.click("Verify").await;
    b.wait_for_path("/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text(".topbar", "Ledger & Line").await;
    b.assert_no_console_errors().await;
}

/// The Security page: the QR code and its key, a code from the app (computed by the test
/// from the key the page shows) turns it on, the recovery codes are shown once; then the
/// next log-in asks for a code.
#[tokio::test]
async fn a_partner_turns_on_an_authenticator_app_on_the_security_page() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Clients").await;
    b.click("Security").await;
    b.wait_for_text("h1", "Security").await;
    b.wait_for_text("main", "No second factor yet").await;
    b.click("Add an authenticator app").await;
    let qr = b
        .find("img[alt='QR code for your authenticator app']")
        .await;
    let drawn = b
        .execute(
            "return arguments[0].complete && arguments[0].naturalWidth > 0;",
            vec![qr.reference()],
        )
        .await;
    b.ensure(drawn == true, || "the QR code is not drawn".into())
        .await;
    let secret = b.wait_for_text("code.secret", "").await;
    b.fill("Code from the app", &totp_code(secret.trim())).await;
    b.showcase("security-totp").await;
    b.click("Turn on").await;
    b.wait_for_text(
        "section[aria-label='Your recovery codes']",
        "not shown again",
    )
    .await;
    let codes = b
        .execute(
            "return document.querySelectorAll(\"section[aria-label='Your recovery codes'] li\").length;",
            vec![],
        )
        .await;
    assert_eq!(codes, 10);
    b.wait_for_cell("Phone", "Factor", "Authenticator app")
        .await;
    b.assert_accessible("the security page").await;
    b.assert_no_console_errors().await;

    b.click("Log out").await;
    b.wait_for_path("/login").await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Second step").await;
    b.fill("Code", &totp_code(secret.trim())).await;
    b.click("Verify").await;
    b.wait_for_text("h1", "Clients").await;
    b.assert_no_console_errors().await;
}

/// The firm requires a second factor: a member without one who logs in is taken to the
/// Security page with a sentence saying why, and once the app is on, the client list
/// opens.
#[tokio::test]
async fn a_member_the_firm_requires_a_factor_of_is_taken_to_enrol_one() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.add_user(&owner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    app.activate("sam@ledgerline.example", "sam-password-12")
        .await;
    let from = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    app.ok(Some(&owner), SET_FIRM_POLICY, json!({ "from": from }))
        .await;

    let b = Browser::start().await;
    log_in(&b, &app, "sam@ledgerline.example", "sam-password-12").await;
    b.wait_for_path("/security").await;
    b.wait_for_text("main", "Your firm requires a second factor")
        .await;
    b.click("Add an authenticator app").await;
    let secret = b.wait_for_text("code.secret", "").await;
    b.fill("Code from the app", &totp_code(secret.trim())).await;
    b.click("Turn on").await;
    b.wait_for_text(
        "section[aria-label='Your recovery codes']",
        "not shown again",
    )
    .await;
    // Back at the top of the page, as a person scrolls to the side navigation.
    b.execute("window.scrollTo(0, 0);", vec![]).await;
    b.click("Clients").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text("main", "No clients yet").await;
    b.assert_no_console_errors().await;
}

/// The owner's controls on the Team page: "Require from now" turns the firm's policy on
/// (the API then answers it), and "Reset second factors" of a member who lost their phone
/// asks first, then removes the member's factors and signs them out.
#[tokio::test]
async fn the_owner_requires_factors_and_resets_a_members_on_the_team_page() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.add_user(&owner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    app.enrol_totp(&sam).await;

    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Clients").await;
    b.click("Team").await;
    b.wait_for_text("main", "Second factors are optional").await;
    let members = "table[aria-label='Second factors of the members'] tbody";
    b.wait_for_text(members, "1 (app)").await;
    b.click("Require from now").await;
    let said = b
        .wait_for_text("main", "Every member needs a second factor (since ")
        .await;
    assert!(!said.contains("[object"), "{said}");
    let policy = app
        .ok(
            Some(&owner),
            "{ me { account { secondFactorRequiredFrom } } }",
            json!({}),
        )
        .await;
    assert!(
        policy["me"]["account"]["secondFactorRequiredFrom"].is_string(),
        "{policy}"
    );

    b.click("Reset second factors of sam@ledgerline.example")
        .await;
    b.wait_for_text("dialog.confirm", "Reset Sam’s second factors?")
        .await;
    b.click("Yes, reset").await;
    b.wait_for_text(members, "None").await;
    assert_eq!(
        app.error_code(Some(&sam), e2e::ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    b.showcase("team-second-factors").await;
    b.assert_accessible("the team page with the owner's second-factor controls")
        .await;
    b.assert_no_console_errors().await;
}

/// A person with an authenticator app whose last verification is past the step-up
/// window adds another factor: the Security page asks for the code again in a dialog
/// first, and then shows the new app's QR code.
#[tokio::test]
async fn adding_another_factor_later_asks_for_the_first_one_again() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let (secret, codes) = app.enrol_totp(&rosa).await;
    let b = Browser::start().await;
    log_in(&b, &app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_text("h1", "Second step").await;
    b.fill("Code", &codes[0]).await;
    b.click("Verify").await;
    b.wait_for_text("h1", "Clients").await;
    app.age_second_factors(chrono::Duration::minutes(16)).await;
    b.click("Security").await;
    b.wait_for_text("h1", "Security").await;
    b.click("Add an authenticator app").await;
    b.wait_for_text(
        "dialog.step-up",
        "Adding an authenticator app needs your second factor again",
    )
    .await;
    b.showcase("step-up-add-factor").await;
    b.fill("Code", &totp_code(&secret)).await;
    b.click("Continue").await;
    b.find("img[alt='QR code for your authenticator app']")
        .await;
    b.wait_for_text("code.secret", "").await;
    b.assert_no_console_errors().await;
}
