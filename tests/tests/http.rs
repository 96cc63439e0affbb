//! The HTTP surface: health, readiness, GraphiQL, GET queries, and refusals of
//! malformed requests with a code (SPEC §8).

use e2e::{ME_EMAIL, SIGN_UP, TestApp, code_of, message_of, try_code_of};
use serde_json::{Value, json};

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let h = app.get("/healthz").await;
    assert_eq!(h.status(), 200);
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({ "database": "ok", "queue": "ok" }));
}

#[tokio::test]
async fn graphiql_is_served_and_points_at_graphql() {
    let app = TestApp::spawn().await;
    let res = app.get("/graphiql").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("/graphql"),
        "GraphiQL is not wired to /graphql"
    );
}

#[tokio::test]
async fn queries_work_over_get_too() {
    let app = TestApp::spawn().await;
    let res = app
        .http()
        .get(format!("{}/graphql", app.url))
        .query(&[("query", ME_EMAIL)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({ "data": { "me": null } }));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert!(!res.headers()["x-request-id"].is_empty());
}

async fn post_raw(app: &TestApp, body: &'static str) -> (u16, Value) {
    let res = app
        .http()
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_requests_get_a_coded_error_not_a_500() {
    let app = TestApp::spawn().await;
    for body in ["{nope", "", "[]", "\"just a string\"", "{\"query\": 42}"] {
        let (status, json) = post_raw(&app, body).await;
        assert!(
            (400..500).contains(&status) || status == 200,
            "{body:?} gave HTTP {status}"
        );
        let code = try_code_of(&json);
        assert!(code.is_some(), "{body:?}: {json}");
        assert!(json["errors"][0]["message"].is_string(), "{body:?}: {json}");
    }
    let (status, json) = post_raw(&app, "{\"query\": \"{ me { \"}").await;
    assert_eq!(status, 200);
    assert!(message_of(&json).contains("expected"), "{json}");
    assert_eq!(code_of(&json), "GRAPHQL_VALIDATION_FAILED");
    let (_, json) = post_raw(&app, "{\"query\": \"{ nosuchfield }\"}").await;
    assert_eq!(code_of(&json), "GRAPHQL_VALIDATION_FAILED", "{json}");
    // Still serving.
    assert_eq!(
        app.ok(None, ME_EMAIL, json!({})).await,
        json!({ "me": null })
    );
}

#[tokio::test]
async fn a_batch_of_more_than_ten_operations_is_refused() {
    let app = TestApp::spawn().await;
    let op = json!({ "query": ME_EMAIL });
    let ok: Vec<Value> = std::iter::repeat_n(op.clone(), 10).collect();
    let res = app
        .http()
        .post(format!("{}/graphql", app.url))
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap().as_array().unwrap().len(),
        10
    );
    let too_many: Vec<Value> = std::iter::repeat_n(op, 11).collect();
    let res = app
        .http()
        .post(format!("{}/graphql", app.url))
        .json(&too_many)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code_of(&body), "BATCH_TOO_LARGE");
}

