//! Hardening (SPEC §8, issue 7): GraphQL limits, production settings, rate limits, CORS
//! and answers that do not tell which emails exist.

use e2e::{
    CLIENTS_TOTAL, INVITE, INVITE_LINK, LOG_IN, Mode, REQUEST_PASSWORD_RESET, SIGN_UP, TestApp,
};
use serde_json::{Value, json};

/// Posts raw JSON and returns (status, body).
async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let res = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code: {body}"))
}

#[tokio::test]
async fn every_graphql_limit_refuses_with_a_code_and_is_configurable() {
    let app = TestApp::spawn().await;
    let token = app.partner("rosa@ledgerline.example").await;

    // Depth: data fields 12 by default; introspection has its own bound (24), deep
    // enough for the standard introspection queries, refusing absurd nesting.
    let introspect = |levels: usize| {
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {}name {}}} }} }} }} }}",
            "ofType { ".repeat(levels),
            "} ".repeat(levels)
        )
    };
    let body = app.gql(None, &introspect(9), json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    for absurd in [20, 40] {
        let body = app.gql(None, &introspect(absurd), json!({})).await;
        assert_eq!(code(&body), "QUERY_TOO_DEEP", "{absurd} levels: {body}");
    }
    let data = format!("{{ {}x {} }}", "a { ".repeat(12), "} ".repeat(12));
    let body = app.gql(None, &data, json!({})).await;
    assert_eq!(code(&body), "QUERY_TOO_DEEP", "{body}");

    // Complexity: list fields cost `first` × their children.
    let fields = "id companyId name email status invitedVia invitedAt lastInviteSentAt trialEndsAt availableActions";
    let heavy: String = (0..5)
        .map(|i| format!("c{i}: clients(first: 100) {{ edges {{ node {{ {fields} }} }} }} "))
        .collect();
    let body = app
        .gql(Some(&token), &format!("{{ {heavy} }}"), json!({}))
        .await;
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");

    // 20 aliases of one field pass, 21 do not.
    let twenty: String = (0..20).map(|i| format!("a{i}: __typename ")).collect();
    let body = app.gql(None, &format!("{{ {twenty} }}"), json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let (status, body) = post(
        &app,
        json!({ "query": format!("{{ {twenty} extra: __typename }}") }),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "TOO_MANY_ALIASES"), "{body}");

    // 30 root fields pass, 31 do not (aliases spread over two fields).
    let roots: String = (0..16)
        .map(|i| format!("m{i}: me {{ id }} "))
        .chain((0..15).map(|i| format!("t{i}: __typename ")))
        .collect();
    let (status, body) = post(&app, json!({ "query": format!("{{ {roots} }}") })).await;
    assert_eq!(
        (status, code(&body)),
        (400, "TOO_MANY_ROOT_FIELDS"),
        "{body}"
    );

    // 20,000 tokens.
    let long = format!("{{ {} }}", "__typename ".repeat(20_000));
    let (status, body) = post(&app, json!({ "query": long })).await;
    assert_eq!((status, code(&body)), (400, "QUERY_TOO_LARGE"), "{body}");

    // Syntax and validation errors carry a code too.
    let body = app.gql(None, "{ me { id ", json!({})).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let body = app.gql(None, "{ nope }", json!({})).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");

    // Every limit is configurable.
    let strict = TestApp::spawn_with_args(&[
        "--max-depth",
        "4",
        "--max-aliases",
        "2",
        "--max-root-fields",
        "3",
        "--max-tokens",
        "200",
        "--max-batch",
        "2",
    ])
    .await;
    let t = strict.partner("ops@firm.example").await;
    let body = strict
        .gql(Some(&t), "{ me { account { id } } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = strict
        .gql(
            Some(&t),
            "{ auditLog { edges { node { actor { account { id } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "QUERY_TOO_DEEP", "{body}");
    // Introspection keeps its own bound.
    let body = strict
        .gql(
            None,
            "{ __schema { types { fields { type { name } } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let (_, body) = post(
        &strict,
        json!({ "query": "{ a: __typename b: __typename c: __typename }" }),
    )
    .await;
    assert_eq!(code(&body), "TOO_MANY_ALIASES");
    let (_, body) = post(
        &strict,
        json!({ "query": "{ a: __typename b: __typename me { id } users { id } }" }),
    )
    .await;
    assert_eq!(code(&body), "TOO_MANY_ROOT_FIELDS");
    let (_, body) = post(
        &strict,
        json!({ "query": format!("{{ {} }}", "__typename ".repeat(210)) }),
    )
    .await;
    assert_eq!(code(&body), "QUERY_TOO_LARGE");
    let (status, body) = post(&strict, json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }, { "query": "{ __typename }" }])).await;
    assert_eq!((status, code(&body)), (400, "BATCH_TOO_LARGE"));

    let cheap = TestApp::spawn_with_args(&["--max-complexity", "50"]).await;
    let t = cheap.partner("ops@firm.example").await;
    let q = "{ clients(first: 10) { edges { node { id name email } } } }";
    assert_eq!(
        code(&cheap.gql(Some(&t), q, json!({})).await),
        "QUERY_TOO_COMPLEX"
    );
    let q = "{ clients(first: 2) { edges { node { id name email } } } }";
    assert!(
        cheap
            .gql(Some(&t), q, json!({}))
            .await
            .get("errors")
            .is_none()
    );
}

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
    assert!(
        body["errors"][0]["extensions"]["code"].is_string(),
        "{body}"
    );
    // No field suggestions either.
    let body = prod.gql(None, "{ mee { id } }", json!({})).await;
    let msg = body["errors"][0]["message"].as_str().unwrap();
    assert!(!msg.contains("Did you mean"), "{msg}");
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
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

