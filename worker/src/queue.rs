//! The job queue the workers consume: apalis-sqlite in its own file (the embedded default)
//! or apalis-redis when `REDIS_URL` is set. Queues are named explicitly (docs/APALIS.md §7):
//! `{QUEUE_NAMESPACE}.mail`, `.connect` and `.upgrade`.
//!
//! The database outbox stays the source of truth, so the queue only ever holds a bounded
//! number of jobs (docs/APALIS.md §1) and losing its contents only delays work.

use crate::WorkerError;
use crate::config::WorkerConfig;
use crate::jobs::{CheckPartnerConnect, SendEmail, UpgradeClient};
use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteStorage};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::str::FromStr;
use std::time::Duration;

/// Heartbeat of every Redis worker. An idle Redis worker only looks for new jobs on its
/// heartbeat (docs/APALIS.md §2), so this is also the pickup delay of a job pushed to an idle
/// worker.
pub const REDIS_HEARTBEAT: Duration = Duration::from_secs(1);
/// A Redis worker that missed this many heartbeats is dead: another worker puts its jobs
/// back in the queue (docs/APALIS.md §4), here after 10 s.
pub const REDIS_MISSED_HEARTBEATS: usize = 10;
/// Redis commands that take longer than this fail (and the worker is restarted with
/// backoff) instead of hanging; apalis' own default is 500 ms (docs/APALIS.md §3).
pub const REDIS_RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
enum Store {
    Sqlite(SqlitePool),
    Redis(ConnectionManager),
}

/// A handle for pushing jobs; cheap to clone.
#[derive(Clone)]
pub struct JobQueue {
    store: Store,
    names: QueueNames,
    events: crate::ClientEvents,
    sessions: crate::events::SessionEvents,
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobQueue")
            .field("backend", &self.backend_name())
            .field("names", &self.names)
            .finish()
    }
}

/// The full names of the three queues.
#[derive(Clone, Debug)]
pub struct QueueNames {
    pub mail: String,
    pub connect: String,
    pub upgrade: String,
}

impl QueueNames {
    fn all(&self) -> [&str; 3] {
        [&self.mail, &self.connect, &self.upgrade]
    }
}

fn queue_err(e: impl std::fmt::Display) -> WorkerError {
    WorkerError::Queue(e.to_string())
}

