//! Request metrics per GraphQL operation, and `/metrics`.
//!
//! An operation is labelled by its type and its first root field (`query` / `clients`),
//! as `crate::limits::operation::labels` names it.

/// Counts one answered operation and its latency.
pub fn record(labels: &(&'static str, String), ok: bool, seconds: f64) {
    let (ty, name) = labels;
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("graphql_requests_total", "type" => *ty, "operation" => name.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("graphql_request_duration_seconds", "type" => *ty, "operation" => name.clone())
        .record(seconds);
}
