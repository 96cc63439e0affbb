use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

/// A single-use link to set or reset a user's password. Only the token's SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// `set` (a new user's first password) or `reset`.
    pub purpose: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A new set or reset link for `user_id`, stored by its token's hash.
pub fn new_row(
    user_id: i64,
    token: &crate::TokenHash,
    purpose: &str,
    expires_at: DateTimeUtc,
    now: DateTimeUtc,
) -> ActiveModel {
    ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token.as_str().to_owned()),
        purpose: Set(purpose.to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
}

impl super::SingleUseLink for Entity {
    const COLUMNS: [Column; 3] = [Column::TokenHash, Column::ExpiresAt, Column::UsedAt];
}
