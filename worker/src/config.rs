use clap::Args;
use entity::parse_duration;
use std::path::PathBuf;
use std::time::Duration;

/// Settings of the background worker, shared by the `worker` binary and the gateway's
/// embedded worker. Every flag can also be given as the environment variable named in
/// brackets.
/// Links in emails start with this when neither `PUBLIC_URL` nor a gateway's
/// `LISTEN_ADDR` says otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8000";

#[derive(Debug, Clone, Args)]
pub struct WorkerConfig {
    /// Directory for the embedded default: SQLite database, job queue and mail outbox.
    #[arg(long, env = "DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Product database; defaults to a SQLite file in DATA_DIR. `postgres://…` for PostgreSQL.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Largest number of pooled database connections.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 8)]
    pub database_max_connections: u32,

    /// Base URL of the front end, used for every link in emails. Unset: the gateway's
    /// own address (`http://{LISTEN_ADDR}`); for `worker` processes,
    /// http://127.0.0.1:8000.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Sender of every email.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Partner Dashboard <no-reply@partner-dashboard.localhost>"
    )]
    pub mail_from: String,

    /// Where failures that need a person (e.g. a failed Partner Connect) are reported.
    #[arg(
        long,
        env = "SUPPORT_EMAIL",
        default_value = "support@partner-dashboard.localhost"
    )]
    pub support_email: String,

    /// How often the outbox dispatcher looks for mail to hand to the queue when nothing woke it.
    #[arg(long, env = "OUTBOX_POLL_EVERY", default_value = "1s", value_parser = parse_duration)]
    pub outbox_poll_every: Duration,

    /// At most this many emails are in the job queue at once (back-pressure; docs/APALIS.md §1).
    #[arg(long, env = "OUTBOX_MAX_IN_FLIGHT", default_value_t = 200)]
    pub outbox_max_in_flight: u64,

    /// A queued email not sent after this long is handed to the queue again (lost job).
    #[arg(long, env = "OUTBOX_REQUEUE_AFTER", default_value = "5m", value_parser = parse_duration)]
    pub outbox_requeue_after: Duration,

    /// How often an idle worker looks for new jobs in the queue.
    #[arg(long, env = "QUEUE_POLL_EVERY", default_value = "200ms", value_parser = parse_duration)]
    pub queue_poll_every: Duration,

    /// Length of a client's free trial.
    #[arg(long, env = "TRIAL_LENGTH", default_value = "14d", value_parser = parse_duration)]
    pub trial_length: Duration,

    /// How often the trial-expiry sweep runs.
    #[arg(long, env = "TRIAL_SWEEP_EVERY", default_value = "1m", value_parser = parse_duration)]
    pub trial_sweep_every: Duration,

    /// Job queue in Redis (`redis://host:port/db`) instead of the SQLite file in DATA_DIR.
    /// Needed when gateways and workers run as separate processes on several machines.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every queue name (`{ns}.mail`, `{ns}.connect`, `{ns}.upgrade`), so several
    /// deployments can share one Redis.
    #[arg(long, env = "QUEUE_NAMESPACE", default_value = "partner-dashboard")]
    pub queue_namespace: String,

    /// Send mail through this SMTP server instead of writing `.eml` files to
    /// DATA_DIR/outbox: `smtp://host:port` (plain text), `?tls=required` for STARTTLS,
    /// `smtps://` for implicit TLS. Credentials (`user:pass@`) need `smtps://` or
    /// `?tls=required`; `?plain_auth=loopback-only` allows them unencrypted to a relay on
    /// a loopback address.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,

    /// PEM file of certificate authorities trusted for the SMTP server besides the
    /// system's (a relay with a private CA).
    #[arg(long, env = "SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,

    /// Largest number of pooled SMTP connections per worker process.
    #[arg(long, env = "SMTP_POOL_SIZE", default_value_t = 16)]
    pub smtp_pool_size: u32,

    /// Give up on one SMTP send after this long, the wait for a free pooled connection
    /// included (a temporary failure, retried); at most 20s.
    #[arg(long, env = "SMTP_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub smtp_timeout: Duration,

    /// Jobs run at once in this worker process.
    #[arg(long, env = "WORKER_CONCURRENCY", default_value_t = 16)]
    pub worker_concurrency: usize,
}

impl WorkerConfig {
    /// Database connections for `worker run`: `DATABASE_MAX_CONNECTIONS`, raised to one per
    /// job it runs at once plus the dispatcher and the sweeps. A send job that waited for a
    /// connection after the SMTP server's 250 would widen the window in which a killed
    /// worker leaves a sent email unrecorded (and sends it again).
    pub fn worker_pool_size(&self) -> u32 {
        let jobs = u32::try_from(self.worker_concurrency).unwrap_or(u32::MAX);
        self.database_max_connections.max(jobs.saturating_add(4))
    }

    /// The product database URL: DATABASE_URL, or the SQLite file in DATA_DIR.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| entity::db::sqlite_url(&self.data_dir))
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// The SQLite job queue: its own file, since apalis-sqlite turns `synchronous` off.
    pub fn queue_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("jobs.sqlite").display()
        )
    }

    /// The full name of one queue, e.g. `partner-dashboard.mail`.
    pub fn queue_name(&self, kind: &str) -> String {
        format!("{}.{kind}", self.queue_namespace)
    }

    pub fn public_url(&self) -> &str {
        self.public_url
            .as_deref()
            .unwrap_or(DEFAULT_PUBLIC_URL)
            .trim_end_matches('/')
    }
}
