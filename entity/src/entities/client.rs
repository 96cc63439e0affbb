use crate::domain::{ClientStatus, InviteMethod};
use sea_orm::entity::prelude::*;

/// A row of a partner's client list: one client business, from invitation on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub partner_account_id: i64,
    /// The client's own account; `None` while INVITED.
    pub client_account_id: Option<i64>,
    /// Company ID of the client's account, copied here so the list needs no join.
    pub company_id: Option<String>,
    pub email: String,
    pub name: Option<String>,
    /// Lower-cased name (or email while there is no name): the NAME sort key.
    pub sort_name: String,
    pub status: ClientStatus,
    /// `status.rank()`: the STATUS sort key.
    pub status_rank: i16,
    pub invited_via: InviteMethod,
    pub invited_at: DateTimeUtc,
    pub last_invite_sent_at: Option<DateTimeUtc>,
    pub trial_ends_at: Option<DateTimeUtc>,
    /// V1 clients: whether the client may be upgraded to V2, and until when.
    pub upgrade_eligible: bool,
    pub upgrade_deadline: Option<DateTimeUtc>,
    pub upgraded_at: Option<DateTimeUtc>,
    pub upgrade_requested_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The NAME sort key of a client.
pub fn sort_name(name: Option<&str>, email: &str) -> String {
    name.unwrap_or(email).to_lowercase()
}
