use clap::{Parser, Subcommand};
use std::process::ExitCode;
use worker::telemetry::LogFormat;
use worker::{JobQueue, Nudge, WorkerConfig, WorkerRuntime};

/// Background worker of the Partner Dashboard: sends email and runs periodic work.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Log lines as human-readable text or as JSON.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Consume jobs and run the periodic sweep until SIGINT/SIGTERM.
    Run {
        #[command(flatten)]
        config: WorkerConfig,
        /// Serve Prometheus metrics at http://METRICS_ADDR/metrics (off when not set).
        #[arg(long, env = "METRICS_ADDR")]
        metrics_addr: Option<std::net::SocketAddr>,
    },
    /// Import a legacy V1 export (partners, users, clients). Checks the whole file first
    /// and writes nothing if any record is bad; importing the same file again changes
    /// nothing.
    ImportLegacy {
        /// The export, in the partner-legacy-export/1 JSON format.
        file: std::path::PathBuf,
        #[command(flatten)]
        config: WorkerConfig,
    },
    /// List the outbox's deliveries, newest first: id, kind, recipient, status, attempts,
    /// last error and age, as a table or as JSON.
    Deliveries {
        /// Only deliveries in this state.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// Only this kind of email (welcome, invite, set_password, password_reset,
        /// trial_digest, connect_failed).
        #[arg(long)]
        kind: Option<String>,
        /// Only deliveries created within this long (e.g. 1h, 2d).
        #[arg(long, value_parser = entity::parse_duration)]
        since: Option<std::time::Duration>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u64,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        config: WorkerConfig,
    },
    /// Send FAILED deliveries again: puts them back in the outbox with a fresh attempt
    /// count and says how many. One whose link was removed when it failed is not sent
    /// (send a new link from the dashboard instead).
    #[command(group(clap::ArgGroup::new("which").required(true).args(["id", "failed"])))]
    RetryDeliveries {
        /// This delivery.
        #[arg(long)]
        id: Option<i64>,
        /// Every FAILED delivery.
        #[arg(long)]
        failed: bool,
        /// With --failed: only those created within this long (e.g. 1h).
        #[arg(long, requires = "failed", value_parser = entity::parse_duration)]
        since: Option<std::time::Duration>,
        #[command(flatten)]
        config: WorkerConfig,
    },
    /// Run one trial-expiry sweep now and exit.
    SweepTrials {
        #[command(flatten)]
        config: WorkerConfig,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    worker::telemetry::init_tracing(cli.log_format);
    let result = match cli.command {
        Command::Run {
            config,
            metrics_addr,
        } => run(config, metrics_addr).await,
        Command::SweepTrials { config } => sweep_trials(config).await,
        Command::Deliveries {
            status,
            kind,
            since,
            limit,
            json,
            config,
        } => {
            let filter = worker::deliveries::Filter {
                status: status.map(Into::into),
                kind,
                since: since.map(ago),
                limit,
            };
            deliveries(config, filter, json).await
        }
        Command::RetryDeliveries {
            id,
            failed: _,
            since,
            config,
        } => {
            let which = match id {
                Some(id) => entity::delivery::retry::Retry::One(id),
                None => entity::delivery::retry::Retry::AllFailed(since.map(ago)),
            };
            retry_deliveries(config, which).await
        }
        Command::ImportLegacy { file, config } => import_legacy(file, config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("worker: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    config: WorkerConfig,
    metrics_addr: Option<std::net::SocketAddr>,
) -> Result<(), worker::WorkerError> {
    use sea_orm_migration::MigratorTrait;
    if let Some(addr) = metrics_addr {
        worker::telemetry::serve_metrics(addr)?;
    }
    worker::telemetry::spawn_upkeep();
    std::fs::create_dir_all(&config.data_dir)?;
    let db = entity::db::connect(&config.database_url(), config.worker_pool_size()).await?;
    migration::Migrator::up(&db, None).await?;
    let queue = JobQueue::connect(&config).await?;
    let runtime = WorkerRuntime::start(&config, db, queue, Nudge::default()).await?;
    shutdown_signal().await;
    tracing::info!("shutting down: no new jobs; running ones finish");
    runtime.shutdown().await;
    Ok(())
}

async fn sweep_trials(config: WorkerConfig) -> Result<(), worker::WorkerError> {
    use sea_orm_migration::MigratorTrait;
    std::fs::create_dir_all(&config.data_dir)?;
    let db = entity::db::connect(&config.database_url(), 2).await?;
    migration::Migrator::up(&db, None).await?;
    let events = JobQueue::connect(&config).await?.events().clone();
    let report = worker::trials::sweep(&db, &events).await?;
    println!(
        "expired {} trials; queued {} digest emails",
        report.expired, report.digests
    );
    let invites = worker::invite_expiry::sweep(&db, &events).await?;
    println!(
        "reported {} expired invites; queued {} digest emails",
        invites.expired, invites.digests
    );
    let access = worker::access_sweep::sweep(&db, &events).await?;
    println!(
        "expired {} access requests and {} grants; sent {} warnings before grants end",
        access.requests_expired, access.grants_expired, access.warnings
    );
    Ok(())
}

async fn import_legacy(
    file: std::path::PathBuf,
    config: WorkerConfig,
) -> Result<(), worker::WorkerError> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use sea_orm_migration::MigratorTrait;
    use std::io::IsTerminal;
    let started = std::time::Instant::now();
    let text = std::fs::read_to_string(&file)?;
    let partners =
        worker::legacy::parse(&text).map_err(|e| worker::WorkerError::Invalid(e.to_string()))?;
    std::fs::create_dir_all(&config.data_dir)?;
    let db = entity::db::connect(&config.database_url(), 2).await?;
    migration::Migrator::up(&db, None).await?;
    let (new, skipped) = worker::legacy::plan(&db, partners)
        .await
        .map_err(|e| worker::WorkerError::Invalid(e.to_string()))?;
    if new.is_empty() {
        println!(
            "nothing to import: all {skipped} partner(s) in {} were imported before",
            file.display()
        );
        return Ok(());
    }
    let total: u64 = new.iter().map(|p| p.clients.len() as u64).sum();
    let tty = std::io::stderr().is_terminal();
    let bar = ProgressBar::new(total);
    if tty {
        bar.set_style(
            ProgressStyle::with_template(
                "importing clients {bar:40} {human_pos}/{human_len} ({per_sec}, eta {eta})",
            )
            .expect("valid template"),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let mut done = 0u64;
    let mut next_line = 0u64;
    let report = worker::legacy::write(&db, &new, |n| {
        bar.inc(n);
        done += n;
        if !tty && done >= next_line {
            eprintln!("imported {done} of {total} clients");
            next_line = done + (total / 10).max(1);
        }
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "imported {} partner(s), {} user(s), {} client(s) in {:.1} s; {skipped} partner(s) already imported were left as they are",
        report.partners,
        report.users,
        report.clients,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A delivery state as ops type it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StatusArg {
    Pending,
    Queued,
    Sent,
    Failed,
}

impl From<StatusArg> for entity::DeliveryStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Pending => entity::DeliveryStatus::Pending,
            StatusArg::Queued => entity::DeliveryStatus::Queued,
            StatusArg::Sent => entity::DeliveryStatus::Sent,
            StatusArg::Failed => entity::DeliveryStatus::Failed,
        }
    }
}

fn ago(d: std::time::Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// The product database as it is: the ops commands read and mend it, they never migrate
/// it (the gateway and `worker run` do that when they start).
async fn open_db(
    config: &WorkerConfig,
) -> Result<sea_orm::DatabaseConnection, worker::WorkerError> {
    Ok(entity::db::connect(&config.database_url(), 2).await?)
}

fn status_name(s: entity::DeliveryStatus) -> &'static str {
    match s {
        entity::DeliveryStatus::Pending => "PENDING",
        entity::DeliveryStatus::Queued => "QUEUED",
        entity::DeliveryStatus::Sent => "SENT",
        entity::DeliveryStatus::Failed => "FAILED",
    }
}

fn age(since: chrono::DateTime<chrono::Utc>) -> String {
    let s = (chrono::Utc::now() - since).num_seconds().max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

async fn deliveries(
    config: WorkerConfig,
    filter: worker::deliveries::Filter,
    json: bool,
) -> Result<(), worker::WorkerError> {
    let db = open_db(&config).await?;
    let rows = worker::deliveries::list(&db, &filter).await?;
    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|d| {
                serde_json::json!({
                    "id": d.id, "kind": d.kind, "recipient": d.recipient,
                    "status": status_name(d.status), "attempts": d.attempts,
                    "lastError": d.last_error, "createdAt": d.created_at, "sentAt": d.sent_at,
                    "ageSeconds": (chrono::Utc::now() - d.created_at).num_seconds().max(0),
                })
            })
            .collect();
        println!("{}", serde_json::Value::from(out));
        return Ok(());
    }
    println!(
        "{:>8}  {:<15} {:<32} {:<8} {:>8}  {:>5}  LAST ERROR",
        "ID", "KIND", "RECIPIENT", "STATUS", "ATTEMPTS", "AGE"
    );
    for d in &rows {
        let err: String = d
            .last_error
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect();
        let to: String = d.recipient.chars().take(32).collect();
        println!(
            "{:>8}  {:<15} {:<32} {:<8} {:>8}  {:>5}  {err}",
            d.id,
            d.kind,
            to,
            status_name(d.status),
            d.attempts,
            age(d.created_at)
        );
    }
    println!("{} deliveries", rows.len());
    Ok(())
}

async fn retry_deliveries(
    config: WorkerConfig,
    which: entity::delivery::retry::Retry,
) -> Result<(), worker::WorkerError> {
    let db = open_db(&config).await?;
    let r = entity::delivery::retry::retry(&db, config.public_url(), which).await?;
    let events = JobQueue::connect(&config).await?.events().clone();
    let changed: Vec<worker::ClientEvent> = r
        .changed_clients
        .iter()
        .map(|&(partner, client)| worker::ClientEvent::updated(partner, client))
        .collect();
    events.publish(&changed).await;
    if !r.not_failed.is_empty() {
        return Err(worker::WorkerError::Invalid(format!(
            "no FAILED delivery with id {:?}",
            r.not_failed
        )));
    }
    println!(
        "{} FAILED deliveries put back in the outbox to be sent again (with a fresh link where theirs was removed)",
        r.requeued.len()
    );
    if !r.refused.is_empty() {
        println!(
            "{} not sent again (a retry never undoes what was decided since it failed):",
            r.refused.len()
        );
        for (id, why) in &r.refused {
            println!("  delivery {id}: {why}");
        }
    }
    if let entity::delivery::retry::Retry::One(id) = which
        && let Some((_, why)) = r.refused.first()
    {
        return Err(worker::WorkerError::Invalid(format!(
            "delivery {id} was not sent again: {why}"
        )));
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
