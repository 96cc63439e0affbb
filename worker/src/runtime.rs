//! Runs the background work of one process: the outbox dispatcher and the apalis workers.

use crate::WorkerError;
use crate::config::WorkerConfig;
use crate::jobs::{CheckPartnerConnect, SendEmail, UpgradeClient};
use crate::mailer::{Mailer, Transport};
use crate::outbox::{self, DispatchLimits, Nudge};
use crate::queue::JobQueue;
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
}

async fn check_partner_connect(
    job: CheckPartnerConnect,
    cx: Data<Arc<JobContext>>,
) -> Result<(), BoxDynError> {
    crate::connect::check(&cx.db, &cx.support_email, job.connection_id)
        .await
        .map_err(Into::into)
}

async fn upgrade_client(job: UpgradeClient, cx: Data<Arc<JobContext>>) -> Result<(), BoxDynError> {
    crate::upgrade::run(&cx.db, &cx.public_url, cx.trial_length, job.client_id)
        .await
        .map(drop)
        .map_err(Into::into)
}

async fn send_email(job: SendEmail, cx: Data<Arc<JobContext>>) -> Result<(), BoxDynError> {
    cx.mailer
        .send_delivery(&cx.db, job.delivery_id)
        .await
        .map_err(Into::into)
}

/// Polls the queue every `every`, re-arming its timer each time. apalis' own interval
/// strategy fires once and then waits for the heartbeat (APALIS.md §2).
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

/// A name no other worker process has, now or later: the in-flight set and orphan
/// recovery are keyed by it (APALIS.md §4).
fn unique_worker_name(role: &str) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{role}-{host}-{}-{}", std::process::id(), &id[..8])
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
        let mailer = Mailer::new(
            Transport::Outbox(config.outbox_dir()),
            &config.mail_from,
            config.public_url(),
        )?;
        let cx = Arc::new(JobContext {
            db: db.clone(),
            mailer,
            support_email: config.support_email.clone(),
            public_url: config.public_url().to_owned(),
            trial_length: config.trial_length,
        });
        let shutdown = CancellationToken::new();
        let mut tasks = Vec::new();

        let limits = DispatchLimits {
            max_in_flight: config.outbox_max_in_flight,
            requeue_after: config.outbox_requeue_after,
        };
        tasks.push(tokio::spawn(outbox::run_dispatcher(
            db,
            queue.clone(),
            nudge,
            config.outbox_poll_every,
            limits,
            shutdown.clone(),
        )));

        let sweep_db = cx.db.clone();
        let sweep_every = config.trial_sweep_every;
        let stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(sweep_every) => {}
                }
                if let Err(e) = crate::trials::sweep(&sweep_db).await {
                    tracing::error!(error = %e, "trial sweep failed; will run again next period");
                }
            }
        }));

        // Partner Connect checks and client upgrades whose job was lost go back to the queue.
        let (rq_db, rq_queue, stop) = (cx.db.clone(), queue.clone(), shutdown.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_secs(10)) => {}
                }
                match crate::connect::requeue_stale(&rq_db, &rq_queue, Duration::from_secs(30))
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(count = n, "re-queued Partner Connect checks"),
                    Err(e) => {
                        tracing::error!(error = %e, "re-queueing Partner Connect checks failed")
                    }
                }
            }
        }));

        let poll_every = config.queue_poll_every;
        let concurrency = config.worker_concurrency.max(1);
        let base_name = unique_worker_name("mail");
        let monitor = Monitor::new()
            .should_restart(|ctx, err| {
                tracing::error!(worker = %ctx.name(), error = %err, restarts = ctx.restarts(), "worker stopped");
                ctx.restarts() < 100
            })
            .register({
                let (queue, cx, base_name) = (queue.clone(), cx.clone(), base_name.clone());
                move |restarts| {
                    WorkerBuilder::new(format!("{base_name}-{restarts}"))
                        .backend(queue.mail_storage().poll_with_strategy(Rearm::new(poll_every)))
                        .data(cx.clone())
                        .concurrency(concurrency)
                        .build(send_email)
                }
            })
            .register({
                let (queue, cx, base_name) = (queue.clone(), cx.clone(), base_name.replacen("mail-", "connect-", 1));
                move |restarts| {
                    WorkerBuilder::new(format!("{base_name}-{restarts}"))
                        .backend(queue.connect_storage().poll_with_strategy(Rearm::new(poll_every)))
                        .data(cx.clone())
                        .concurrency(2)
                        .build(check_partner_connect)
                }
            })
            .register({
                let (queue, cx, base_name) = (queue.clone(), cx.clone(), base_name.replacen("mail-", "upgrade-", 1));
                move |restarts| {
                    WorkerBuilder::new(format!("{base_name}-{restarts}"))
                        .backend(queue.upgrade_storage().poll_with_strategy(Rearm::new(poll_every)))
                        .data(cx.clone())
                        .concurrency(2)
                        .build(upgrade_client)
                }
            })
            .with_terminator(tokio::time::sleep(Duration::from_secs(20)));
        let stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let signal = async move {
                stop.cancelled().await;
                Ok(())
            };
            if let Err(e) = monitor.run_with_signal(signal).await {
                tracing::error!(error = %e, "job workers ended with an error");
            }
        }));
        tracing::info!("background worker started");
        Ok(WorkerRuntime { shutdown, tasks })
    }

    /// Stops taking jobs, lets running ones finish (running jobs get up to 20 s), and waits.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
        tracing::info!("background worker stopped");
    }
}
