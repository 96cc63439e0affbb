//! Issue 17: the web front end is served by the gateway from the binary. Every page an
//! email links to answers the app's page with a strict CSP; the files are compressed and
//! cached; nothing names another host. (What the pages do is in the `web_*.rs` tests, in a
//! real browser.)

use e2e::TestApp;
use reqwest::header;

/// Every path an email or the app links to.
const PAGES: &[&str] = &[
    "/",
    "/clients",
    "/clients?status=INVITED",
    "/login",
    "/signup",
    "/forgot-password",
    "/invite/some-token",
    "/join/some-code",
    "/reset-password/some-token",
    "/client",
    "/team",
    "/audit",
    "/connect",
    "/upgrade",
];

#[tokio::test]
async fn every_page_an_email_links_to_is_the_app_with_a_strict_policy() {
    let app = TestApp::spawn().await;
    for path in PAGES {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers().clone();
        assert_eq!(
            h[header::CONTENT_TYPE],
            "text/html; charset=utf-8",
            "{path}"
        );
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("style-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"<script type="module" src="/web/app.js"></script>"#));
        // No inline script or style, and nothing from another host.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script type=\"module\" src=\"/web/").count()
        );
        assert!(!html.contains("style="), "{path}");
        assert!(!html.contains("<style"), "{path}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{path}"
        );
    }
    // A path that is no page is still a 404.
    assert_eq!(app.get("/no-such-page").await.status(), 404);
    assert_eq!(app.get("/web/no-such-file.js").await.status(), 404);
}

#[tokio::test]
async fn the_files_are_gzipped_for_browsers_and_revalidated_by_etag() {
    let app = TestApp::spawn().await;
    // A module of a folder (its path is the file's path under `gateway/assets/web/`),
    // and one large and repetitive enough to be worth gzip's while.
    let url = format!("{}/web/api.js", app.url);
    // reqwest here decompresses nothing: the bytes are what went over the wire.
    let plain = app.http().get(&url).send().await.unwrap();
    assert_eq!(
        plain.headers()[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let etag = plain.headers()[header::ETAG].clone();
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");
    let plain_len = plain.bytes().await.unwrap().len();

    let gz = app
        .http()
        .get(&url)
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(gz.headers()[header::VARY], "accept-encoding");
    let gz_len = gz.bytes().await.unwrap().len();
    // Small modules compress less than one big file did: at least by half.
    assert!(gz_len * 2 < plain_len, "gzip {gz_len} of {plain_len} bytes");

    // Unchanged since: 304 without a body.
    let again = app
        .http()
        .get(&url)
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    // The favicon browsers ask for by themselves.
    let ico = app.get("/favicon.ico").await;
    assert_eq!(ico.status(), 200);
    assert_eq!(ico.headers()[header::CONTENT_TYPE], "image/svg+xml");
}
