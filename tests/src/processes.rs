//! The binaries of this workspace as processes: where they are, starting one as ops
//! would, waiting for it to answer, stopping it; and which flags each binary knows.

use crate::waits::{eventually, secs};
use std::path::PathBuf;

/// Flags of the gateway binary only, each with one value.
const GATEWAY_ONLY_FLAGS: &[&str] = &[
    "--embedded-worker",
    "--discount-tiers",
    "--session-ttl",
    "--totp-encryption-key",
    "--step-up-window",
    "--session-cache-ttl",
    "--list-connections",
    "--webauthn-rp-id",
    "--webauthn-origin",
    "--request-timeout",
    "--listen-addr",
    "--log-format",
    "--environment",
    "--graphiql",
    "--cors-allowed-origins",
    "--max-depth",
    "--max-introspection-depth",
    "--max-complexity",
    "--max-aliases",
    "--max-root-fields",
    "--max-tokens",
    "--max-batch",
    "--max-body-bytes",
    "--rate-limit-ip",
    "--rate-limit-login-email",
    "--rate-limit-login-ip",
    "--rate-limit-reset-email",
    "--rate-limit-reset-ip",
    "--rate-limit-signup-ip",
    "--rate-limit-invites",
    "--rate-limit-link-ip",
    "--rate-limit-users-added",
    "--rate-limit-client-accounts",
    "--rate-limit-user-changes",
    "--rate-limit-bulk-rows",
    "--max-password-hashes-per-request",
    "--resend-interval",
    "--resends-per-day",
    "--metrics-addr",
    "--metrics-on-public-port",
    "--plans",
    "--ws-connections-per-session",
    "--ws-connections-per-user",
    "--ws-connections-per-address",
    "--ws-connections-per-process",
    "--ws-ping-every",
    "--ws-messages-per-second",
    "--ws-subscriptions-per-connection",
    "--ws-buffer",
    "--ws-send-timeout",
    "--ws-session-check",
    "--ws-init-timeout",
];

/// Rate limits high enough that only the tests of rate limits meet them.
pub(crate) const GENEROUS_LIMITS: &[&str] = &[
    "--rate-limit-ip",
    "--rate-limit-login-email",
    "--rate-limit-login-ip",
    "--rate-limit-reset-email",
    "--rate-limit-reset-ip",
    "--rate-limit-signup-ip",
    "--rate-limit-invites",
    "--rate-limit-link-ip",
    "--rate-limit-users-added",
    "--rate-limit-client-accounts",
    "--rate-limit-user-changes",
    "--rate-limit-bulk-rows",
];

pub(crate) fn worker_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if GATEWAY_ONLY_FLAGS.contains(&a.as_str()) {
            it.next();
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// A binary of this workspace, built next to the test binaries.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/debug");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build it first (`cargo build -p gateway -p worker`; scripts/test does)",
        path.display()
    );
    path
}

/// Waits (up to 60 s) until `url/healthz` answers (a process just started).
pub async fn wait_healthy(http: &reqwest::Client, url: &str) {
    eventually(&format!("{url} to come up"), secs(60), async || {
        let answer = http.get(format!("{url}/healthz")).send().await;
        answer.is_ok_and(|r| r.status().is_success())
    })
    .await;
}

/// Starts `bin` of this workspace on its own, as ops would: in `dir` (its `DATA_DIR`),
/// with no database, Redis or SMTP URL from the environment, logging JSON at `rust_log`
/// to `dir/{bin}.log`. Returns the process (killed when dropped) and its log file.
pub fn start_binary(
    bin: &str,
    args: &[&str],
    dir: &std::path::Path,
    rust_log: &str,
) -> (tokio::process::Child, PathBuf) {
    let log = dir.join(format!("{bin}.log"));
    let child = tokio::process::Command::new(binary(bin))
        .args(args)
        .env("DATA_DIR", dir)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", rust_log)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("SMTP_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    (child, log)
}

/// Sends SIGTERM to a child process.
pub fn terminate(child: &tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
}