fn retry_after(body: &Value) -> u64 {
    assert_eq!(code(body), "RATE_LIMITED", "{body}");
    body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfterSeconds: {body}"))
}

/// Log-in limits stop guessing, not offices (Auth0's brute-force protection): only failed
/// attempts count, per email and address (so failures from one address never lock the
/// owner out from another) and per address across emails (credential stuffing).
#[tokio::test]
async fn log_in_limits_count_failures_per_email_and_address_and_per_address() {
    // In scale-out mode the attempts alternate between two gateways: the limit holds
    // across them because the buckets are in Redis.
    let app = TestApp::spawn_with_args(&[
        "--rate-limit-login-email",
        "3/1h",
        "--rate-limit-login-ip",
        "6/1h",
    ])
    .await;
    app.partner("rosa@ledgerline.example").await;
    let rosa_right = json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1" });
    // A firm's people logging in all morning from one address: successes never count.
    for _ in 0..8 {
        assert!(app.ok(None, LOG_IN, rosa_right.clone()).await["logIn"]["token"].is_string());
    }
    let attempt = |email: &'static str| {
        let app = &app;
        async move {
            app.gql(
                None,
                LOG_IN,
                json!({ "email": email, "password": "wrong-password-1" }),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(
            code(&attempt("rosa@ledgerline.example").await),
            "UNAUTHENTICATED"
        );
    }
    let wait = retry_after(&attempt("rosa@ledgerline.example").await);
    assert!((1..=1200).contains(&wait), "{wait}");
    // From this address even the right password waits now…
    let body = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "ROSA@ledgerline.example", "password": "correct-horse-1" }),
        )
        .await;
    retry_after(&body);
    // …but the owner, elsewhere, is not locked out.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let body: serde_json::Value = elsewhere
        .post(format!("{}/graphql", app.next_url()))
        .json(&json!({ "query": LOG_IN, "variables": rosa_right }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["data"]["logIn"]["token"].is_string(), "{body}");
    // Other emails from the first address: its budget of 6 failures runs out next.
    for email in [
        "other@ledgerline.example",
        "third@ledgerline.example",
        "fourth@ledgerline.example",
    ] {
        assert_eq!(code(&attempt(email).await), "UNAUTHENTICATED");
    }
    retry_after(&attempt("fifth@ledgerline.example").await);
    if app.mode == Mode::ScaleOut {
        assert_eq!(app.next_url_all().len(), 2, "two gateways took turns");
    }
}

