use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

/// A single-use email invite. Only the token's SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub client_id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// Why it stopped working before its time: [`REVOKED`] or [`REPLACED`].
    pub ended_by: Option<String>,
}

/// `ended_by` of a link whose invite the partner revoked.
pub const REVOKED: &str = "REVOKED";
/// `ended_by` of a link a newer invite replaced.
pub const REPLACED: &str = "REPLACED";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A new invite link for `client_id`, stored by its token's hash.
pub fn new_row(
    client_id: i64,
    token: &crate::TokenHash,
    expires_at: DateTimeUtc,
    now: DateTimeUtc,
) -> ActiveModel {
    ActiveModel {
        client_id: Set(client_id),
        token_hash: Set(token.as_str().to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ended_by: Set(None),
        ..Default::default()
    }
}

impl super::SingleUseLink for Entity {
    const COLUMNS: [Column; 3] = [Column::TokenHash, Column::ExpiresAt, Column::UsedAt];
}
