//! Runs the background work of one process: the outbox dispatcher and the apalis workers.

use crate::WorkerError;
use crate::config::WorkerConfig;
use crate::jobs::{CheckPartnerConnect, SendEmail, UpgradeClient};
use crate::mail::{Mailer, Transport};
use crate::outbox::{self, DispatchLimits, Nudge};
use crate::queue::JobQueue;
use apalis::prelude::AbortError;
use apalis::prelude::*;
use sea_orm::DatabaseConnection;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What every job handler gets.
#[derive(Debug)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub support_email: String,
    pub public_url: String,
    pub trial_length: Duration,
    /// Where committed changes to clients are published (`crate::events`).
    pub events: crate::ClientEvents,
}

/// Counts a job's outcome and tells the queue what to do with a failure: retry it
/// (the backend's retries; the outbox is the real safety net) or,
/// for a failure that cannot get better, abort it at once (docs/APALIS.md §5).
fn outcome(queue: &'static str, result: Result<(), WorkerError>) -> Result<(), BoxDynError> {
    let (label, result) = match result {
        Ok(()) => ("ok", Ok(())),
        Err(e) if e.is_permanent() => {
            tracing::error!(queue, error = %e, "job failed for good; not retrying");
            ("aborted", Err(AbortError::new(e).into()))
        }
        Err(e) => {
            tracing::warn!(queue, error = %e, "job failed; the queue will retry it");
            ("error", Err(e.into()))
        }
    };
    metrics::counter!("jobs_total", "queue" => queue, "outcome" => label).increment(1);
    result
}

/// Runs a task's job and records its outcome in `tasks` (DONE, a retry with backoff, or
/// FAILED): the outbox, not the queue backend, retries background work. Only a failure
/// to record the outcome goes back to the queue.
async fn run_task(
    queue: &'static str,
    db: &DatabaseConnection,
    kind: entity::TaskKind,
    subject_id: i64,
    work: Result<(), WorkerError>,
) -> Result<(), BoxDynError> {
    let recorded = outbox::finish_task(db, kind, subject_id, &work)
        .await
        .map_err(WorkerError::from);
    let label = match (&work, &recorded) {
        (_, Err(_)) => "error",
        (Ok(()), _) => "ok",
        (Err(e), _) if e.is_permanent() => "aborted",
        (Err(_), _) => "retried",
    };
    metrics::counter!("jobs_total", "queue" => queue, "outcome" => label).increment(1);
    recorded.map_err(Into::into)
}

async fn check_partner_connect(
    job: CheckPartnerConnect,
    cx: Data<Arc<JobContext>>,
) -> Result<(), BoxDynError> {
    let work = crate::connect::check(&cx.db, &cx.support_email, job.connection_id)
        .await
        .map_err(Into::into);
    run_task(
        CheckPartnerConnect::QUEUE,
        &cx.db,
        entity::TaskKind::PartnerConnectCheck,
        job.connection_id,
        work,
    )
    .await
}

async fn upgrade_client(job: UpgradeClient, cx: Data<Arc<JobContext>>) -> Result<(), BoxDynError> {
    let work = crate::upgrade::run(
        &cx.db,
        &cx.events,
        &cx.public_url,
        cx.trial_length,
        job.client_id,
    )
    .await
    .map(drop);
    run_task(
        UpgradeClient::QUEUE,
        &cx.db,
        entity::TaskKind::ClientUpgrade,
        job.client_id,
        work,
    )
    .await
}

async fn send_email(job: SendEmail, cx: Data<Arc<JobContext>>) -> Result<(), BoxDynError> {
    let r = cx.mailer.send_delivery(&cx.db, job.delivery_id).await;
    outcome(SendEmail::QUEUE, r)
}

/// Polls the queue every `every`, re-arming its timer each time. apalis' own interval
/// strategy fires once and then waits for the heartbeat (docs/APALIS.md §2).
struct Rearm {
    every: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Rearm {
    fn new(every: Duration) -> Self {
        Rearm {
            every,
            sleep: Box::pin(tokio::time::sleep(every)),
        }
    }
}

impl PollStrategy for Rearm {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                let next = tokio::time::Instant::now() + self.every;
                self.sleep.as_mut().reset(next);
                // Register the waker for the next tick now, or nobody polls us again.
                let _ = self.sleep.as_mut().poll(cx);
                Poll::Ready(Some(()))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// When a periodic task first runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Now,
    AfterOnePeriod,
}

/// Runs `pass` every `period` until `stop` is cancelled: the one shape of the runtime's
/// periodic work (the trial sweep, re-queueing lost checks, queue upkeep). A pass that
/// fails logs and waits for the next period; it never ends the loop.
fn every<F, Fut>(
    period: Duration,
    start: Start,
    stop: tokio_util::sync::CancellationToken,
    mut pass: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        if start == Start::Now {
            pass().await;
        }
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(period) => {}
            }
            pass().await;
        }
    })
}

