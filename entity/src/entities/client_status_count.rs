//! How many clients a partner has in one status, kept by triggers on `clients` in the
//! same transaction as every change (migrations `m0020_client_status_counts`, and on
//! PostgreSQL `m0021_statement_counters`): the client
//! list counts without reading the partner's clients.

use crate::ClientStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_status_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_account_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: ClientStatus,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
