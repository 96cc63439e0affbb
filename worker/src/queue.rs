//! The job queue the worker consumes: apalis-sqlite in its own file (embedded default).
//! Queues are named explicitly (APALIS.md §7).

use crate::WorkerError;
use crate::config::WorkerConfig;
use crate::jobs::{CheckPartnerConnect, SendEmail, UpgradeClient};
use apalis::prelude::TaskSink;
use apalis_sqlite::{Config, SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteStorage};
use std::str::FromStr;
use std::time::Duration;

/// A handle for pushing jobs; cheap to clone.
#[derive(Clone, Debug)]
pub struct JobQueue {
    pool: SqlitePool,
}

impl JobQueue {
    /// Opens (creating if needed) the SQLite job queue of `config` and applies its schema.
    pub async fn connect(config: &WorkerConfig) -> Result<Self, WorkerError> {
        let err = |e: apalis_sqlite::SqlxError| WorkerError::Queue(e.to_string());
        let opts = SqliteConnectOptions::from_str(&config.queue_url())
            .map_err(err)?
            .create_if_missing(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(err)?;
        SqliteStorage::setup(&pool)
            .await
            .map_err(|e| WorkerError::Queue(e.to_string()))?;
        Ok(JobQueue { pool })
    }

    /// Storage configuration for one named queue, with heartbeat timings set on purpose:
    /// a job held by a dead worker goes back to the queue after 3 × 5 s.
    pub(crate) fn storage_config(queue: &str) -> Config {
        Config::default()
            .queue(queue)
            .heartbeat_interval(Duration::from_secs(5))
            .missed_heartbeats(3)
            .batch_size(20)
    }

    pub(crate) fn mail_storage(&self) -> SqliteStorage<SendEmail> {
        SqliteStorage::new(&self.pool).with_config(Self::storage_config(SendEmail::QUEUE))
    }

    /// Pushes send jobs in one batch.
    pub async fn push_mail(&self, jobs: Vec<SendEmail>) -> Result<(), WorkerError> {
        self.mail_storage()
            .push_bulk(jobs)
            .await
            .map_err(|e| WorkerError::Queue(e.to_string()))
    }

    pub(crate) fn connect_storage(&self) -> SqliteStorage<CheckPartnerConnect> {
        SqliteStorage::new(&self.pool).with_config(Self::storage_config(CheckPartnerConnect::QUEUE))
    }

    /// Pushes Partner Connect checks.
    pub async fn push_connect(&self, jobs: Vec<CheckPartnerConnect>) -> Result<(), WorkerError> {
        self.connect_storage()
            .push_bulk(jobs)
            .await
            .map_err(|e| WorkerError::Queue(e.to_string()))
    }

    pub(crate) fn upgrade_storage(&self) -> SqliteStorage<UpgradeClient> {
        SqliteStorage::new(&self.pool).with_config(Self::storage_config(UpgradeClient::QUEUE))
    }

    /// Pushes client upgrades.
    pub async fn push_upgrade(&self, jobs: Vec<UpgradeClient>) -> Result<(), WorkerError> {
        self.upgrade_storage()
            .push_bulk(jobs)
            .await
            .map_err(|e| WorkerError::Queue(e.to_string()))
    }

    /// Whether the queue answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), WorkerError> {
        apalis_sqlite::SqlitePool::acquire(&self.pool)
            .await
            .map(drop)
            .map_err(|e| WorkerError::Queue(e.to_string()))
    }
}
