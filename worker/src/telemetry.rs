//! Logs and metrics, set up the same way by the gateway and the `worker` binary.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Logs to stderr in `format`, filtered by `RUST_LOG` (default: info, quieter libraries).
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,apalis=warn,apalis_core=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Request latencies are histograms with these buckets (seconds).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
        .expect("latency buckets are not empty")
}

/// The process-wide Prometheus recorder, installed on first use. The gateway renders it
/// at `/metrics`.
pub fn prometheus() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        // Several apps in one process (the tests) share the first recorder.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Installs the recorder and serves it at `http://{addr}/metrics` from this process (the
/// `worker` binary, which has no HTTP server of its own).
pub fn serve_metrics(addr: SocketAddr) -> Result<(), crate::WorkerError> {
    let (recorder, exporter) = builder()
        .with_http_listener(addr)
        .build()
        .map_err(|e| crate::WorkerError::Config(format!("METRICS_ADDR {addr}: {e}")))?;
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|e| crate::WorkerError::Config(format!("metrics recorder: {e}")))?;
    let _ = HANDLE.set(handle);
    tokio::spawn(async move {
        if let Err(e) = exporter.await {
            tracing::error!(error = ?e, "metrics listener stopped");
        }
    });
    tracing::info!(%addr, "metrics at http://{addr}/metrics");
    Ok(())
}

/// Drains histogram samples into their buckets every 5 s, so memory stays flat between
/// scrapes (a recorder built without `install()` does not do it by itself). Once per
/// process; call it from inside the tokio runtime.
pub fn spawn_upkeep() {
    static STARTED: OnceLock<()> = OnceLock::new();
    if STARTED.set(()).is_ok() {
        let handle = prometheus();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                handle.run_upkeep();
            }
        });
    }
}

/// Renders every metric in the Prometheus text format.
pub fn render() -> String {
    let handle = prometheus();
    handle.run_upkeep();
    handle.render()
}
