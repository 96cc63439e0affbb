use crate::domain::Role;
use sea_orm::entity::prelude::*;

/// A person's membership of one account. The same person can have rows in several
/// accounts; `email` is stored lower-cased and unique per account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub name: String,
    /// argon2id PHC string; `None` until the person sets a password.
    pub password_hash: Option<String>,
    pub role: crate::domain::Role,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }
}