#[tokio::test]
async fn a_body_over_one_megabyte_is_refused() {
    let app = TestApp::spawn().await;
    let big = format!(
        "{{\"query\": \"{{ me {{ email }} }}\", \"variables\": {{\"x\": \"{}\"}}}}",
        "a".repeat(1_100_000)
    );
    let res = app
        .http()
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.expect("a JSON body");
    assert_eq!(code_of(&body), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn a_stopped_gateway_releases_its_port() {
    let mut app = TestApp::spawn().await;
    let addr = app.url.trim_start_matches("http://").to_owned();
    app.stop().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn shutting_down_finishes_in_flight_requests_and_loses_no_promised_mail() {
    let mut app = TestApp::spawn().await;
    // A burst of sign-ups (each hashes a password, so several are in flight at once).
    let mut calls = Vec::new();
    for i in 0..12 {
        let (url, http) = (app.url.clone(), app.http().clone());
        calls.push(tokio::spawn(async move {
            let body = json!({ "query": SIGN_UP, "variables": { "input": {
                "companyName": "Firm", "name": "P", "email": format!("p{i}@firm.example"),
                "password": "correct-horse-1", "isAccountantOrBookkeeper": true } } });
            let res = http
                .post(format!("{url}/graphql"))
                .json(&body)
                .send()
                .await
                .ok()?;
            Some((res.status().as_u16(), res.json::<Value>().await.ok()?))
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    app.restart().await;
    let mut signed_up = Vec::new();
    for (i, call) in calls.into_iter().enumerate() {
        // A request is either refused before it started, or answered in full.
        if let Some((status, body)) = call.await.unwrap() {
            assert_eq!(status, 200, "{body}");
            assert!(
                body["data"]["signUp"]["token"].is_string(),
                "a cut-off answer: {body}"
            );
            signed_up.push(format!("p{i}@firm.example"));
        }
    }
    assert!(
        !signed_up.is_empty(),
        "no request was answered around the shutdown"
    );
    // Every promised welcome email arrives exactly once, from the restarted worker if need be.
    for email in &signed_up {
        app.wait_for_mail(email, "Welcome").await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for email in &signed_up {
        assert_eq!(
            app.mails().iter().filter(|m| &m.to == email).count(),
            1,
            "{email}"
        );
    }
}

/// Runs a binary with `LOG_FORMAT=json` in a fresh data directory, lets `work` use it,
/// stops it with SIGTERM and returns (exit status, how long it took to stop, log lines).
async fn run_and_terminate<F, Fut>(
    bin: &str,
    args: &[&str],
    dir: &std::path::Path,
    work: F,
) -> (std::process::ExitStatus, std::time::Duration, Vec<String>)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut child, log) = e2e::start_binary(bin, args, dir, "info");
    work().await;
    e2e::terminate(&child);
    let asked = std::time::Instant::now();
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .expect("stopped within 30 s of SIGTERM")
        .unwrap();
    let lines = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    (status, asked.elapsed(), lines)
}

fn assert_json_lines(lines: &[String], must_say: &str) {
    assert!(!lines.is_empty());
    for line in lines {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
        assert!(v["fields"]["message"].is_string(), "{line}");
    }
    assert!(
        lines.iter().any(|l| l.contains(must_say)),
        "no line says {must_say:?}: {lines:#?}"
    );
}

#[tokio::test]
async fn the_gateway_logs_json_lines_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = e2e::free_port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("http://{addr}");
    let http = reqwest::Client::new();
    let (status, took, lines) =
        run_and_terminate("gateway", &["--listen-addr", &addr], dir.path(), || async {
            e2e::wait_healthy(&http, &url).await;
            let body = json!({ "query": SIGN_UP, "variables": { "input": {
                "companyName": "Firm", "name": "P", "email": "p@firm.example",
                "password": "correct-horse-1", "isAccountantOrBookkeeper": true } } });
            let res: Value = http
                .post(format!("{url}/graphql"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(res["data"]["signUp"]["token"].is_string(), "{res}");
        })
        .await;
    assert!(status.success(), "{status:?}");
    println!("gateway stopped {took:?} after SIGTERM");
    assert_json_lines(&lines, "shutting down");
    // The password given at sign-up is nowhere in the logs.
    assert!(lines.iter().all(|l| !l.contains("correct-horse-1")));
}

#[tokio::test]
async fn a_worker_process_logs_json_lines_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (status, took, lines) = run_and_terminate("worker", &["run"], dir.path(), || async {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    })
    .await;
    assert!(status.success(), "{status:?}");
    println!("worker stopped {took:?} after SIGTERM");
    assert_json_lines(&lines, "background worker stopped");
}

/// `/metrics` can be kept off the public port: `METRICS_ADDR` serves it on a listener of
/// its own, and `METRICS_ON_PUBLIC_PORT=false` removes it from the public one.
#[tokio::test]
async fn metrics_can_be_served_on_their_own_listener_only() {
    let addr = format!("127.0.0.1:{}", e2e::free_port());
    let app = TestApp::spawn_with(e2e::Options {
        extra_args: vec![
            "--metrics-addr".into(),
            addr.clone(),
            "--metrics-on-public-port".into(),
            "false".into(),
        ],
        in_process: true,
        ..Default::default()
    })
    .await;
    app.gql(None, "{ me { id } }", json!({})).await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let m = app
        .http()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(m.status(), 200);
    assert!(m.text().await.unwrap().contains("graphql_requests_total"));
}
