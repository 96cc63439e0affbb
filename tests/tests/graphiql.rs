//! GraphiQL for support staff works from the gateway alone: its page and assets come from
//! the binary, so it renders with no internet, under a CSP that allows scripts from
//! 'self' only. Checked in a real headless Chromium, the way a support person sees it.

use e2e::TestApp;
use e2e::browser::{Browser, keys};
use regex::Regex;

/// The CSP forbids what the old unpkg.com page needed: other hosts, inline script, eval.
#[tokio::test]
async fn graphiql_page_allows_scripts_from_its_own_origin_only() {
    let app = TestApp::spawn().await;
    let res = app.get("/graphiql").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {csp}"));
    assert_eq!(script_src, "script-src 'self'", "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert!(!csp.contains("http"), "the CSP names another host: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(res.headers()["x-frame-options"], "DENY");

    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>"), "inline script in the page");
    let refs: Vec<String> = Regex::new(r#"(?:src|href)="([^"]+)""#)
        .unwrap()
        .captures_iter(&html)
        .map(|c| c[1].to_owned())
        .collect();
    assert!(refs.len() >= 5, "the page names {refs:?}");
    for r in refs {
        if r.starts_with("data:") {
            continue;
        }
        assert!(r.starts_with("/graphiql/assets/"), "{r} is not served here");
        let asset = app.get(&r).await;
        assert_eq!(asset.status(), 200, "{r}");
        let content_type = asset.headers()["content-type"].to_str().unwrap();
        let want = if r.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(content_type.starts_with(want), "{r}: {content_type}");
        assert!(asset.headers().contains_key("cache-control"), "{r}");
        assert!(!asset.bytes().await.unwrap().is_empty(), "{r}");
    }
    assert_eq!(app.get("/graphiql/assets/nothing.js").await.status(), 404);
}

/// The docs list the Query fields.
async fn the_docs_list_the_query_fields(browser: &Browser) {
    browser
        .find(r#"button[aria-label="Show Documentation Explorer"]"#)
        .await
        .click()
        .await;
    browser
        .wait_for_text(".graphiql-doc-explorer", "Root Types")
        .await;
    browser
        .find(".graphiql-doc-explorer a.graphiql-doc-explorer-type-name")
        .await
        .click()
        .await;
    let docs = browser
        .wait_for_text(".graphiql-doc-explorer", "clientStatusCounts")
        .await;
    for field in ["me", "users", "clients", "inviteLink", "auditLog"] {
        assert!(docs.contains(field), "the docs miss Query.{field}: {docs}");
    }
}

/// A query typed into the editor runs (with the untouched, commented default headers)
/// and its data shows in the result pane.
async fn a_typed_query_runs(browser: &Browser) {
    browser
        .find(".graphiql-query-editor .CodeMirror-code")
        .await
        .click()
        .await;
    browser.shortcut(keys::CONTROL, "a").await;
    browser.type_text(keys::BACKSPACE).await;
    browser.type_text("{ __typename }").await;
    browser.find(".graphiql-execute-button").await.click().await;
    browser
        .wait_for_text(".graphiql-response", r#""__typename": "Query""#)
        .await;
}

/// A dialog opens and closes (GraphiQL's dialogs add a <style> element: the CSP lets
/// them).
async fn a_dialog_opens_and_closes(browser: &Browser) {
    browser
        .find(r#"button[data-value="settings"]"#)
        .await
        .click()
        .await;
    browser.wait_for_text(".graphiql-dialog", "Settings").await;
    browser.type_text(keys::ESCAPE).await;
    browser
        .wait_for(
            "the settings dialog to close",
            "return document.querySelector('.graphiql-dialog') === null;",
        )
        .await;
}

#[tokio::test]
async fn graphiql_renders_lists_the_schema_and_runs_a_query_in_a_browser() {
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/graphiql", app.url)).await;
    // Any CSP refusal from here on (the load itself shows in the console log below).
    browser
        .execute(
            "window.cspViolations = [];
             document.addEventListener('securitypolicyviolation', e =>
                 window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
             return null;",
            vec![],
        )
        .await;

    // The page renders: GraphiQL's query editor is there, with its default query.
    browser.wait_for_text(".graphiql-query-editor", "me").await;

    // The headers editor is open on first visit and shows the Authorization hint.
    let headers = browser
        .wait_for_text(
            r#"section.graphiql-editor-tool[aria-label="Headers"]"#,
            "Bearer <token from logIn>",
        )
        .await;
    assert!(headers.contains("// \"Authorization\""), "{headers}");
    the_docs_list_the_query_fields(&browser).await;
    a_typed_query_runs(&browser).await;
    let shot = browser.screenshot("graphiql").await;
    eprintln!("screenshot: {}", shot.display());
    a_dialog_opens_and_closes(&browser).await;

    // Nothing came from another host.
    let base = format!("{}/", app.url);
    for url in browser.requested_urls().await {
        assert!(url.starts_with(&base), "the page loaded {url}");
    }
    // No CSP refusal, no eval, no error at all in the console.
    let violations = browser
        .execute("return window.cspViolations;", vec![])
        .await;
    assert_eq!(violations, serde_json::json!([]), "CSP refusals");
    let console = browser.console().await;
    let problems: Vec<_> = console
        .iter()
        .filter(|l| {
            l.level == "SEVERE"
                || l.message.contains("Content Security Policy")
                || l.message.contains("eval")
        })
        .collect();
    assert!(problems.is_empty(), "the browser console: {problems:#?}");
}

/// A support person's session in GraphiQL: their own token in the headers editor, a
/// support search typed into the query editor, the account shown in the result pane.
#[tokio::test]
async fn support_staff_search_accounts_from_graphiql_with_their_own_token() {
    let app = TestApp::spawn().await;
    let _partner = app.partner("rosa@ledgerline.example").await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/graphiql", app.url)).await;
    browser.wait_for_text(".graphiql-query-editor", "me").await;
    // Types as a person pastes: the whole text of the editor that now shows `shows`.
    let paste = |shows: &str, text: &str| {
        format!(
            "const cm = [...document.querySelectorAll('.CodeMirror')].map(e => e.CodeMirror)
                 .find(c => c.getValue().includes({}));
             cm.setValue({}); return cm.getValue();",
            serde_json::Value::from(shows),
            serde_json::Value::from(text)
        )
    };
    let headers = format!("{{\n  \"Authorization\": \"Bearer {staff}\"\n}}");
    let now = browser
        .execute(&paste("Bearer <token from logIn>", &headers), vec![])
        .await;
    assert_eq!(now, serde_json::Value::from(headers.as_str()));
    let query = "{ supportSearch(query: \"rosa@ledgerline\", reason: \"ticket #12\") { companyId name kind } }";
    browser.execute(&paste("me {", query), vec![]).await;
    browser.find(".graphiql-execute-button").await.click().await;
    let result = browser
        .wait_for_text(".graphiql-response", "Ledger & Line")
        .await;
    assert!(result.contains("\"kind\": \"PARTNER\""), "{result}");
    assert!(!result.contains("errors"), "{result}");
    browser.screenshot("graphiql-support").await;
}
