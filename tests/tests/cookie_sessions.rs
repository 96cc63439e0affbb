//! Issue 24 item 4: the web app's session lives in a cookie its scripts cannot read, so
//! a new tab and a restarted browser stay signed in. The cookie counts only on calls
//! that carry `X-Partner-Dashboard` (which another site's page cannot send) and come
//! from this site; `logOut` clears it; API clients keep `Authorization: Bearer`.

use e2e::live::LiveClient;
use e2e::{LOG_IN, LOG_OUT, ME_EMAIL, STEP_UP, TestApp, VERIFY_SECOND_FACTOR, code_of};
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};

const HEADER: &str = "x-partner-dashboard";

/// Posts `query` as the web app does: `X-Partner-Dashboard: which`, the cookies, and
/// `extra` headers. Answers the status, the `Set-Cookie` values and the body.
async fn web_call(
    app: &TestApp,
    which: &str,
    cookies: &str,
    extra: &[(&str, &str)],
    query: &str,
    vars: Value,
) -> (u16, Vec<String>, Value) {
    let mut req = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .header(HEADER, which)
        .json(&json!({ "query": query, "variables": vars }));
    if !cookies.is_empty() {
        req = req.header(COOKIE, cookies);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let set: Vec<String> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (status, set, res.json().await.unwrap())
}

/// `name=value` of the first `Set-Cookie` for `name`.
fn cookie_pair(set: &[String], name: &str) -> String {
    set.iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {set:?}"))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// `logInToClient` as the dashboard sends it with the `main` cookie: the `Set-Cookie`
/// values and the body.
async fn enter_client(app: &TestApp, main: &str, client_id: &Value) -> (Vec<String>, Value) {
    let (_, set, body) = web_call(
        app,
        "main",
        main,
        &[],
        "mutation($id: ID!) { logInToClient(clientId: $id) { token user { account { kind } } } }",
        json!({ "id": client_id }),
    )
    .await;
    (set, body)
}

async fn web_log_in(app: &TestApp) -> (Vec<String>, Value) {
    let (status, set, body) = web_call(
        app,
        "main",
        "",
        &[],
        LOG_IN,
        json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (set, body)
}

#[tokio::test]
async fn the_web_app_signs_in_with_a_cookie_scripts_cannot_read() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let (set, body) = web_log_in(&app).await;
    assert_eq!(
        body["data"]["logIn"]["token"], "",
        "no token for scripts: {body}"
    );
    let graphql = set.iter().find(|c| c.contains("Path=/graphql")).unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "pd_session="] {
        assert!(graphql.contains(attr), "{graphql}");
    }
    assert!(
        !graphql.contains("Secure"),
        "PUBLIC_URL is http here: {graphql}"
    );
    assert!(set.iter().any(|c| c.contains("Path=/export")), "{set:?}");
    // A sign-in ends any client session an earlier person left in this browser.
    assert!(
        set.iter()
            .any(|c| c.starts_with("pd_client_session=;") && c.contains("Max-Age=0")),
        "{set:?}"
    );
    let cookie = cookie_pair(&set, "pd_session");

    // Another tab: the same cookie, no token anywhere.
    let (_, _, me) = web_call(&app, "main", &cookie, &[], ME_EMAIL, json!({})).await;
    assert_eq!(me["data"]["me"]["email"], "rosa@ledgerline.example", "{me}");
    // The CSV export reads the cookie too.
    let csv = app
        .http()
        .get(format!("{}/export/clients.csv", app.next_url()))
        .header(HEADER, "main")
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);

    // Without the header the cookie counts for nothing (GraphiQL, a form of another site).
    let res = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .header(COOKIE, &cookie)
        .json(&json!({ "query": ME_EMAIL }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(body["data"]["me"].is_null(), "{body}");

    // API clients are as before: a token in the answer, no cookie.
    let res = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .json(&json!({ "query": LOG_IN, "variables": {
            "email": "rosa@ledgerline.example", "password": "correct-horse-1" } }))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get(SET_COOKIE).is_none());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["logIn"]["token"].as_str().unwrap().len(), 43);
}

