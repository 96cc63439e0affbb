use clap::{Parser, Subcommand};
use std::process::ExitCode;
use worker::{JobQueue, Nudge, WorkerConfig, WorkerRuntime};

/// Background worker of the Partner Dashboard: sends email and runs periodic work.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Consume jobs until SIGINT/SIGTERM.
    Run {
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config } => run(config).await,
        Command::SweepTrials { config } => sweep_trials(config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "worker failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: WorkerConfig) -> Result<(), worker::WorkerError> {
    use sea_orm_migration::MigratorTrait;
    std::fs::create_dir_all(&config.data_dir)?;
    let db = entity::db::connect(&config.database_url(), config.database_max_connections).await?;
    migration::Migrator::up(&db, None).await?;
    let queue = JobQueue::connect(&config).await?;
    let runtime = WorkerRuntime::start(&config, db, queue, Nudge::default()).await?;
    shutdown_signal().await;
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
