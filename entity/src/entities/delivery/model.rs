use crate::domain::DeliveryStatus;
use sea_orm::entity::prelude::*;

/// One outgoing email in the transactional outbox: written in the same transaction as the
/// domain change that promises it, sent by the worker, never lost and never sent twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The template, e.g. `welcome`.
    pub kind: String,
    pub recipient: String,
    /// The template's data, JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub queued_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    /// While a send job is sending it; another job for it waits until then.
    pub claimed_until: Option<DateTimeUtc>,
    /// The account the email belongs to (for an invite, the inviting partner): whose
    /// audit log hears of support sending it again. Null in rows written before it was
    /// recorded.
    pub account_id: Option<i64>,
    /// Emails with the same key fold into one waiting delivery (`outbox::fold_mail`).
    pub fold_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
