use sea_orm::entity::prelude::*;

/// A recorded `requestPasswordReset`, whoever the email belongs to (or nobody). The worker
/// settles it: a link and an email if the email names an active user, nothing otherwise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_reset_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// As parsed at the edge (trimmed, lower-cased).
    pub email: String,
    /// The Company ID the caller gave to pick one of several accounts, if any.
    pub company_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub requested_at: DateTimeUtc,
    /// When the worker looked at it; null while pending.
    pub settled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
