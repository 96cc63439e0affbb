//! SPEC §1 and §8: argon2id is costly (~25 ms of a core per hash), so no anonymous caller
//! can make the gateway run it at will. A link that cannot be used costs one indexed
//! read and no hash; the calls that use an emailed link are limited per address; one
//! HTTP request runs at most `MAX_PASSWORD_HASHES_PER_REQUEST` hashes or checks over all
//! its operations and aliases.
//!
//! One test in its own binary: it reads the process-wide `password_hashes_total`.

use e2e::{ACCEPT_INVITE, RESET_PASSWORD, TestApp, code_of, retry_after_of, try_code_of};
use serde_json::json;

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

/// A token of the right shape that was never issued.
fn made_up_token(i: usize) -> String {
    format!("{:A>43}", format!("made-up-{i}"))
}

#[tokio::test]
async fn password_hashing_is_bounded_for_anonymous_callers() {
    let app = TestApp::spawn_with_args(&["--rate-limit-link-ip", "8/1m"]).await;
    app.partner("rosa@ledgerline.example").await;

    // Dead links: refused after one read, with no hash.
    let before = hashes(&app).await;
    for i in 0..4 {
        let accept = json!({ "token": made_up_token(i), "input": {
            "companyName": "Bakers", "name": "Bea", "password": "bea-password-1" } });
        assert_eq!(
            app.error_code(None, ACCEPT_INVITE, accept).await,
            "BAD_USER_INPUT"
        );
        let reset = json!({ "t": made_up_token(100 + i), "p": "new-password-1" });
        assert_eq!(
            app.error_code(None, RESET_PASSWORD, reset).await,
            "BAD_USER_INPUT"
        );
    }
    assert_eq!(
        hashes(&app).await,
        before,
        "no hash for a link that cannot be used"
    );

    // Eight link calls from this address in a minute; the ninth waits.
    let reset = json!({ "t": made_up_token(200), "p": "new-password-1" });
    let b = app.gql(None, RESET_PASSWORD, reset).await;
    assert_eq!(code_of(&b), "RATE_LIMITED", "{b}");
    assert!(retry_after_of(&b) >= 1);

    a_request_runs_at_most_two_checks(&app).await;
}

/// `MAX_PASSWORD_HASHES_PER_REQUEST` (2 here): three log-ins in one request, or in one
/// batch, check two passwords and refuse the third unchecked.
async fn a_request_runs_at_most_two_checks(app: &TestApp) {
    // Three log-ins in one request: two are checked, the third is refused unchecked.
    let before = hashes(app).await;
    let three = "mutation($e: String!, $p: String!) {
        a: logIn(email: $e, password: $p) { token }
        b: logIn(email: $e, password: $p) { token }
        c: logIn(email: $e, password: $p) { token } }";
    let b = app
        .gql(
            None,
            three,
            json!({ "e": "rosa@ledgerline.example", "p": "correct-horse-1" }),
        )
        .await;
    assert!(b["data"]["a"]["token"].is_string(), "{b}");
    assert!(b["data"]["b"]["token"].is_string(), "{b}");
    let errors = b["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{b}");
    assert_eq!(errors[0]["path"][0], "c");
    assert_eq!(code_of(&b), "RATE_LIMITED");
    assert_eq!(hashes(app).await - before, 2.0, "two checks, not three");

    // A batch shares the budget too.
    let one = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }";
    let vars = json!({ "e": "rosa@ledgerline.example", "p": "correct-horse-1" });
    let op = json!({ "query": one, "variables": vars });
    let batch: serde_json::Value = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .json(&json!([op, op, op]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = batch
        .as_array()
        .unwrap()
        .iter()
        .map(|r| try_code_of(r).unwrap_or("ok"))
        .collect();
    assert_eq!(codes, ["ok", "ok", "RATE_LIMITED"], "{batch}");
}
