//! Single-use recovery codes (SPEC §12): ten per person, shown once, stored as SHA-256.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recovery_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// SHA-256 of the code (lower-case hex), as typed without its dash.
    pub code_hash: String,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How many unused codes `user_id` has left.
pub async fn left<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::UsedAt.is_null())
        .count(conn)
        .await
}
