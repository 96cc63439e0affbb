//! A passkey ceremony under way (SPEC §12): what `webauthn-rs` keeps between the options
//! a browser gets and what it answers. Used once; lasts [`TTL_MINUTES`].

use sea_orm::entity::prelude::*;

/// `purpose` of enrolling a new passkey.
pub const ENROL: &str = "ENROL";
/// `purpose` of verifying one (the second step or step-up).
pub const VERIFY: &str = "VERIFY";
/// Minutes a ceremony may take.
pub const TTL_MINUTES: i64 = 5;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkey_challenges")]
pub struct Model {
    /// A random UUID: the `challengeId` the API answers.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The person it is for.
    pub user_id: i64,
    /// The session that began it; only that session finishes it.
    pub session_id: i64,
    /// [`ENROL`] or [`VERIFY`].
    pub purpose: String,
    /// The ceremony's state, as JSON.
    pub state: String,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Takes the ceremony `id` of `session_id` for `purpose` if it has not expired: it is
/// deleted, so of two requests with one challenge only one gets it.
pub async fn take<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    session_id: i64,
    purpose: &str,
    now: DateTimeUtc,
) -> Result<Option<Model>, DbErr> {
    let Some(found) = Entity::find_by_id(id.to_owned())
        .filter(Column::SessionId.eq(session_id))
        .filter(Column::Purpose.eq(purpose))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let gone = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok((gone.rows_affected == 1 && found.expires_at > now).then_some(found))
}

/// Most ceremonies one session may have under way for one purpose (tabs, retries).
pub const PER_SESSION: u64 = 5;

/// Called as session `session_id` of `user_id` begins a ceremony for `purpose`: forgets
/// the person's expired ones, and that session's oldest for that purpose beyond
/// `PER_SESSION - 1`, so asking again and again keeps a handful of rows, not one each.
pub async fn sweep<C: ConnectionTrait>(
    conn: &C,
    (user_id, session_id): (i64, i64),
    purpose: &str,
    now: DateTimeUtc,
) -> Result<(), DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    let kept: Vec<String> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::SessionId.eq(session_id))
        .filter(Column::Purpose.eq(purpose))
        .order_by_desc(Column::ExpiresAt)
        .limit(PER_SESSION - 1)
        .into_tuple()
        .all(conn)
        .await?;
    Entity::delete_many()
        .filter(Column::SessionId.eq(session_id))
        .filter(Column::Purpose.eq(purpose))
        .filter(Column::Id.is_not_in(kept))
        .exec(conn)
        .await?;
    Ok(())
}
