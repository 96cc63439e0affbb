//! Hardening (SPEC §8, issue 7): rate limits. Log-in limits count failures per email
//! and address and per address; sign-up, password reset and invites are limited; every
//! request from one address has a ceiling; adding users and client accounts is limited
//! per account. A refusal says when to try again.

use e2e::{
    INVITE, LOG_IN, Mode, REQUEST_PASSWORD_RESET, SIGN_UP, TestApp, code_of, message_of,
    retry_after_of,
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

/// Asserts that `body` is a RATE_LIMITED refusal; returns its retry hint.
fn retry_after(body: &Value) -> u64 {
    assert_eq!(code_of(body), "RATE_LIMITED", "{body}");
    retry_after_of(body)
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
            code_of(&attempt("rosa@ledgerline.example").await),
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
        assert_eq!(code_of(&attempt(email).await), "UNAUTHENTICATED");
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

    let reset = |email: &'static str| {
        let app = &app;
        async move {
            let vars = json!({ "email": email });
            app.gql(None, REQUEST_PASSWORD_RESET, vars).await
        }
    };
    for _ in 0..2 {
        let body = reset("rosa@ledgerline.example").await;
        assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
    }
    retry_after(&reset("rosa@ledgerline.example").await);
    let body = reset("nobody@ledgerline.example").await;
    assert_eq!(body["data"]["requestPasswordReset"], true);
    retry_after(&reset("nobody2@ledgerline.example").await);

    for i in 0..2 {
        app.invite(&rosa, &format!("c{i}@client.example"), None)
            .await;
    }
    retry_after(
        &app.gql(Some(&rosa), INVITE, json!({ "email": "c9@client.example" }))
            .await,
    );
    // Nothing was created by the refused invite, and another partner is not affected.
    assert_eq!(app.client_count(&rosa).await, 2);
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
        assert_eq!(code_of(&b), "BAD_USER_INPUT", "{sneaky:?}: {b}");
        assert!(
            message_of(&b).contains("control or text-direction characters"),
            "{b}"
        );
    }
}