impl JobQueue {
    /// Connects to the queue of `config`: Redis when `REDIS_URL` is set, otherwise the
    /// SQLite file in DATA_DIR (created, with its schema, if needed).
    pub async fn connect(config: &WorkerConfig) -> Result<Self, WorkerError> {
        let names = QueueNames {
            mail: config.queue_name(SendEmail::QUEUE),
            connect: config.queue_name(CheckPartnerConnect::QUEUE),
            upgrade: config.queue_name(UpgradeClient::QUEUE),
        };
        let store = match &config.redis_url {
            Some(url) => Store::Redis(redis_connect(url).await?),
            None => {
                let opts = SqliteConnectOptions::from_str(&config.queue_url())
                    .map_err(queue_err)?
                    .create_if_missing(true)
                    .busy_timeout(Duration::from_secs(30));
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts)
                    .await
                    .map_err(queue_err)?;
                SqliteStorage::setup(&pool).await.map_err(queue_err)?;
                Store::Sqlite(pool)
            }
        };
        let (events, sessions) = match (&store, &config.redis_url) {
            (Store::Redis(conn), Some(url)) => (
                crate::ClientEvents::redis(url, conn.clone(), &config.queue_namespace),
                crate::events::SessionEvents::redis(url, conn.clone(), &config.queue_namespace),
            ),
            _ => (
                crate::ClientEvents::in_process(),
                crate::events::SessionEvents::in_process(),
            ),
        };
        Ok(JobQueue {
            store,
            names,
            events,
            sessions,
        })
    }

    /// `"redis"` or `"sqlite"`.
    pub fn backend_name(&self) -> &'static str {
        match self.store {
            Store::Sqlite(_) => "sqlite",
            Store::Redis(_) => "redis",
        }
    }

    /// The Redis connection, when the queue is in Redis (shared with other Redis users
    /// such as the gateway's rate limits).
    pub fn redis_connection(&self) -> Option<ConnectionManager> {
        match &self.store {
            Store::Redis(c) => Some(c.clone()),
            Store::Sqlite(_) => None,
        }
    }

    /// Where changes to clients are published: the same Redis as the queue, or this
    /// process (`crate::events`).
    pub fn events(&self) -> &crate::ClientEvents {
        &self.events
    }

    /// Where ended and changed sessions are published, beside [`JobQueue::events`].
    pub fn sessions(&self) -> &crate::events::SessionEvents {
        &self.sessions
    }

    pub fn names(&self) -> &QueueNames {
        &self.names
    }

    /// Storage configuration for one named queue on SQLite, with heartbeat timings set on
    /// purpose: a job held by a dead worker goes back to the queue after 3 × 5 s.
    fn sqlite_config(queue: &str) -> apalis_sqlite::Config {
        apalis_sqlite::Config::default()
            .queue(queue)
            .heartbeat_interval(Duration::from_secs(5))
            .missed_heartbeats(3)
            .batch_size(20)
    }

    /// Storage configuration for one named queue on Redis (timings above).
    fn redis_config(queue: &str) -> apalis_redis::Config {
        apalis_redis::Config::default()
            .queue(queue)
            .heartbeat_interval(REDIS_HEARTBEAT)
            .missed_heartbeats(REDIS_MISSED_HEARTBEATS)
            .batch_size(20)
    }

    pub(crate) fn sqlite_storage<T>(&self, queue: &str) -> Option<SqliteStorage<T>> {
        match &self.store {
            Store::Sqlite(pool) => {
                Some(SqliteStorage::new(pool).with_config(Self::sqlite_config(queue)))
            }
            Store::Redis(_) => None,
        }
    }

    pub(crate) fn redis_storage<T>(&self, queue: &str) -> Option<RedisStorage<T>> {
        match &self.store {
            Store::Redis(conn) => {
                Some(RedisStorage::new(conn.clone()).with_config(Self::redis_config(queue)))
            }
            Store::Sqlite(_) => None,
        }
    }

    async fn push<T>(&self, queue: &str, jobs: Vec<T>) -> Result<(), WorkerError>
    where
        T: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static,
    {
        if jobs.is_empty() {
            return Ok(());
        }
        let n = jobs.len() as u64;
        match &self.store {
            Store::Sqlite(pool) => SqliteStorage::<T>::new(pool)
                .with_config(Self::sqlite_config(queue))
                .push_bulk(jobs)
                .await
                .map_err(queue_err)?,
            Store::Redis(conn) => RedisStorage::<T>::new(conn.clone())
                .with_config(Self::redis_config(queue))
                .push_bulk(jobs)
                .await
                .map_err(queue_err)?,
        }
        metrics::counter!("jobs_pushed_total", "queue" => queue.to_owned()).increment(n);
        Ok(())
    }

    /// Pushes send jobs in one batch.
    pub async fn push_mail(&self, jobs: Vec<SendEmail>) -> Result<(), WorkerError> {
        self.push(&self.names.mail, jobs).await
    }

    /// Pushes Partner Connect checks.
    pub async fn push_connect(&self, jobs: Vec<CheckPartnerConnect>) -> Result<(), WorkerError> {
        self.push(&self.names.connect, jobs).await
    }

    /// Pushes client upgrades.
    pub async fn push_upgrade(&self, jobs: Vec<UpgradeClient>) -> Result<(), WorkerError> {
        self.push(&self.names.upgrade, jobs).await
    }

    /// Whether the queue answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), WorkerError> {
        match &self.store {
            Store::Sqlite(pool) => pool.acquire().await.map(drop).map_err(queue_err),
            Store::Redis(conn) => {
                let mut conn = conn.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .map(drop)
                    .map_err(queue_err)
            }
        }
    }

    /// Deletes finished jobs, which neither backend removes by itself (docs/APALIS.md §6):
    /// on Redis every job in a queue's `done` set, with its data and metadata; on SQLite
    /// jobs done more than an hour ago. Jobs waiting, running or retrying are never
    /// touched, and dead jobs are left for ops to look at. Returns how many were deleted.
    pub async fn trim_finished(&self) -> Result<u64, WorkerError> {
        let mut deleted = 0u64;
        match &self.store {
            Store::Sqlite(pool) => {
                let res = sqlx::query(
                    "DELETE FROM Jobs WHERE status = 'Done' AND done_at < strftime('%s', 'now') - 3600",
                )
                .execute(pool)
                .await
                .map_err(queue_err)?;
                deleted += res.rows_affected();
            }
            Store::Redis(conn) => {
                let mut conn = conn.clone();
                for queue in self.names.all() {
                    loop {
                        let ids: Vec<String> = redis::cmd("SPOP")
                            .arg(format!("{queue}:done"))
                            .arg(500)
                            .query_async(&mut conn)
                            .await
                            .map_err(queue_err)?;
                        if ids.is_empty() {
                            break;
                        }
                        let mut pipe = redis::pipe();
                        pipe.cmd("HDEL")
                            .arg(format!("{queue}:data"))
                            .arg(&ids)
                            .ignore();
                        pipe.cmd("HDEL")
                            .arg(format!("{queue}:meta:result"))
                            .arg(&ids)
                            .ignore();
                        let metas: Vec<String> =
                            ids.iter().map(|id| format!("{queue}:meta:{id}")).collect();
                        pipe.cmd("DEL").arg(&metas).ignore();
                        pipe.query_async::<()>(&mut conn).await.map_err(queue_err)?;
                        deleted += ids.len() as u64;
                    }
                }
            }
        }
        Ok(deleted)
    }

    /// Deletes every job waiting in this namespace's queues (not the running ones): what a
    /// Redis restart without persistence does to them. Nothing is lost by it: the outbox
    /// hands the work out again after `OUTBOX_REQUEUE_AFTER`. For ops clearing a queue
    /// that holds jobs they cannot trust, and for the tests that lose jobs on purpose.
    /// Returns how many were deleted.
    pub async fn discard_waiting(&self) -> Result<u64, WorkerError> {
        let mut deleted = 0u64;
        match &self.store {
            Store::Sqlite(pool) => {
                for queue in self.names.all() {
                    let res =
                        sqlx::query("DELETE FROM Jobs WHERE job_type = ? AND status = 'Pending'")
                            .bind(queue)
                            .execute(pool)
                            .await
                            .map_err(queue_err)?;
                    deleted += res.rows_affected();
                }
            }
            Store::Redis(conn) => {
                let mut conn = conn.clone();
                for queue in self.names.all() {
                    let (active, scheduled): (Vec<String>, Vec<String>) = redis::pipe()
                        .cmd("LRANGE")
                        .arg(format!("{queue}:active"))
                        .arg(0)
                        .arg(-1)
                        .cmd("ZRANGE")
                        .arg(format!("{queue}:scheduled"))
                        .arg(0)
                        .arg(-1)
                        .query_async(&mut conn)
                        .await
                        .map_err(queue_err)?;
                    let ids: Vec<String> = active.into_iter().chain(scheduled).collect();
                    if ids.is_empty() {
                        continue;
                    }
                    let mut pipe = redis::pipe();
                    pipe.cmd("DEL")
                        .arg(format!("{queue}:active"))
                        .arg(format!("{queue}:scheduled"))
                        .ignore();
                    pipe.cmd("HDEL")
                        .arg(format!("{queue}:data"))
                        .arg(&ids)
                        .ignore();
                    pipe.query_async::<()>(&mut conn).await.map_err(queue_err)?;
                    deleted += ids.len() as u64;
                }
            }
        }
        Ok(deleted)
    }

    /// Jobs waiting in each queue (for `/metrics`): Redis' active list plus scheduled
    /// retries; SQLite's pending rows.
    pub async fn depths(&self) -> Result<Vec<(String, u64)>, WorkerError> {
        let mut out = Vec::new();
        match &self.store {
            Store::Sqlite(pool) => {
                for queue in self.names.all() {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM Jobs WHERE job_type = ? AND status = 'Pending'",
                    )
                    .bind(queue)
                    .fetch_one(pool)
                    .await
                    .map_err(queue_err)?;
                    out.push((queue.to_owned(), n.max(0) as u64));
                }
            }
            Store::Redis(conn) => {
                let mut conn = conn.clone();
                for queue in self.names.all() {
                    let (active, scheduled): (u64, u64) = redis::pipe()
                        .cmd("LLEN")
                        .arg(format!("{queue}:active"))
                        .cmd("ZCARD")
                        .arg(format!("{queue}:scheduled"))
                        .query_async(&mut conn)
                        .await
                        .map_err(queue_err)?;
                    out.push((queue.to_owned(), active + scheduled));
                }
            }
        }
        Ok(out)
    }
}

/// A Redis connection that reconnects by itself, with timeouts longer than apalis' own
/// (docs/APALIS.md §3). Fails if Redis cannot be reached now.
async fn redis_connect(url: &str) -> Result<ConnectionManager, WorkerError> {
    let client =
        redis::Client::open(url).map_err(|e| WorkerError::Config(format!("REDIS_URL: {e}")))?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(REDIS_RESPONSE_TIMEOUT))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_secs(1));
    client
        .get_connection_manager_with_config(config)
        .await
        .map_err(queue_err)
}
