//! The transactional outbox. A service that promises an email calls [`queue_mail`] inside
//! the transaction of its domain change; the dispatcher later hands due deliveries to the
//! job queue, never more than a bounded number at once. The database stays the source of
//! truth: a queue outage or a lost job only delays mail.

use crate::jobs::SendEmail;
use crate::mail::Mail;
use crate::queue::JobQueue;
use chrono::Utc;
use entity::DeliveryStatus;
use entity::delivery::{self, ActiveModel, Column, Entity as Delivery};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter,
};
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

/// Records `email` for delivery. Call it with the transaction of the domain change that
/// promises the email, so both commit or neither does. Returns the delivery id.
pub async fn queue_mail<C: ConnectionTrait>(conn: &C, email: &Mail) -> Result<i64, DbErr> {
    let now = Utc::now();
    let payload = serde_json::to_string(email).map_err(|e| DbErr::Custom(e.to_string()))?;
    let row = ActiveModel {
        kind: Set(email.kind().to_owned()),
        recipient: Set(email.recipient().to_owned()),
        payload: Set(payload),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        queued_at: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    let res = Delivery::insert(row).exec(conn).await?;
    Ok(res.last_insert_id)
}

/// Settings of one dispatcher.
#[derive(Debug, Clone, Copy)]
pub struct DispatchLimits {
    pub max_in_flight: u64,
    pub requeue_after: Duration,
}

/// One pass of the dispatcher: returns the deliveries put back after a lost job, then
/// claims due deliveries (up to the in-flight limit) and pushes a send job for each.
/// Safe to run from several processes at once: claiming uses `FOR UPDATE SKIP LOCKED` on
/// PostgreSQL and SQLite's single writer on SQLite.
pub async fn dispatch_once(
    db: &DatabaseConnection,
    queue: &JobQueue,
    limits: DispatchLimits,
) -> Result<usize, crate::WorkerError> {
    let now = Utc::now();
    let stale = now - chrono::Duration::from_std(limits.requeue_after).unwrap_or_default();
    let requeued = Delivery::update_many()
        .col_expr(Column::Status, Expr::value(DeliveryStatus::Pending))
        .filter(Column::Status.eq(DeliveryStatus::Queued))
        .filter(Column::QueuedAt.lt(stale))
        .exec(db)
        .await?;
    if requeued.rows_affected > 0 {
        tracing::warn!(
            count = requeued.rows_affected,
            "outbox: re-dispatching deliveries whose job was lost"
        );
    }

    let in_flight = Delivery::find()
        .filter(Column::Status.eq(DeliveryStatus::Queued))
        .count(db)
        .await?;
    let room = limits.max_in_flight.saturating_sub(in_flight);
    if room == 0 {
        return Ok(0);
    }

    let mut due = Query::select();
    due.column(Column::Id)
        .from(Delivery)
        .and_where(Expr::col(Column::Status).eq(DeliveryStatus::Pending))
        .and_where(Expr::col(Column::NextAttemptAt).lte(now))
        .order_by(Column::Id, sea_orm::Order::Asc)
        .limit(room);
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let claimed: Vec<delivery::Model> = Delivery::update_many()
        .col_expr(Column::Status, Expr::value(DeliveryStatus::Queued))
        .col_expr(Column::QueuedAt, Expr::value(now))
        .filter(Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let jobs: Vec<SendEmail> = claimed
        .iter()
        .map(|d| SendEmail { delivery_id: d.id })
        .collect();
    if let Err(e) = queue.push_mail(jobs).await {
        // Hand them back at once rather than waiting for `requeue_after`.
        let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
        Delivery::update_many()
            .col_expr(Column::Status, Expr::value(DeliveryStatus::Pending))
            .filter(Column::Id.is_in(ids))
            .filter(Column::Status.eq(DeliveryStatus::Queued))
            .exec(db)
            .await?;
        return Err(e);
    }
    tracing::debug!(
        count = claimed.len(),
        "outbox: handed deliveries to the queue"
    );
    Ok(claimed.len())
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
