//! The transactional outbox. A service that promises an email calls [`queue_mail`] inside
//! the transaction of its domain change, and one that promises other background work
//! calls `entity::task::record`; the dispatcher later hands due rows of both to the job
//! queue, never more than a bounded number at once ([`OutboxTable`]). The database stays
//! the source of truth: a queue outage or a lost job only delays the work.

use crate::jobs::{CheckPartnerConnect, SendEmail, UpgradeClient};
use crate::queue::JobQueue;
use chrono::Utc;
use entity::delivery::{self, Column, Entity as Delivery};
use entity::{DeliveryStatus, TaskKind, TaskStatus, task};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Wakes the dispatcher of an embedded worker as soon as new mail is committed, so the
/// email leaves at once instead of on the next poll. Cheap to clone; a no-op when no
/// dispatcher listens (separate worker processes poll instead).
#[derive(Clone, Default, Debug)]
pub struct Nudge(Arc<Notify>);

impl Nudge {
    pub fn wake(&self) {
        self.0.notify_one();
    }
    pub async fn woken(&self) {
        self.0.notified().await
    }
}

/// Settings of one dispatcher.
#[derive(Debug, Clone, Copy)]
pub struct DispatchLimits {
    pub max_in_flight: u64,
    pub requeue_after: Duration,
}

/// A table of recorded work the dispatcher hands to the job queue: `deliveries` (email)
/// and `tasks` (every other kind of background work). Both are dispatched by the one
/// `dispatch_table`: rows PENDING and due are claimed (QUEUED, up to the in-flight limit)
/// and pushed as jobs; rows QUEUED for longer than `requeue_after` (their job was lost)
/// go back to PENDING; the job's handler records DONE, FAILED or a retry with backoff.
pub trait OutboxTable: EntityTrait<Model: Sync> + Default {
    type Status: Into<sea_orm::Value> + Copy + Send + Sync;
    const PENDING: Self::Status;
    const QUEUED: Self::Status;
    /// `[id, status, next_attempt_at, queued_at]`.
    const COLUMNS: [Self::Column; 4];
    /// What the rows are, for the log.
    const WHAT: &'static str;

    fn id_of(row: &Self::Model) -> i64;

    /// Pushes one job per claimed row.
    fn push(
        queue: &JobQueue,
        rows: &[Self::Model],
    ) -> impl std::future::Future<Output = Result<(), crate::WorkerError>> + Send;
}

impl OutboxTable for Delivery {
    type Status = DeliveryStatus;
    const PENDING: DeliveryStatus = DeliveryStatus::Pending;
    const QUEUED: DeliveryStatus = DeliveryStatus::Queued;
    const COLUMNS: [Column; 4] = [
        Column::Id,
        Column::Status,
        Column::NextAttemptAt,
        Column::QueuedAt,
    ];
    const WHAT: &'static str = "deliveries";

    fn id_of(row: &delivery::Model) -> i64 {
        row.id
    }

    async fn push(queue: &JobQueue, rows: &[delivery::Model]) -> Result<(), crate::WorkerError> {
        let jobs = rows
            .iter()
            .map(|d| SendEmail { delivery_id: d.id })
            .collect();
        queue.push_mail(jobs).await
    }
}

impl OutboxTable for task::Entity {
    type Status = TaskStatus;
    const PENDING: TaskStatus = TaskStatus::Pending;
    const QUEUED: TaskStatus = TaskStatus::Queued;
    const COLUMNS: [task::Column; 4] = [
        task::Column::Id,
        task::Column::Status,
        task::Column::NextAttemptAt,
        task::Column::QueuedAt,
    ];
    const WHAT: &'static str = "tasks";

    fn id_of(row: &task::Model) -> i64 {
        row.id
    }

    async fn push(queue: &JobQueue, rows: &[task::Model]) -> Result<(), crate::WorkerError> {
        let mut connect = Vec::new();
        let mut upgrade = Vec::new();
        for t in rows {
            match t.kind {
                TaskKind::PartnerConnectCheck => connect.push(CheckPartnerConnect {
                    connection_id: t.subject_id,
                }),
                TaskKind::ClientUpgrade => upgrade.push(UpgradeClient {
                    client_id: t.subject_id,
                }),
            }
        }
        queue.push_connect(connect).await?;
        queue.push_upgrade(upgrade).await
    }
}

/// One pass of the dispatcher over every outbox table (email first). Returns how many
/// rows it handed to the queue. Safe to run from several processes at once: claiming
/// uses `FOR UPDATE SKIP LOCKED` on PostgreSQL and SQLite's single writer on SQLite.
pub async fn dispatch_once(
    db: &DatabaseConnection,
    queue: &JobQueue,
    limits: DispatchLimits,
) -> Result<usize, crate::WorkerError> {
    let mail = dispatch_table::<Delivery>(db, queue, limits).await;
    let tasks = dispatch_table::<task::Entity>(db, queue, limits).await;
    Ok(mail? + tasks?)
}

