//! Passwords (SPEC §1, §5): set-password links for users created on someone's behalf,
//! reset links (asked for by the partner or by anyone with `requestPasswordReset`), and
//! setting a password through either kind of link. The links themselves are issued by
//! `entity::password_token` (`issue`, `issue_reset`), which the worker shares for the
//! requests it settles.

use super::After;
use super::AppState;
use super::audit::{self, RequestMeta};
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
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .filter(user::Column::Id.eq(t.user_id))
        .exec(&txn)
        .await?;
    crate::auth::session::close_all_of(&txn, t.user_id, None).await?;
    let u = user::Entity::find_by_id(t.user_id).one(&txn).await?;
    let acc = match &u {
        Some(u) => account::Entity::find_by_id(u.account_id).one(&txn).await?,
        None => None,
    };
    let mut ended = vec![t.user_id];
    if let (Some(u), Some(acc)) = (u, acc) {
        if acc.kind == entity::AccountKind::Partner {
            // A firm person's new password ends their sessions in the firm's client
            // accounts too: whoever knew the old one is out everywhere.
            ended.extend(crate::auth::session::end_client_sessions(&txn, acc.id, &u).await?);
        }
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
    }
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