#[tokio::test]
async fn a_call_from_another_site_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let (set, _) = web_log_in(&app).await;
    let cookie = cookie_pair(&set, "pd_session");
    let invite = "mutation { inviteClientByEmail(email: \"x@client.example\") { id } }";
    let (status, _, body) = web_call(
        &app,
        "main",
        &cookie,
        &[(ORIGIN.as_str(), "http://evil.example")],
        invite,
        json!({}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(code_of(&body), "FORBIDDEN", "{body}");
    // A nonsense session name is bad input.
    let (status, _, body) = web_call(&app, "admin", &cookie, &[], ME_EMAIL, json!({})).await;
    assert_eq!((status, code_of(&body)), (400, "BAD_USER_INPUT"), "{body}");
    // Nothing was invited.
    let (_, _, me) = web_call(
        &app,
        "main",
        &cookie,
        &[],
        "{ clients(first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(me["data"]["clients"]["totalCount"], 0, "{me}");
}

#[tokio::test]
async fn log_out_clears_the_cookie_and_ends_the_session_for_every_tab() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let (set, _) = web_log_in(&app).await;
    let cookie = cookie_pair(&set, "pd_session");
    let (status, cleared, body) = web_call(&app, "main", &cookie, &[], LOG_OUT, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("pd_session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    // A tab that still holds the old cookie is signed out too.
    let (_, _, me) = web_call(&app, "main", &cookie, &[], ME_EMAIL, json!({})).await;
    assert!(me["data"]["me"].is_null(), "{me}");
}

#[tokio::test]
async fn a_client_session_has_its_own_cookie_beside_the_partners() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let (set, _) = web_log_in(&app).await;
    let main = cookie_pair(&set, "pd_session");
    let (set, body) = enter_client(&app, &main, &s.client_id).await;
    assert_eq!(body["data"]["logInToClient"]["token"], "", "{body}");
    let client = cookie_pair(&set, "pd_client_session");
    assert!(
        set.iter().all(|c| !c.contains("Path=/export")),
        "the client session is for the API only: {set:?}"
    );
    let both = format!("{main}; {client}");
    let q = "{ me { account { kind } } }";
    let (_, _, as_client) = web_call(&app, "client", &both, &[], q, json!({})).await;
    assert_eq!(as_client["data"]["me"]["account"]["kind"], "CLIENT");
    let (_, _, as_partner) = web_call(&app, "main", &both, &[], q, json!({})).await;
    assert_eq!(as_partner["data"]["me"]["account"]["kind"], "PARTNER");
}

#[tokio::test]
async fn stepping_up_keeps_the_client_session_open_beside_it() {
    // A partner with a client's account open in another tab steps up in the dashboard
    // (before entering another client): the client tab carries on.
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let (_, codes) = app.enrol_totp(&s.partner).await;
    let (set, pending) = web_log_in(&app).await;
    assert_eq!(
        pending["data"]["logIn"]["secondFactorRequired"], true,
        "{pending}"
    );
    let (_, set, body) = web_call(
        &app,
        "main",
        &cookie_pair(&set, "pd_session"),
        &[],
        VERIFY_SECOND_FACTOR,
        json!({ "code": codes[0] }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let main = cookie_pair(&set, "pd_session");
    let (set, body) = enter_client(&app, &main, &s.client_id).await;
    assert!(body["errors"].is_null(), "{body}");
    let both = format!("{main}; {}", cookie_pair(&set, "pd_client_session"));
    let (_, set, body) = web_call(
        &app,
        "main",
        &both,
        &[],
        STEP_UP,
        json!({ "code": codes[1] }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(
        set.iter().all(|c| !c.starts_with("pd_client_session=")),
        "stepUp left the client cookie alone: {set:?}"
    );
    let q = "{ me { account { kind } } }";
    let (_, _, as_client) = web_call(&app, "client", &both, &[], q, json!({})).await;
    assert_eq!(
        as_client["data"]["me"]["account"]["kind"], "CLIENT",
        "{as_client}"
    );
    let (_, _, as_partner) = web_call(&app, "main", &both, &[], q, json!({})).await;
    assert_eq!(
        as_partner["data"]["me"]["account"]["kind"], "PARTNER",
        "{as_partner}"
    );
}

#[tokio::test]
async fn the_live_list_takes_the_cookie_from_this_sites_pages_only() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let (set, _) = web_log_in(&app).await;
    let cookie = cookie_pair(&set, "pd_session");
    let base = app.next_url().to_owned();
    let own = base.clone();
    let mut c =
        LiveClient::open_with_headers(&base, &[("cookie", &cookie), ("origin", &own)]).await;
    c.init(json!({ "session": "main" })).await.expect("acked");

    let mut c = LiveClient::open_with_headers(
        &base,
        &[("cookie", &cookie), ("origin", "http://evil.example")],
    )
    .await;
    let closed = c.init(json!({ "session": "main" })).await.unwrap_err();
    assert_eq!(closed.0, 4401, "{closed:?}");
}
