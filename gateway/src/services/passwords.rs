//! Passwords (SPEC §1, §5): set-password links for users created on someone's behalf,
//! reset links (asked for by the partner or by anyone with `requestPasswordReset`), and
//! setting a password through either kind of link. The links themselves are issued by
//! `entity::password_token` (`issue`, `issue_reset`), which the worker shares for the
//! requests it settles.

use super::After;
use super::AppState;
use super::audit::{self, RequestMeta};
use crate::auth::session::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::SingleUseLink;
use entity::password_token::Purpose;
use entity::{CompanyId, Email, Password, SecretToken, account, password_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A set-password link for a user created on someone's behalf works for this long.
pub use entity::password_token::SET_PASSWORD_TTL;

/// Issues a single-use link (7 days) for a user created on someone's behalf to set a
/// password, and queues the email, inside the caller's transaction.
pub async fn send_set_password<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    u: &user::Model,
    company_name: &str,
    partner_name: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let link = password_token::issue(
        conn,
        state.config.worker.public_url(),
        u.id,
        Purpose::Set,
        now + SET_PASSWORD_TTL,
    )
    .await?;
    entity::delivery::queue_mail(
        conn,
        Some(u.account_id),
        &entity::mail::Mail::SetPassword {
            to: u.email.clone(),
            name: u.name.clone(),
            company_name: company_name.to_owned(),
            partner_name,
            link,
            user_id: Some(u.id),
        },
    )
    .await?;
    Ok(())
}

/// Emails a single-use reset link for `u` in `acc`, inside the caller's transaction.
/// `Err(RateLimited)` when too many were sent lately.
pub async fn send_reset<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    u: &user::Model,
    acc: &account::Model,
) -> ApiResult<()> {
    password_token::issue_reset(conn, state.config.worker.public_url(), u, acc)
        .await?
        .map_err(|t| ApiError::rate_limited(t.reason, t.retry_at))
}

/// Records a forgotten-password request for the worker to settle (a link is emailed when
/// the email names an active user) and says nothing either way: the same one insert
/// whoever the email belongs to, so neither the answer nor its timing tells.
pub async fn request_reset(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    company_id: Option<&str>,
) -> ApiResult<()> {
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let company_id = company_id.and_then(|c| CompanyId::parse(c).ok());
    entity::password_reset_request::record(
        &state.db,
        &email,
        company_id.as_ref(),
        meta.ip.as_deref(),
        &meta.request_id,
    )
    .await?;
    state.nudge.wake();
    Ok(())
}

/// The user a set/reset link sets the password of, with its account: for a seat's link
/// (issued before seats had no password), the person behind it.
async fn link_owner<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> ApiResult<Option<(user::Model, account::Model)>> {
    let Some(u) = user::Entity::find_by_id(user_id).one(conn).await? else {
        return Ok(None);
    };
    let Some(acc) = account::Entity::find_by_id(u.account_id).one(conn).await? else {
        return Ok(None);
    };
    Ok(Some(user::whose_password(conn, &u, &acc).await?))
}

/// Stores `hash` as `u`'s password and ends their sessions but `keep`; a firm person's
/// sessions in the firm's client accounts end too (their seats there have no password of
/// their own: whoever knew the old one is out everywhere). Returns the user rows whose
/// live connections are told once this commits.
pub(super) async fn store_new_password<C: ConnectionTrait>(
    conn: &C,
    u: &user::Model,
    acc: &account::Model,
    hash: String,
    keep: Option<i64>,
) -> ApiResult<Vec<i64>> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .filter(user::Column::Id.eq(u.id))
        .exec(conn)
        .await?;
    crate::auth::session::close_all_of(conn, u.id, keep).await?;
    let mut ended = vec![u.id];
    if acc.kind == entity::AccountKind::Partner {
        ended.extend(crate::auth::session::end_client_sessions_but(conn, acc.id, u, keep).await?);
    }
    Ok(ended)
}

/// Sets a password through a single-use set/reset link, ends the user's sessions and
/// makes the user's other outstanding links unusable.
pub async fn set_with_link(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    password: Password,
) -> ApiResult<()> {
    let invalid = || {
        ApiError::bad_input(
            "token",
            "this password link is not valid any more: it may have been used or have expired. Ask for a new one",
        )
    };
    let token = SecretToken::parse(token).ok_or_else(invalid)?;
    // A dead link costs one indexed read, never a password hash.
    if !password_token::Entity::is_live(&state.db, &token.hash(), Utc::now()).await? {
        return Err(invalid());
    }
    let hash = state.hasher.hash(&password).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let t = password_token::Entity::claim(&txn, &token.hash(), now)
        .await?
        .ok_or_else(invalid)?;
    // Every other set or reset link of the user stops working with this one.
    password_token::Entity::update_many()
        .col_expr(password_token::Column::UsedAt, Expr::value(now))
        .filter(password_token::Column::UserId.eq(t.user_id))
        .filter(password_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    let Some((u, acc)) = link_owner(&txn, t.user_id).await? else {
        return Err(invalid());
    };
    let mut ended = store_new_password(&txn, &u, &acc, hash, None).await?;
    ended.push(t.user_id);
    let (action, what) = if t.purpose == Purpose::Set.as_str() {
        (entity::AuditAction::UserPasswordSet, "set")
    } else {
        (entity::AuditAction::UserPasswordReset, "reset")
    };
    audit::record_by(
        &txn,
        u.id,
        meta,
        audit::Entry {
            account_id: Some(acc.id),
            partner_account_id: entity::client::partner_of(&txn, &acc).await?,
            detail: Some(format!(
                "{} {what} the password through an emailed link",
                u.email
            )),
            ..audit::Entry::of(action)
        },
    )
    .await?;
    state
        .commit(
            txn,
            After {
                sessions: ended,
                ..Default::default()
            },
        )
        .await?;
    Ok(())
}

/// `changePassword` (SPEC §12): the signed-in person's one password (in a seat, the
/// person behind it). The current password must be right; the new one is stored, every
/// other session of theirs ends (in the firm's client accounts too), and they are
/// emailed. Returns whether `current` was right (a wrong one counts as a failed log-in).
pub async fn change(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    current: &str,
    new: Password,
) -> ApiResult<bool> {
    if v.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "this session was opened from your partner dashboard: change your password there"
                .into(),
        ));
    }
    let (u, acc) = user::whose_password(&state.db, &v.user, &v.account).await?;
    if !state
        .hasher
        .verify(current, u.password_hash.as_deref())
        .await?
    {
        return Ok(false);
    }
    let hash = state.hasher.hash(&new).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    // The session asking stays open, wherever it is.
    let ended = store_new_password(&txn, &u, &acc, hash, Some(v.session_id)).await?;
    super::second_factors::tell(&txn, &u, &acc, "Your password was changed", now).await?;
    audit::record(
        &txn,
        Some(v),
        meta,
        audit::Entry {
            account_id: Some(acc.id),
            partner_account_id: entity::client::partner_of(&txn, &acc).await?,
            detail: Some(format!(
                "{} changed their password; their other sessions ended",
                u.email
            )),
            ..audit::Entry::of(entity::AuditAction::UserPasswordChanged)
        },
    )
    .await?;
    state
        .commit(
            txn,
            After {
                sessions: ended,
                ..Default::default()
            },
        )
        .await?;
    Ok(true)
}
