//! Who in a partner firm handles which client (SPEC §13): a member limited to assigned
//! clients sees only these.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_assignees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The firm's member.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// Assigns `user_id` to `client_id` (nothing when it is already).
pub async fn assign<C: ConnectionTrait>(
    conn: &C,
    client_id: i64,
    user_id: i64,
    now: DateTimeUtc,
) -> Result<(), DbErr> {
    use sea_orm::ActiveValue::Set;
    use sea_orm::sea_query::OnConflict;
    Entity::insert(ActiveModel {
        client_id: Set(client_id),
        user_id: Set(user_id),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([Column::ClientId, Column::UserId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
