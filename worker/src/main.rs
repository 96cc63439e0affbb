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
    let db = entity::db::connect(&config.database_url(), config.database_max_connections).await?;
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
    let report = worker::trials::sweep(&db).await?;
    println!(
        "expired {} trials; queued {} digest emails",
        report.expired, report.digests
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
