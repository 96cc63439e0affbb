//! The web app's pages as its tests open them (issue 17): their addresses on the app under
//! test, the emailed links opened there, the log-in page, a partner on the dashboard, and
//! the list as the API gives it, to compare with what a page showed.
//!
//! The tests of the web app (`tests/tests/web_*.rs`, one flow each) drive a real headless
//! Chromium against the real gateway, finding things as people do: fields by their
//! labels, buttons and links by their names, table cells by their row and column. Each
//! step checks what a person would look at (a heading, a message, a row's status) and
//! that the browser console has no error. Emails are read where they land and their
//! links opened in the browser, on this app's address instead of the harness's
//! `http://app.test`. A failed wait or check saves a screenshot in `target/screenshots/`;
//! with `WEB_SCREENSHOTS=/abs/dir` set, the pictures for the README are copied there too.

use crate::TestApp;
use crate::browser::Browser;
use serde_json::{Value, json};

impl TestApp {
    /// `path` on the app under test.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A link from an email (on `http://app.test`, the harness's public URL), as opened
    /// on the app under test.
    pub fn local(&self, link: &str) -> String {
        assert!(link.starts_with("http://app.test/"), "{link}");
        link.replacen("http://app.test", &self.url, 1)
    }

    /// The list as the API gives it to `token`: (email, status) of every row.
    pub async fn listed_statuses(&self, token: &str) -> Vec<(String, String)> {
        let page = self.clients(token, json!({ "first": 100 })).await;
        let edges = page["edges"].as_array().unwrap();
        let pair = |e: &Value| {
            let n = &e["node"];
            let text = |k: &str| n[k].as_str().unwrap().to_owned();
            (text("email"), text("status"))
        };
        edges.iter().map(pair).collect()
    }
}

/// `(email, status)` pairs as [`TestApp::listed_statuses`] answers them.
pub fn rows<const N: usize>(rows: [(&str, &str); N]) -> Vec<(String, String)> {
    rows.map(|(e, s)| (e.to_owned(), s.to_owned())).to_vec()
}

/// Logs in on the log-in page, as a person types it.
pub async fn log_in(b: &Browser, app: &TestApp, email: &str, password: &str) {
    b.goto(&app.page("/login")).await;
    b.wait_for_text("h1", "Log in").await;
    b.fill("Email", email).await;
    b.fill("Password", password).await;
    b.click("Log in").await;
}

/// Fails unless the page offers no field to type in: a dead link's page says why before
/// anyone starts filling in a form.
pub async fn assert_no_form(b: &Browser) {
    let fields = b
        .execute(
            "return document.querySelectorAll('main input').length;",
            vec![],
        )
        .await;
    b.ensure(fields == 0, || format!("the page offers {fields} fields"))
        .await;
}

/// Creates a client account with the dashboard's "Invite clients" → "Sign-up form",
/// as the partner types it; waits for the toast saying it is ready.
pub async fn create_by_the_form(b: &Browser, company: &str, contact: &str, email: &str) {
    b.click("Invite clients").await;
    b.click("Sign-up form").await;
    b.fill("Company name", company).await;
    b.fill("Contact name", contact).await;
    b.fill("Contact email", email).await;
    b.click("Create client account").await;
    b.wait_for_text("#toasts", &format!("The account for {company} is ready"))
        .await;
}

/// Waits until no toast is showing and no animation (a row's flash) runs: for pictures.
pub async fn settle(b: &Browser) {
    b.wait_for(
        "the toasts and animations to end",
        "return document.querySelectorAll('#toasts .toast').length === 0
            && document.getAnimations().length === 0;",
    )
    .await;
}

/// The partner whose dashboard most tests open: signed up through the API, logged in
/// through the page. Returns the partner's API token.
pub async fn partner_on_dashboard(app: &TestApp, b: &Browser) -> String {
    let token = app.partner("rosa@ledgerline.example").await;
    log_in(b, app, "rosa@ledgerline.example", "correct-horse-1").await;
    b.wait_for_path("/").await;
    b.wait_for_text("h1", "Clients").await;
    b.wait_for_text(".topbar", "Ledger & Line").await;
    b.assert_no_console_errors().await;
    token
}