#[tokio::test]
async fn sign_up_password_reset_and_invites_are_limited() {
    let app = TestApp::spawn_with_args(&[
        "--rate-limit-signup-ip",
        "2/1h",
        "--rate-limit-reset-email",
        "2/1h",
        "--rate-limit-reset-ip",
        "4/1h",
        "--rate-limit-invites",
        "2/1h",
    ])
    .await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let other = app.partner("other@firm.example").await;
    let body = app
        .gql(None, SIGN_UP, json!({ "input": { "companyName": "C", "name": "N",
            "email": "third@firm.example", "password": "correct-horse-1", "isAccountantOrBookkeeper": true }}))
        .await;
    retry_after(&body);

    for _ in 0..2 {
        let body = app
            .gql(
                None,
                REQUEST_PASSWORD_RESET,
                json!({ "email": "rosa@ledgerline.example" }),
            )
            .await;
        assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
    }
    retry_after(
        &app.gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "rosa@ledgerline.example" }),
        )
        .await,
    );
    let body = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "nobody@ledgerline.example" }),
        )
        .await;
    assert_eq!(body["data"]["requestPasswordReset"], true);
    retry_after(
        &app.gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "nobody2@ledgerline.example" }),
        )
        .await,
    );

    for i in 0..2 {
        app.invite(&rosa, &format!("c{i}@client.example"), None)
            .await;
    }
    retry_after(
        &app.gql(Some(&rosa), INVITE, json!({ "email": "c9@client.example" }))
            .await,
    );
    // Nothing was created by the refused invite, and another partner is not affected.
    let list = app.ok(Some(&rosa), CLIENTS_TOTAL, json!({})).await;
    assert_eq!(list["clients"]["totalCount"], 2);
    app.invite(&other, "c9@client.example", None).await;
}

#[tokio::test]
async fn every_request_from_one_address_has_a_ceiling() {
    let app = TestApp::spawn_with_args(&["--rate-limit-ip", "5/1m"]).await;
    for _ in 0..5 {
        let (status, _) = post(&app, json!({ "query": "{ __typename }" })).await;
        assert_eq!(status, 200);
    }
    let res = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(retry_after(&body), wait);
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
    let link = app.ok(Some(&token), INVITE_LINK, json!({})).await;
    assert!(
        link["inviteLink"]["url"]
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

/// What sends email or opens accounts is limited per account: `addUser`
/// (`RATE_LIMIT_USERS_ADDED`) and `createClientAccount` (`RATE_LIMIT_CLIENT_ACCOUNTS`);
/// and names that end up in email subjects refuse control and text-direction characters.
#[tokio::test]
async fn adding_users_and_client_accounts_is_limited_per_account() {
    let app = TestApp::spawn_with_args(&[
        "--rate-limit-users-added",
        "2/1h",
        "--rate-limit-client-accounts",
        "2/1h",
    ])
    .await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let add = |i: usize| {
        app.gql(
            Some(&rosa),
            e2e::ADD_USER,
            json!({ "input": { "email": format!("u{i}@ledgerline.example"), "name": "U", "role": "EMPLOYEE" } }),
        )
    };
    assert!(add(1).await["errors"].is_null());
    assert!(add(2).await["errors"].is_null());
    retry_after(&add(3).await);
    let create = |i: usize| {
        app.gql(
            Some(&rosa),
            e2e::CREATE_CLIENT,
            json!({ "input": { "companyName": format!("Client {i}"), "contactName": "C",
                "contactEmail": format!("c{i}@client.example") } }),
        )
    };
    assert!(create(1).await["errors"].is_null());
    assert!(create(2).await["errors"].is_null());
    retry_after(&create(3).await);
    // Another account has its own budget.
    let other = app.partner("other@firm.example").await;
    let b = app
        .gql(
            Some(&other),
            e2e::ADD_USER,
            json!({ "input": { "email": "x@firm.example", "name": "X", "role": "EMPLOYEE" } }),
        )
        .await;
    assert!(b["errors"].is_null(), "{b}");

    for sneaky in ["Corner\u{202E}pohS", "Shop\u{2066}x", "Bell\u{7}"] {
        let b = app
            .gql(None, SIGN_UP, json!({ "input": { "companyName": sneaky, "name": "N",
                "email": "new@firm.example", "password": "correct-horse-1", "isAccountantOrBookkeeper": true }}))
            .await;
        assert_eq!(code(&b), "BAD_USER_INPUT", "{sneaky:?}: {b}");
        assert!(
            b["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("control or text-direction characters"),
            "{b}"
        );
    }
}
