//! Issue 24, item 6 (SPEC §10): what the web app tells a person. The API's messages are
//! shown as it words them (an email in them keeps its case); a time it names is in the
//! person's own time zone; an error stays until dismissed and is announced at once
//! (role=alert); the toasts never hide the last rows' buttons; a session that ended is
//! told in a sentence; the welcome after signing up stays until dismissed. How these
//! tests drive the browser: `e2e::web`.

use chrono::{Duration, FixedOffset, Utc};
use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::{log_in, partner_on_dashboard};

/// Fails unless no button in the last `n` rows of the client list overlaps a toast.
async fn last_rows_uncovered(b: &Browser, n: usize, when: &str) {
    let covered = b
        .execute(
            "const toasts = [...document.querySelectorAll('#toasts .toast')].map((t) => t.getBoundingClientRect());
             const rows = [...document.querySelectorAll('table.clients tbody tr')].slice(-arguments[0]);
             const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
             return rows.flatMap((tr) => [...tr.querySelectorAll('button')])
               .filter((btn) => toasts.some((t) => hit(btn.getBoundingClientRect(), t)))
               .map((btn) => btn.textContent);",
            vec![n.into()],
        )
        .await;
    b.ensure(covered.as_array().is_some_and(Vec::is_empty), || {
        format!("{when}, toasts cover these buttons: {covered}")
    })
    .await;
}

#[tokio::test]
async fn an_error_is_shown_as_the_api_words_it_in_local_time_and_stays_until_dismissed() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    b.set_time_zone("Asia/Kolkata").await;
    let owner = partner_on_dashboard(&app, &b).await;
    app.invite(&owner, "gina@ginas.example", Some("Gina's Deli"))
        .await;

    // Inviting her again: the API's message, its email as typed there.
    b.click("Invite clients").await;
    b.fill("Client email", "gina@ginas.example").await;
    b.click("Send invite").await;
    let said = b
        .wait_for_text("dialog [role=alert]", "is already one of your clients")
        .await;
    assert_eq!(said, "gina@ginas.example is already one of your clients");
    b.click("Close").await;

    // Resending at once: refused until 5 minutes after the invite, said in India's time.
    let at = Utc::now() + Duration::minutes(5);
    b.click("Resend invite to gina@ginas.example").await;
    let toast = b
        .wait_for_text("#toasts [role=alert] .toast", "try again in 5 min")
        .await;
    let india = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let local = |d: i64| (at + Duration::minutes(d)).with_timezone(&india);
    let said_local = [-1, 0, 1].into_iter().map(local).any(|t| {
        toast.contains(&t.format("%H:%M").to_string())
            || toast.contains(&t.format("%I:%M %p").to_string())
    });
    b.ensure(said_local && !toast.contains("UTC"), || {
        format!(
            "the retry time is not in the person's time (India, about {}): {toast:?}",
            local(0)
        )
    })
    .await;
    // Still there after 10 s, until dismissed.
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    b.wait_for_text("#toasts [role=alert]", "try again in 5 min")
        .await;
    b.click("Dismiss this message").await;
    b.wait_for(
        "the error to go",
        "return !document.querySelector('#toasts .toast');",
    )
    .await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn toasts_leave_the_buttons_of_the_last_rows_in_view() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let owner = partner_on_dashboard(&app, &b).await;
    app.invite_many(&owner, 20).await;
    b.wait_for_text(".pager", "1–20 of 20").await;
    // The last row's Resend, twice at once: two errors that stay.
    let last = "Resend invite to client20@many.example";
    b.click(last).await;
    b.wait_for_text("#toasts", "try again in").await;
    b.click(last).await;
    b.wait_for(
        "two errors",
        "return document.querySelectorAll('#toasts .toast.error').length === 2;",
    )
    .await;
    last_rows_uncovered(&b, 1, "right after the click").await;
    b.execute(
        "window.scrollTo(0, document.documentElement.scrollHeight);",
        vec![],
    )
    .await;
    last_rows_uncovered(&b, 3, "scrolled to the end").await;
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn a_session_that_ended_is_told_in_a_sentence() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.add_user(&owner, "ada@ledgerline.example", "Ada", "ADMIN")
        .await;
    app.set_password_from_mail("ada@ledgerline.example", "ada-password-1")
        .await;
    let ada = app.user_id(&owner, "ada@ledgerline.example").await;
    let b = Browser::start().await;
    log_in(&b, &app, "ada@ledgerline.example", "ada-password-1").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text(".pager", "0 of 0").await;

    app.set_user_role(&owner, &ada, "EMPLOYEE").await;
    b.wait_for_path("/login").await;
    let notice = b
        .wait_for_text("main [role=status]", "Please log in again.")
        .await;
    assert_eq!(
        notice,
        "Your role changed: only owners and admins see the client list. Please log in again."
    );

    app.set_user_role(&owner, &ada, "ADMIN").await;
    log_in(&b, &app, "ada@ledgerline.example", "ada-password-1").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text(".pager", "0 of 0").await;
    app.set_user_active(&owner, &ada, false).await;
    b.wait_for_path("/login").await;
    let notice = b
        .wait_for_text("main [role=status]", "Please log in again.")
        .await;
    assert_eq!(notice, "Your session ended. Please log in again.");
    b.assert_no_console_errors().await;
}

#[tokio::test]
async fn the_welcome_after_signing_up_stays_until_dismissed() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    b.goto(&app.page("/signup")).await;
    b.fill("Company name", "Ledger & Line").await;
    b.fill("Your name", "Rosa Ledger").await;
    b.fill("Email", "rosa@ledgerline.example").await;
    b.fill("Password", "correct-horse-1").await;
    b.check("I am an accountant or bookkeeper").await;
    b.click("Sign up").await;
    b.wait_for_path("/").await;
    let welcome = "Welcome! Your account for Ledger & Line is ready.";
    b.wait_for_text("main", welcome).await;
    // Still there on the next visit.
    b.click("Team").await;
    b.wait_for_text("h1", "Team").await;
    b.click("Clients").await;
    b.wait_for_text("main", welcome).await;
    b.click("Dismiss the welcome message").await;
    b.wait_for(
        "the welcome to go",
        "return !document.querySelector('.welcome');",
    )
    .await;
    b.goto(&app.page("/")).await;
    b.wait_for_text(".pager", "0 of 0").await;
    let text = b.find("main").await.text().await;
    b.ensure(!text.contains("Welcome!"), || {
        "the dismissed welcome came back".into()
    })
    .await;
    b.assert_no_console_errors().await;
}
