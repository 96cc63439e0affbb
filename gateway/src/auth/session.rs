//! Opaque bearer sessions: a random token handed out once, stored only as its SHA-256,
//! with an expiry. A session belongs to exactly one user row.

use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use entity::{SecretToken, account, session, user};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, QueryFilter, QuerySelect, QueryTrait,
};
use std::time::Duration;

/// The signed-in user of a request and the account that user row belongs to.
#[derive(Debug, Clone)]
pub struct ViewerUser {
    pub session_id: i64,
    /// When the session ends by itself.
    pub expires_at: DateTime<Utc>,
    /// The partner user who opened this session with `logInToClient`, if one did.
    pub opened_by: Option<i64>,
    /// The person must enrol a second factor before anything else (SPEC §12).
    pub enrol_only: bool,
    /// When a second factor was last verified in this session (step-up).
    pub second_factor_at: Option<DateTime<Utc>>,
    pub user: user::Model,
    pub account: account::Model,
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// No `Authorization` header.
    Anonymous,
    /// A bearer token was sent but is unknown, expired, logged out or its user inactive.
    /// Operations that need a session answer `UNAUTHENTICATED`, so the front end knows to
    /// sign in again.
    InvalidToken,
    User(Box<ViewerUser>),
    /// The right password was given and a second factor must follow (SPEC §12): the
    /// token is good for `verifySecondFactor` and `beginPasskeyVerification` only.
    Pending(Box<ViewerUser>),
}

/// The session token a request presented (header or cookie), for an answer that hands
/// the same session back (`stepUp`).
#[derive(Debug, Clone)]
pub struct PresentedToken(pub SecretToken);

/// The token in the value of an `Authorization` header.
pub fn bearer(header: &str) -> Option<SecretToken> {
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .and_then(SecretToken::parse)
}

/// Resolves the value of an `Authorization` header.
pub async fn resolve<C: ConnectionTrait>(db: &C, header: Option<&str>) -> ApiResult<Viewer> {
    let Some(header) = header else {
        return Ok(Viewer::Anonymous);
    };
    let Some(token) = bearer(header) else {
        return Ok(Viewer::InvalidToken);
    };
    let now = Utc::now();
    // One round trip: the session, its user and the user's account.
    let mut q = Query::select();
    select_prefixed::<session::Entity>(&mut q, "s_");
    select_prefixed::<user::Entity>(&mut q, "u_");
    select_prefixed::<account::Entity>(&mut q, "a_");
    q.from(session::Entity)
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id))
                .equals((session::Entity, session::Column::UserId)),
        )
        .inner_join(
            account::Entity,
            Expr::col((account::Entity, account::Column::Id))
                .equals((user::Entity, user::Column::AccountId)),
        )
        .and_where(
            Expr::col((session::Entity, session::Column::TokenHash)).eq(token.hash().into_string()),
        )
        .and_where(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(now))
        .and_where(Expr::col((user::Entity, user::Column::Active)).eq(true))
        .and_where(Expr::col((user::Entity, user::Column::SuspendedByPartner)).eq(false))
        .limit(1);
    let Some(row) = db.query_one(&q).await? else {
        return Ok(Viewer::InvalidToken);
    };
    let s = session::Model::from_query_result(&row, "s_")?;
    let user = user::Model::from_query_result(&row, "u_")?;
    let account = account::Model::from_query_result(&row, "a_")?;
    let v = Box::new(ViewerUser {
        session_id: s.id,
        expires_at: s.expires_at,
        opened_by: s.opened_by_user_id,
        enrol_only: s.enrol_only,
        second_factor_at: s.second_factor_at,
        user,
        account,
    });
    Ok(if s.pending {
        Viewer::Pending(v)
    } else {
        Viewer::User(v)
    })
}

/// Selects every column of `E` as `{prefix}{column}`, for `FromQueryResult` with a prefix.
fn select_prefixed<E: EntityTrait>(q: &mut sea_orm::sea_query::SelectStatement, prefix: &str) {
    for c in E::Column::iter() {
        q.expr_as(
            Expr::col((E::default(), c)),
            Alias::new(format!("{prefix}{}", c.as_str())),
        );
    }
}

/// How long a pending token (the second step of a log-in) lives.
pub const PENDING_TTL: Duration = Duration::from_secs(5 * 60);

/// What a new session may do (SPEC §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Everything its user may do; `Some(at)` when a second factor was verified at `at`.
    Full(Option<DateTime<Utc>>),
    /// Only the second step of a log-in: the right password was given.
    Pending,
    /// Only enrolling a second factor (firm policy, support staff).
    EnrolOnly,
}

/// Opens a session for `user_id`. The token is returned once and never stored.
pub async fn open<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    ttl: Duration,
    opened_by: Option<i64>,
) -> ApiResult<(SecretToken, DateTime<Utc>)> {
    open_at(conn, user_id, ttl, opened_by, Stage::Full(None)).await
}

