use crate::domain::ConnectStatus;
use sea_orm::entity::prelude::*;

/// A V1 partner account's bridge to a V2 partner dashboard (Partner Connect). It moves no
/// data; once CONNECTED, the V1 partner's eligible clients can be upgraded into it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legacy_connections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub v1_account_id: i64,
    /// Company ID of the V2 partner account, as the V1 owner typed it.
    pub company_id: String,
    pub owner_email: String,
    pub status: ConnectStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub message: Option<String>,
    pub v2_account_id: Option<i64>,
    /// Why the check failed, for support only (`message` is what the partner reads).
    #[sea_orm(column_type = "Text", nullable)]
    pub failure_reason: Option<String>,
    pub requested_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