/// A name no other worker process has, now or later: the in-flight set and orphan
/// recovery are keyed by it (docs/APALIS.md §4).
fn unique_worker_name(role: &str) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{role}-{host}-{}-{}", std::process::id(), &id[..8])
}

/// Runs one queue's consumer until `stop`, starting it again whenever it ends on its own:
/// apalis workers do not reconnect, and a Redis restart ends them (docs/APALIS.md §3). Each
/// start gets a new worker name (a same-name restart is refused, docs/APALIS.md §4) and waits
/// with exponential backoff (0.5 s up to 30 s) after quick failures.
async fn supervise<F, Fut, E>(
    queue: String,
    role: &'static str,
    stop: CancellationToken,
    mut run: F,
) where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut failures = 0u32;
    loop {
        let name = unique_worker_name(role);
        let started = tokio::time::Instant::now();
        tracing::debug!(queue, worker = %name, "starting job worker");
        let result = run(name.clone()).await;
        if stop.is_cancelled() {
            break;
        }
        match result {
            Ok(()) => tracing::warn!(queue, worker = %name, "job worker ended; starting it again"),
            Err(e) => {
                tracing::error!(queue, worker = %name, error = %e, "job worker failed; starting it again")
            }
        }
        metrics::counter!("worker_restarts_total", "queue" => queue.clone()).increment(1);
        if started.elapsed() > Duration::from_secs(60) {
            failures = 0;
        }
        let backoff = Duration::from_millis(500 * 2u64.pow(Ord::min(failures, 6)))
            .min(Duration::from_secs(30));
        failures = failures.saturating_add(1);
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(backoff) => {}
        }
    }
}

/// Spawns the supervised consumer of one queue, on whichever backend the queue uses.
macro_rules! spawn_consumer {
    ($queue:expr, $qname:expr, $role:expr, $job:ty, $handler:expr, $concurrency:expr, $cx:expr, $poll:expr, $stop:expr) => {{
        let queue: JobQueue = $queue.clone();
        let cx: Arc<JobContext> = $cx.clone();
        let stop: CancellationToken = $stop.clone();
        let qname: String = $qname.clone();
        let concurrency: usize = $concurrency;
        let poll: Duration = $poll;
        tokio::spawn(supervise(
            qname.clone(),
            $role,
            stop.clone(),
            move |worker_name: String| {
                let (queue, cx, stop, qname) =
                    (queue.clone(), cx.clone(), stop.clone(), qname.clone());
                async move {
                    let signal = async move {
                        stop.cancelled().await;
                        Ok::<(), std::io::Error>(())
                    };
                    if let Some(storage) = queue.sqlite_storage::<$job>(&qname) {
                        WorkerBuilder::new(worker_name)
                            .backend(storage.poll_with_strategy(Rearm::new(poll)))
                            .data(cx)
                            .concurrency(concurrency)
                            .build($handler)
                            .run_until(signal)
                            .await
                            .map_err(|e| e.to_string())
                    } else if let Some(storage) = queue.redis_storage::<$job>(&qname) {
                        WorkerBuilder::new(worker_name)
                            .backend(storage)
                            .data(cx)
                            .concurrency(concurrency)
                            .build($handler)
                            .run_until(signal)
                            .await
                            .map_err(|e| e.to_string())
                    } else {
                        Err("no job queue".to_owned())
                    }
                }
            },
        ))
    }};
}

/// How long a shutdown waits for running jobs.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// What every job needs, from configuration.
fn job_context(
    config: &WorkerConfig,
    db: DatabaseConnection,
    queue: &JobQueue,
) -> Result<JobContext, WorkerError> {
    let transport = Transport::from_config(
        config.smtp_url.as_deref(),
        config.smtp_ca_file.as_deref(),
        config.smtp_pool_size,
        config.smtp_timeout,
        config.outbox_dir(),
    )?;
    let mailer = Mailer::new(
        transport,
        &config.mail_from,
        config.public_url(),
        config.trial_length,
    )?;
    Ok(JobContext {
        db,
        mailer,
        support_email: config.support_email.clone(),
        public_url: config.public_url().to_owned(),
        trial_length: config.trial_length,
        events: queue.events().clone(),
    })
}