/// One pass over one table: puts back rows whose job was lost, then claims due rows (up
/// to the in-flight limit) and pushes a job for each.
pub async fn dispatch_table<T: OutboxTable>(
    db: &DatabaseConnection,
    queue: &JobQueue,
    limits: DispatchLimits,
) -> Result<usize, crate::WorkerError> {
    let [id, status, next_attempt_at, queued_at] = T::COLUMNS;
    let now = Utc::now();
    let stale = now - chrono::Duration::from_std(limits.requeue_after).unwrap_or_default();
    let requeued = T::update_many()
        .col_expr(status, Expr::value(T::PENDING))
        .filter(status.eq(T::QUEUED))
        .filter(queued_at.lt(stale))
        .exec(db)
        .await?;
    if requeued.rows_affected > 0 {
        tracing::warn!(
            count = requeued.rows_affected,
            table = T::WHAT,
            "outbox: handing out again work whose job was lost"
        );
    }

    let in_flight = T::find().filter(status.eq(T::QUEUED)).count(db).await?;
    let room = limits.max_in_flight.saturating_sub(in_flight);
    if room == 0 {
        return Ok(0);
    }

    let mut due = Query::select();
    due.column(id)
        .from(T::default())
        .and_where(Expr::col(status).eq(T::PENDING))
        .and_where(Expr::col(next_attempt_at).lte(now))
        .order_by(id, sea_orm::Order::Asc)
        .limit(room);
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let claimed: Vec<T::Model> = T::update_many()
        .col_expr(status, Expr::value(T::QUEUED))
        .col_expr(queued_at, Expr::value(now))
        .filter(id.in_subquery(due))
        .exec_with_returning(db)
        .await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    if let Err(e) = T::push(queue, &claimed).await {
        // Hand them back at once rather than waiting for `requeue_after`.
        let ids: Vec<i64> = claimed.iter().map(T::id_of).collect();
        T::update_many()
            .col_expr(status, Expr::value(T::PENDING))
            .filter(id.is_in(ids))
            .filter(status.eq(T::QUEUED))
            .exec(db)
            .await?;
        return Err(e);
    }
    tracing::debug!(
        count = claimed.len(),
        table = T::WHAT,
        "outbox: handed work to the queue"
    );
    Ok(claimed.len())
}

/// A task's job gives up after this many temporary failures (then FAILED, for ops).
pub const TASK_MAX_ATTEMPTS: i32 = 10;

/// Records how a task's job went: DONE; a temporary failure put back PENDING with
/// exponential backoff (2 s, 4 s, … up to `TASK_MAX_ATTEMPTS`); a permanent one FAILED,
/// with the reason in `last_error` and the log.
pub async fn finish_task(
    db: &DatabaseConnection,
    kind: TaskKind,
    subject_id: i64,
    outcome: &Result<(), crate::WorkerError>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let Some(t) = task::Entity::find()
        .filter(task::Column::Kind.eq(kind))
        .filter(task::Column::SubjectId.eq(subject_id))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    if matches!(t.status, TaskStatus::Done | TaskStatus::Failed) {
        return Ok(());
    }
    let attempts = t.attempts + 1;
    let update = task::Entity::update_many()
        .col_expr(task::Column::Attempts, Expr::value(attempts))
        .filter(task::Column::Id.eq(t.id))
        .filter(task::Column::Status.is_not_in([TaskStatus::Done, TaskStatus::Failed]));
    let update = match outcome {
        Ok(()) => update
            .col_expr(task::Column::Status, Expr::value(TaskStatus::Done))
            .col_expr(task::Column::FinishedAt, Expr::value(now))
            .col_expr(task::Column::LastError, Expr::value(Option::<String>::None)),
        Err(e) if !e.is_permanent() && attempts < TASK_MAX_ATTEMPTS => {
            let backoff = chrono::Duration::seconds(2i64.pow(Ord::min(attempts, 9) as u32));
            tracing::warn!(task_id = t.id, ?kind, attempts, error = %e, "task failed; will retry");
            update
                .col_expr(task::Column::Status, Expr::value(TaskStatus::Pending))
                .col_expr(task::Column::NextAttemptAt, Expr::value(now + backoff))
                .col_expr(task::Column::LastError, Expr::value(e.to_string()))
        }
        Err(e) => {
            tracing::error!(task_id = t.id, ?kind, attempts, error = %e, "task failed for good");
            update
                .col_expr(task::Column::Status, Expr::value(TaskStatus::Failed))
                .col_expr(task::Column::FinishedAt, Expr::value(now))
                .col_expr(task::Column::LastError, Expr::value(e.to_string()))
        }
    };
    update.exec(db).await?;
    Ok(())
}

/// Number of deliveries not yet sent or given up on (for `/metrics` and ops).
pub async fn backlog(db: &DatabaseConnection) -> Result<u64, DbErr> {
    Delivery::find()
        .filter(Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Queued]))
        .count(db)
        .await
}

/// Runs the dispatcher until `shutdown` is cancelled: on every nudge, and every
/// `poll_every` otherwise. Each pass first settles pending password reset requests
/// (which may queue mail), then hands due mail to the queue.
pub async fn run_dispatcher(
    db: DatabaseConnection,
    queue: JobQueue,
    nudge: Nudge,
    poll_every: Duration,
    limits: DispatchLimits,
    public_url: String,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let mut failures = 0u32;
    loop {
        // A request that cannot be settled now never holds mail back: it is logged, and
        // tried again on the next pass.
        let settled = crate::password_reset::settle_pending(&db, &public_url)
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "settling password reset requests failed; will retry");
                0
            });
        match dispatch_once(&db, &queue, limits).await {
            Ok(n) if n + settled > 0 => {
                failures = 0;
                continue; // there may be more due
            }
            Ok(_) => failures = 0,
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::error!(error = %e, failures, "outbox dispatcher pass failed; will retry");
            }
        }
        let wait = if failures > 0 {
            poll_every.max(Duration::from_millis(
                250 * u64::from(Ord::min(failures, 20)),
            ))
        } else {
            poll_every
        };
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = nudge.woken() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    tracing::info!("outbox dispatcher stopped");
}
