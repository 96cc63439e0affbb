//! SPEC §2 and §8 (issue 22 item 3): guesses sent at once cannot pass the log-in
//! failure limits. Each attempt holds its tokens while its password is checked, so no more
//! attempts than the limit allows are ever checked, and the right password from another
//! address still gets in.
//!
//! One test in its own binary: it reads the process-wide `password_hashes_total`.

use e2e::{LOG_IN, TestApp, try_code_of};
use serde_json::{Value, json};

/// `password_hashes_total` summed over every gateway and both operations (hash, verify).
async fn hashes(app: &TestApp) -> f64 {
    let mut total = 0.0;
    for url in app.next_url_all() {
        let m = app
            .http()
            .get(format!("{url}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        total += m
            .lines()
            .filter(|l| l.starts_with("password_hashes_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>();
    }
    total
}

#[tokio::test]
async fn sixty_guesses_at_once_check_no_more_passwords_than_the_limit() {
    let app = TestApp::spawn_with_args(&[
        "--rate-limit-login-email",
        "10/1h",
        "--rate-limit-login-ip",
        "50/1h",
    ])
    .await;
    app.partner("rosa@ledgerline.example").await;
    let before = hashes(&app).await;

    let app = &app;
    let guesses = (0..60).map(|i| async move {
        let vars =
            json!({ "email": "rosa@ledgerline.example", "password": format!("guess-number-{i}") });
        app.gql(None, LOG_IN, vars).await
    });
    let answers: Vec<Value> = futures::future::join_all(guesses).await;
    let codes: Vec<&str> = answers
        .iter()
        .map(|b| try_code_of(b).unwrap_or("none"))
        .collect();
    let checked = codes.iter().filter(|c| **c == "UNAUTHENTICATED").count();
    let refused = codes.iter().filter(|c| **c == "RATE_LIMITED").count();
    assert_eq!(checked + refused, 60, "{codes:?}");
    assert_eq!(
        checked, 10,
        "exactly the limit's 10 guesses were checked: {codes:?}"
    );
    let ran = hashes(app).await - before;
    assert!(
        ran <= 10.0,
        "{ran} password checks ran for 60 guesses; the limit is 10"
    );

    // The owner, from another address, still gets in.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let body: Value = elsewhere
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": LOG_IN, "variables": {
            "email": "rosa@ledgerline.example", "password": "correct-horse-1" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["data"]["logIn"]["token"].is_string(),
        "the right password from another address: {body}"
    );
}