/// [`open`] at a given [`Stage`].
pub async fn open_at<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    ttl: Duration,
    opened_by: Option<i64>,
    stage: Stage,
) -> ApiResult<(SecretToken, DateTime<Utc>)> {
    let token = SecretToken::generate();
    let now = Utc::now();
    let expires_at = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(30));
    session::Entity::insert(session::ActiveModel {
        token_hash: Set(token.hash().into_string()),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        opened_by_user_id: Set(opened_by),
        pending: Set(stage == Stage::Pending),
        enrol_only: Set(stage == Stage::EnrolOnly),
        second_factor_at: Set(match stage {
            Stage::Full(at) => at,
            _ => None,
        }),
        tries: Set(0),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok((token, expires_at))
}

/// Brings the end of the session `token` forward to `end`.
pub async fn end_by<C: ConnectionTrait>(
    conn: &C,
    token: &SecretToken,
    end: DateTime<Utc>,
) -> ApiResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(end))
        .filter(session::Column::TokenHash.eq(token.hash().into_string()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn close<C: ConnectionTrait>(conn: &C, session_id: i64) -> ApiResult<()> {
    ending(
        conn,
        Condition::all().add(session::Column::Id.eq(session_id)),
    )
    .await?;
    session::Entity::delete_by_id(session_id).exec(conn).await?;
    Ok(())
}

/// Ends every session of a user, except `keep` (e.g. the one changing the password).
pub async fn close_all_of<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    keep: Option<i64>,
) -> ApiResult<()> {
    let mut which = Condition::all().add(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        which = which.add(session::Column::Id.ne(keep));
    }
    ending(conn, which.clone()).await?;
    session::Entity::delete_many()
        .filter(which)
        .exec(conn)
        .await?;
    Ok(())
}

/// The sessions matching `which` end now: a firm person's session in a client account
/// keeps its end in the client's access log (SPEC §13). Called before they are deleted.
async fn ending<C: ConnectionTrait>(conn: &C, which: Condition) -> ApiResult<()> {
    entity::access_session::end_where(conn, which, Utc::now()).await?;
    Ok(())
}

/// The user rows of a firm's person in the firm's client accounts (their email there).
pub(crate) async fn seats_of<C: ConnectionTrait>(
    conn: &C,
    partner_account_id: i64,
    person: &user::Model,
) -> ApiResult<Vec<i64>> {
    let client_accounts = entity::client::Entity::find()
        .select_only()
        .column(entity::client::Column::ClientAccountId)
        .filter(entity::client::Column::PartnerAccountId.eq(partner_account_id))
        .filter(entity::client::Column::ClientAccountId.is_not_null())
        .into_query();
    seats_in(conn, person, client_accounts).await
}

/// The user rows of a firm's person in the client accounts `client_accounts` selects (a
/// query of one column of account ids).
async fn seats_in<C: ConnectionTrait>(
    conn: &C,
    person: &user::Model,
    client_accounts: sea_orm::sea_query::SelectStatement,
) -> ApiResult<Vec<i64>> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Email.eq(&person.email))
        .filter(user::Column::AccountId.in_subquery(client_accounts))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Ends the sessions on a firm's person's seats in the client accounts `client_accounts`
/// selects, however they were opened: the person may no longer see those clients (a
/// narrower scope, an unassignment). Returns the seats, whose live connections are told
/// once the change commits.
pub(crate) async fn end_seat_sessions_in<C: ConnectionTrait>(
    conn: &C,
    person: &user::Model,
    client_accounts: sea_orm::sea_query::SelectStatement,
) -> ApiResult<Vec<i64>> {
    let seats = seats_in(conn, person, client_accounts).await?;
    if seats.is_empty() {
        return Ok(seats);
    }
    let which = Condition::all().add(session::Column::UserId.is_in(seats.clone()));
    ending(conn, which.clone()).await?;
    session::Entity::delete_many()
        .filter(which)
        .exec(conn)
        .await?;
    Ok(seats)
}

/// Ends every session a firm's person has in the firm's client accounts: those on their
/// seats there and those they opened with `logInToClient`. Returns the seats, whose
/// live connections are told once the change commits.
pub(crate) async fn end_client_sessions<C: ConnectionTrait>(
    conn: &C,
    partner_account_id: i64,
    person: &user::Model,
) -> ApiResult<Vec<i64>> {
    end_client_sessions_but(conn, partner_account_id, person, None).await
}

/// [`end_client_sessions`], keeping the session `keep` (the one asking, when it is on a
/// seat).
pub(crate) async fn end_client_sessions_but<C: ConnectionTrait>(
    conn: &C,
    partner_account_id: i64,
    person: &user::Model,
    keep: Option<i64>,
) -> ApiResult<Vec<i64>> {
    let seats = seats_of(conn, partner_account_id, person).await?;
    let mut which = Condition::all().add(
        Condition::any()
            .add(entity::session::Column::UserId.is_in(seats.clone()))
            .add(entity::session::Column::OpenedByUserId.eq(person.id)),
    );
    if let Some(keep) = keep {
        which = which.add(entity::session::Column::Id.ne(keep));
    }
    ending(conn, which.clone()).await?;
    entity::session::Entity::delete_many()
        .filter(which)
        .exec(conn)
        .await?;
    Ok(seats)
}
