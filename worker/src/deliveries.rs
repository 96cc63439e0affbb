//! Dead mail for ops (SPEC §9): the outbox's deliveries listed by status, kind and age
//! (`worker deliveries`); FAILED ones go back to the outbox with
//! `entity::delivery::retry` (`worker retry-deliveries`).

use chrono::{DateTime, Utc};
use entity::DeliveryStatus;
use entity::delivery::{self, Column, Entity as Delivery};
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
