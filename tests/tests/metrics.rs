//! `/metrics` (Prometheus text). Its own test binary: metrics are per process, so no other
//! test may run in this one.

use e2e::{TestApp, eventually_every, secs};
use std::time::Duration;

async fn text(app: &TestApp, url: &str) -> String {
    app.http()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the first sample of `metric` whose labels include every one of `labels`.
fn sample(metrics: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")) || l.starts_with(&format!("{metric} ")))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn metrics_count_operations_jobs_and_mail() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    app.gql(None, "{ me { id } }", serde_json::json!({})).await;
    app.gql(None, "{ nope }", serde_json::json!({})).await;
    app.wait_for_mail("rosa@ledgerline.example", "Welcome")
        .await;

    // Every gateway counts what it answered (in scale-out mode each took some requests).
    let mut sign_ups = 0.0;
    let mut invalid = 0.0;
    for url in app.next_url_all() {
        let m = text(&app, &format!("{url}/metrics")).await;
        sign_ups += sample(
            &m,
            "graphql_requests_total",
            &[
                "operation=\"signUp\"",
                "outcome=\"ok\"",
                "type=\"mutation\"",
            ],
        )
        .unwrap_or(0.0);
        invalid += sample(&m, "graphql_requests_total", &["type=\"invalid\""]).unwrap_or(0.0);
        assert!(m.contains("graphql_request_duration_seconds_bucket"), "{m}");
    }
    assert_eq!(sign_ups, 1.0, "one signUp");
    assert_eq!(invalid, 1.0, "one query the schema does not have");

    // Jobs and mail are counted where the worker runs: the gateway process, or the
    // worker processes in scale-out mode. The metric is process-wide, so at least one.
    let sources = if app.worker_metrics.is_empty() {
        vec![format!("{}/metrics", app.url)]
    } else {
        app.worker_metrics.clone()
    };
    let what = "a mail job, a sent welcome and the backlog gauge in the metrics";
    eventually_every(what, secs(15), Duration::from_millis(200), async || {
        let (mut jobs, mut sent, mut backlog) = (0.0, 0.0, false);
        for src in &sources {
            let m = text(&app, src).await;
            jobs += sample(&m, "jobs_total", &["queue=\"mail\"", "outcome=\"ok\""]).unwrap_or(0.0);
            sent += sample(&m, "emails_sent_total", &["kind=\"welcome\""]).unwrap_or(0.0);
            backlog |= sample(&m, "outbox_backlog", &[]).is_some();
        }
        if jobs >= 1.0 && sent >= 1.0 && backlog {
            Ok(())
        } else {
            Err(format!("jobs {jobs}, sent {sent}, backlog gauge {backlog}"))
        }
    })
    .await;
}
