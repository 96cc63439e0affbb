use crate::domain::{AccountKind, Platform};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub company_id: String,
    pub name: String,
    pub kind: AccountKind,
    pub platform: Platform,
    /// End of a client account's free trial; `None` for partner accounts.
    pub trial_ends_at: Option<DateTimeUtc>,
    /// The code of a partner's unique invite link; `None` until first asked for.
    #[sea_orm(unique)]
    pub invite_code: Option<String>,
    /// The paid plan, once subscribed.
    pub plan: Option<String>,
    pub subscribed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
