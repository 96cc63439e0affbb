//! Dead mail for ops (SPEC §9): the outbox's deliveries listed by status, kind and age,
//! and FAILED ones handed back to the outbox to be sent again (`worker deliveries`,
//! `worker retry-deliveries`).

use chrono::{DateTime, Utc};
use entity::DeliveryStatus;
use entity::delivery::{self, Column, Entity as Delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Which deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<DeliveryStatus>,
    /// The template, e.g. `invite`.
    pub kind: Option<String>,
    /// Created at or after this instant.
    pub since: Option<DateTime<Utc>>,
    pub limit: u64,
}

/// Deliveries matching `filter`, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
) -> Result<Vec<delivery::Model>, DbErr> {
    let mut q = Delivery::find();
    if let Some(s) = filter.status {
        q = q.filter(Column::Status.eq(s));
    }
    if let Some(k) = &filter.kind {
        q = q.filter(Column::Kind.eq(k.as_str()));
    }
    if let Some(t) = filter.since {
        q = q.filter(Column::CreatedAt.gte(t));
    }
    q.order_by_desc(Column::Id)
        .limit(filter.limit.max(1))
        .all(db)
        .await
}

/// Which FAILED deliveries to send again.
#[derive(Debug, Clone, Copy)]
pub enum Retry {
    One(i64),
    /// Every FAILED delivery (created at or after the instant, when given).
    AllFailed(Option<DateTime<Utc>>),
}

/// What a retry did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Retried {
    /// Put back to PENDING: the outbox sends them again.
    pub requeued: Vec<i64>,
    /// Not retried: their link was removed when they failed (a link must not wait in
    /// the outbox); a new one is sent from the dashboard (resend the invite, reset the
    /// password).
    pub link_removed: Vec<i64>,
    /// Asked for by id but not FAILED (or no such delivery).
    pub not_failed: Vec<i64>,
}

/// Puts FAILED deliveries back to PENDING with a fresh attempt count, once: a second
/// retry of the same delivery finds it no longer FAILED.
pub async fn retry<C: ConnectionTrait>(db: &C, which: Retry) -> Result<Retried, DbErr> {
    let mut q = Delivery::find().filter(Column::Status.eq(DeliveryStatus::Failed));
    q = match which {
        Retry::One(id) => q.filter(Column::Id.eq(id)),
        Retry::AllFailed(Some(since)) => q.filter(Column::CreatedAt.gte(since)),
        Retry::AllFailed(None) => q,
    };
    let failed = q.all(db).await?;
    let mut out = Retried::default();
    if let Retry::One(id) = which
        && failed.is_empty()
    {
        out.not_failed.push(id);
    }
    let (redacted, sendable): (Vec<_>, Vec<_>) = failed
        .into_iter()
        .partition(|d| d.payload.contains(crate::mail::REDACTED));
    out.link_removed = redacted.into_iter().map(|d| d.id).collect();
    let ids: Vec<i64> = sendable.iter().map(|d| d.id).collect();
    if !ids.is_empty() {
        let now = Utc::now();
        let put_back = Delivery::update_many()
            .col_expr(Column::Status, Expr::value(DeliveryStatus::Pending))
            .col_expr(Column::Attempts, Expr::value(0))
            .col_expr(Column::NextAttemptAt, Expr::value(now))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(Column::Id.is_in(ids))
            .filter(Column::Status.eq(DeliveryStatus::Failed))
            .exec_with_returning(db)
            .await?;
        out.requeued = put_back.into_iter().map(|d| d.id).collect();
        out.requeued.sort_unstable();
    }
    Ok(out)
}
