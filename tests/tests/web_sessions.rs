//! Issue 24 item 4, in a real browser: a second tab (and a page opened in a new tab) is
//! signed in, log-out in one tab signs both out, and a form another site posts to the
//! API with the browser's cookie changes nothing.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::partner_on_dashboard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A page of another site (another port on loopback) that posts a form to the gateway's
/// `/graphql` at once, as a cross-site request forgery would: the browser sends its
/// cookie, but not `X-Partner-Dashboard`. Returns the page's URL.
async fn forging_site(gateway: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    // A text/plain form whose body reads as JSON: name `{"query":"…","x":"` and value `"}`.
    let query = r#"mutation { inviteClientByEmail(email: \"forged@evil.example\") { id } }"#;
    let page = format!(
        "<!doctype html><title>Win a prize</title><form method=post action=\"{gateway}/graphql\" enctype=text/plain>\
         <input type=hidden name='{{\"query\":\"{query}\",\"x\":\"' value='\"}}'></form>\
         <script>document.forms[0].submit()</script>"
    );
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let res = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = sock.write_all(res.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn a_second_tab_is_signed_in_and_log_out_ends_both() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    partner_on_dashboard(&app, &b).await;
    let first = b.tab().await;

    // Ctrl-click on "Team": a new tab, the same person.
    b.open_tab().await;
    b.goto(&app.page("/team")).await;
    b.wait_for_path("/team").await;
    b.wait_for_text("h1", "Team").await;
    b.wait_for_text(".topbar", "Ledger & Line").await;
    b.assert_no_console_errors().await;

    // The page cannot read the session: no cookie in document.cookie, nothing stored.
    let seen = b
        .execute(
            "return document.cookie + JSON.stringify(sessionStorage) + JSON.stringify(localStorage);",
            vec![],
        )
        .await;
    assert!(
        !seen.as_str().unwrap().contains("pd_session"),
        "scripts see the session: {seen}"
    );

    // Log out in the second tab: the first is signed out too.
    b.click("Log out").await;
    b.wait_for_path("/login").await;
    b.switch_to_tab(&first).await;
    b.wait_for_path("/login").await;
    b.wait_for_text("main", "ession ended").await;
}

#[tokio::test]
async fn a_form_another_site_posts_with_the_cookie_changes_nothing() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let token = partner_on_dashboard(&app, &b).await;
    let evil = forging_site(app.next_url()).await;
    let home = b.tab().await;
    b.open_tab().await;
    b.goto(&evil).await;
    // The form posted; the gateway answered it as a call with no session.
    let answer = b
        .wait_for("the gateway's answer to the forged form", "return document.body && /errors|error/.test(document.body.innerText) ? document.body.innerText : null;")
        .await;
    let answer = answer.as_str().unwrap().to_owned();
    assert!(
        !answer.contains("\"data\":{\"inviteClientByEmail\":{"),
        "{answer}"
    );
    assert_eq!(app.client_count(&token).await, 0, "nothing was invited");
    // The person is still signed in where they were.
    b.switch_to_tab(&home).await;
    b.goto(&app.page("/team")).await;
    b.wait_for_text("h1", "Team").await;
}
