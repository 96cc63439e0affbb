//! Hardening (SPEC §8, issue 7): the settings of a production gateway. The schema is
//! hidden unless GraphiQL is on, and no field suggestions leak it; CORS answers only the
//! configured origins; links in emails come from PUBLIC_URL, never from the request;
//! security headers are set.

use e2e::{INVITE, TestApp, code_of, message_of, try_code_of};
use serde_json::{Value, json};

#[tokio::test]
async fn production_hides_the_schema_unless_graphiql_is_on() {
    let introspect = "{ __schema { types { name } } }";
    let dev = TestApp::spawn().await;
    assert!(dev.gql(None, introspect, json!({})).await["data"]["__schema"].is_object());

    let prod = TestApp::spawn_with_args(&["--environment", "production"]).await;
    let body = prod.gql(None, introspect, json!({})).await;
    assert!(
        body["data"].is_null() || body["data"]["__schema"].is_null(),
        "{body}"
    );
    assert!(try_code_of(&body).is_some(), "{body}");
    // No field suggestions either.
    let body = prod.gql(None, "{ mee { id } }", json!({})).await;
    let msg = message_of(&body);
    assert!(!msg.contains("Did you mean"), "{msg}");
    assert_eq!(code_of(&body), "GRAPHQL_VALIDATION_FAILED");
    let g = prod.get("/graphiql").await;
    assert_eq!(g.status(), 404);
    let g = prod.get("/graphiql/assets/init.js").await;
    assert_eq!(g.status(), 404);

    let support =
        TestApp::spawn_with_args(&["--environment", "production", "--graphiql", "true"]).await;
    assert!(support.gql(None, introspect, json!({})).await["data"]["__schema"].is_object());
    let g = support.get("/graphiql").await;
    assert_eq!(g.status(), 200);
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let preflight = |app: &TestApp, origin: &str| {
        app.http()
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.url))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type,authorization",
            )
            .send()
    };
    let none = TestApp::spawn().await;
    let res = preflight(&none, "https://app.example.com").await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    let app = TestApp::spawn_with_args(&[
        "--cors-allowed-origins",
        "https://app.example.com,https://support.example.com",
    ])
    .await;
    let res = preflight(&app, "https://app.example.com").await.unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let res = preflight(&app, "https://evil.example.net").await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn links_in_emails_come_from_public_url_never_from_the_request() {
    let app = TestApp::spawn().await;
    let token = app.partner("rosa@ledgerline.example").await;
    let res: Value = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .bearer_auth(&token)
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "http")
        .header("Forwarded", "host=evil.example;proto=http")
        .header("Origin", "http://evil.example")
        .json(&json!({ "query": INVITE, "variables": { "email": "cleo@client.example" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(res.get("errors").is_none(), "{res}");
    let mail = app
        .wait_for_mail("cleo@client.example", "invites you")
        .await;
    assert!(
        mail.link("http://app.test/invite/").is_some(),
        "{}",
        mail.text
    );
    assert!(!mail.raw.contains("evil.example"));
    // The invite link of the unique-link method too.
    let link = app.invite_link(&token).await;
    assert!(
        link["url"]
            .as_str()
            .unwrap()
            .starts_with("http://app.test/join/")
    );
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = TestApp::spawn().await;
    let res = app.get("/graphiql").await;
    let h = res.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let res = app
        .http()
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}
