//! Every session a firm person had in a client account (SPEC §13), for the client's
//! access log: who, from which firm, why, from where, when it started and ended. The
//! session row itself goes when the session ends; this stays, with its end: the moment
//! of a log-out, a revocation or any other ending ([`end_where`]), or, for a session
//! nobody ended, its expiry.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, Query};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The session's id (its row is deleted when it ends).
    pub session_id: i64,
    pub client_account_id: i64,
    pub firm_account_id: i64,
    /// The firm's person.
    pub person_id: i64,
    /// Their seat: the user row in the client account the session is of.
    pub seat_user_id: i64,
    pub started_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when something ended it before `expires_at`.
    pub ended_at: Option<DateTimeUtc>,
    pub reason: Option<String>,
    pub ip: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// When it ended: ended, or expired by `now`; `None` while it lasts.
    pub fn ended(&self, now: DateTimeUtc) -> Option<DateTimeUtc> {
        self.ended_at
            .or((self.expires_at <= now).then_some(self.expires_at))
    }
}

/// Records the end, at `now`, of the access sessions whose session rows match
/// `sessions` (a condition on `sessions`): call it before deleting those rows.
pub async fn end_where<C: ConnectionTrait>(
    conn: &C,
    sessions: sea_orm::Condition,
    now: DateTimeUtc,
) -> Result<(), DbErr> {
    let ids = Query::select()
        .column(super::session::Column::Id)
        .from(super::session::Entity)
        .cond_where(sessions)
        .to_owned();
    Entity::update_many()
        .col_expr(Column::EndedAt, Expr::value(now))
        .filter(Column::EndedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .filter(Column::SessionId.in_subquery(ids))
        .exec(conn)
        .await?;
    Ok(())
}
