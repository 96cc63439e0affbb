//! sea-orm entities, one module per table, each with the functions that write its rows:
//! the one place a row kind is built, used by the gateway and the worker alike.

pub mod access_grant;
pub mod access_session;
pub mod account;
pub mod audit_event;
pub mod client;
pub mod client_assignee;
pub mod client_status_count;
pub mod delivery;
pub mod invite;
pub mod legacy_connection;
pub mod passkey_challenge;
pub mod password_reset_request;
pub mod password_token;
pub mod recovery_code;
pub mod second_factor;
pub mod session;
pub mod task;
pub mod user;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PrimaryKeyTrait, QueryFilter,
};

/// Inserts `row` unless a row with the same `unique` columns exists: `None` then. The
/// unique index decides, so two inserts at once never both succeed.
async fn insert_unless_exists<A, C>(
    conn: &C,
    row: A,
    unique: impl IntoIterator<Item = <A::Entity as EntityTrait>::Column>,
) -> Result<Option<<A::Entity as EntityTrait>::Model>, DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    <<A::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: Clone,
{
    let res = <A::Entity as EntityTrait>::insert(row)
        .on_conflict_do_nothing_on(unique)
        .exec_with_returning(conn)
        .await;
    match res {
        Ok(sea_orm::TryInsertResult::Inserted(model)) => Ok(Some(model)),
        Ok(_) => Ok(None),
        // With RETURNING (PostgreSQL, SQLite), the row a conflict skipped is not returned,
        // which sea-orm reports as not found.
        Err(DbErr::RecordNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A table of single-use secret links (invites, set and reset links): stored by their
/// token's hash, with an expiry and the time they were used.
pub trait SingleUseLink: EntityTrait {
    /// `[token_hash, expires_at, used_at]`.
    const COLUMNS: [Self::Column; 3];

    /// Whether a live (unused, unexpired) link has this token hash: one indexed read, so
    /// a caller checks it before doing anything costly (hashing a new password) for a
    /// link that cannot be used.
    fn is_live<C: ConnectionTrait>(
        conn: &C,
        token: &crate::TokenHash,
        now: chrono::DateTime<chrono::Utc>,
    ) -> impl std::future::Future<Output = Result<bool, DbErr>> + Send
    where
        Self: Sync,
    {
        async move {
            let [hash, expires_at, used_at] = Self::COLUMNS;
            let live = Self::find()
                .filter(hash.eq(token.as_str()))
                .filter(used_at.is_null())
                .filter(expires_at.gt(now))
                .one(conn)
                .await?;
            Ok(live.is_some())
        }
    }

    /// Uses the live link with this token hash, once: one conditional UPDATE marks it
    /// used, so a link that was used, expired or invalidated meanwhile is never claimed,
    /// and of two claims at once exactly one wins.
    fn claim<C: ConnectionTrait>(
        conn: &C,
        token: &crate::TokenHash,
        now: chrono::DateTime<chrono::Utc>,
    ) -> impl std::future::Future<Output = Result<Option<Self::Model>, DbErr>> + Send
    where
        Self: Sync,
    {
        async move {
            let [hash, expires_at, used_at] = Self::COLUMNS;
            let claimed = Self::update_many()
                .col_expr(used_at, Expr::value(now))
                .filter(hash.eq(token.as_str()))
                .filter(used_at.is_null())
                .filter(expires_at.gt(now))
                .exec(conn)
                .await?;
            if claimed.rows_affected != 1 {
                return Ok(None);
            }
            Self::find().filter(hash.eq(token.as_str())).one(conn).await
        }
    }
}