/// The trial, invite and access sweeps, every `period`.
fn sweeps(period: Duration, cx: &Arc<JobContext>, shutdown: CancellationToken) -> JoinHandle<()> {
    let (db, events) = (cx.db.clone(), cx.events.clone());
    every(period, Start::AfterOnePeriod, shutdown, move || {
        let (db, events) = (db.clone(), events.clone());
        async move {
            if let Err(e) = crate::trials::sweep(&db, &events).await {
                tracing::error!(error = %e, "trial sweep failed; will run again next period");
            }
            if let Err(e) = crate::invite_expiry::sweep(&db, &events).await {
                tracing::error!(error = %e, "invite sweep failed; will run again next period");
            }
            if let Err(e) = crate::access_sweep::sweep(&db, &events).await {
                tracing::error!(error = %e, "access sweep failed; will run again next period");
            }
        }
    })
}

/// Every 10 s: finished jobs are deleted, and queue depths and the outbox backlog measured.
fn upkeep(cx: &Arc<JobContext>, queue: &JobQueue, shutdown: CancellationToken) -> JoinHandle<()> {
    let (db, queue) = (cx.db.clone(), queue.clone());
    every(Duration::from_secs(10), Start::Now, shutdown, move || {
        let (db, queue) = (db.clone(), queue.clone());
        async move {
            match queue.trim_finished().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(count = n, "deleted finished jobs from the queue"),
                Err(e) => tracing::warn!(error = %e, "could not delete finished jobs"),
            }
            if let Ok(depths) = queue.depths().await {
                for (name, n) in depths {
                    metrics::gauge!("queue_depth", "queue" => name).set(n as f64);
                }
            }
            if let Ok(n) = outbox::backlog(&db).await {
                metrics::gauge!("outbox_backlog").set(n as f64);
            }
        }
    })
}

/// The consumers of the three queues: mail (`WORKER_CONCURRENCY` at once), Partner
/// Connect checks and upgrades (2 each).
fn consumers(
    config: &WorkerConfig,
    queue: &JobQueue,
    cx: &Arc<JobContext>,
    shutdown: &CancellationToken,
) -> Vec<JoinHandle<()>> {
    let poll_every = config.queue_poll_every;
    let concurrency = config.worker_concurrency.max(1);
    let names = queue.names().clone();
    let (queue, cx, shutdown) = (queue.clone(), cx.clone(), shutdown.clone());
    vec![
        spawn_consumer!(
            queue,
            names.mail,
            "mail",
            SendEmail,
            send_email,
            concurrency,
            cx,
            poll_every,
            shutdown
        ),
        spawn_consumer!(
            queue,
            names.connect,
            "connect",
            CheckPartnerConnect,
            check_partner_connect,
            2,
            cx,
            poll_every,
            shutdown
        ),
        spawn_consumer!(
            queue,
            names.upgrade,
            "upgrade",
            UpgradeClient,
            upgrade_client,
            2,
            cx,
            poll_every,
            shutdown
        ),
    ]
}

/// The background work running in this process.
pub struct WorkerRuntime {
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerRuntime {
    /// Starts the dispatcher and the workers. `nudge` is woken by the gateway after it
    /// commits mail, when the worker is embedded.
    pub async fn start(
        config: &WorkerConfig,
        db: DatabaseConnection,
        queue: JobQueue,
        nudge: Nudge,
    ) -> Result<Self, WorkerError> {
        let cx = Arc::new(job_context(config, db.clone(), &queue)?);
        let shutdown = CancellationToken::new();
        let limits = DispatchLimits {
            max_in_flight: config.outbox_max_in_flight,
            requeue_after: config.outbox_requeue_after,
        };
        let mut tasks = vec![
            tokio::spawn(outbox::run_dispatcher(
                db,
                queue.clone(),
                nudge,
                config.outbox_poll_every,
                limits,
                config.public_url().to_owned(),
                shutdown.clone(),
            )),
            sweeps(config.trial_sweep_every, &cx, shutdown.clone()),
            upkeep(&cx, &queue, shutdown.clone()),
        ];
        tasks.extend(consumers(config, &queue, &cx, &shutdown));
        tracing::info!(
            queue = queue.backend_name(),
            mail = cx.mailer.transport.name(),
            "background worker started"
        );
        Ok(WorkerRuntime { shutdown, tasks })
    }

    /// Stops taking jobs, lets running ones finish, and waits, for at most
    /// [`SHUTDOWN_GRACE`]: a job still running then is left to orphan recovery (its
    /// delivery claim expires and the outbox hands it out again).
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let aborts: Vec<_> = self.tasks.iter().map(|t| t.abort_handle()).collect();
        let all = futures::future::join_all(self.tasks);
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            tracing::warn!(grace = ?SHUTDOWN_GRACE, "jobs still running at the end of the shutdown grace period; leaving them to be retried");
            for a in aborts {
                a.abort();
            }
        }
        tracing::info!("background worker stopped");
    }
}
