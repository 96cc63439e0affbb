//! Entering a client's account from the partner dashboard (SPEC §3, §12, §13): the
//! person's seat there and the access grant behind it decide whether they may
//! (`logInToClient`) and whether "Reset password" applies; each entry is in the client's
//! access log with its reason and address.

use super::After;
use super::AppState;
use super::accounts::SignedIn;
use super::audit::{self, Entry, RequestMeta};
use super::client_actions::{CLIENT_SESSION_TTL, own_client};
use super::passwords;
use super::seat_rule::{record_entry, refusal};
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{AuditAction, PartnerSeat, SeatAccess, access_grant, account, client, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use worker::ClientEvent;

/// Longest reason a person may give for entering.
pub const MAX_REASON_CHARS: usize = 500;

/// The reason given for entering, trimmed; `BAD_USER_INPUT` when it is too long, or
/// missing while the firm requires one.
fn reason_of(partner: &ViewerUser, reason: Option<&str>) -> ApiResult<Option<String>> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match reason {
        Some(r) if r.chars().count() > MAX_REASON_CHARS => Err(ApiError::bad_input(
            "reason",
            format!("a reason is at most {MAX_REASON_CHARS} characters"),
        )),
        None if partner.account.access_reason_required => Err(ApiError::bad_input(
            "reason",
            "your firm asks for a reason each time you enter a client's account: say why (the client reads it)",
        )),
        r => Ok(r.map(str::to_owned)),
    }
}

/// The partner's own user in a client's account, or the distinct reason it may not be
/// used (`PartnerAccess`, the rule the list's `availableActions` shows: the seat, and the
/// access grant the client gave, SPEC §13). `need_admin`: for logging in, which a demoted
/// user may not. Answers the grant too.
async fn partner_user_in<C: ConnectionTrait>(
    conn: &C,
    partner: &ViewerUser,
    c: &client::Model,
    need_admin: bool,
) -> ApiResult<(user::Model, account::Model, Option<access_grant::Model>)> {
    let who = c.name.as_deref().unwrap_or(&c.email);
    let missing = || ApiError::Refused {
        code: "PARTNER_USER_MISSING",
        message: format!(
            "you have no access to {who}'s account: request access (the client approves it), or a client administrator there can add {}",
            partner.user.email
        ),
    };
    let account_id = c.client_account_id.ok_or_else(missing)?;
    let u = user::Entity::find()
        .filter(user::Column::AccountId.eq(account_id))
        .filter(user::Column::Email.eq(&partner.user.email))
        .one(conn)
        .await?;
    let grant = access_grant::of(conn, account_id, partner.user.id).await?;
    let seat = SeatAccess {
        seat: u.as_ref().map(|u| PartnerSeat {
            role: u.role,
            active: u.active,
        }),
        grant: grant.as_ref().map(access_grant::Model::state),
    };
    if let Some(refused) = refusal(seat.access(Utc::now()), who, grant.as_ref(), need_admin) {
        return Err(match refused {
            Some(e) => e,
            None => missing(),
        });
    }
    let u = u.ok_or_else(missing)?;
    let acc = account::Entity::find_by_id(account_id)
        .one(conn)
        .await?
        .ok_or_else(missing)?;
    Ok((u, acc, grant))
}

/// Opens a session for the partner's own user in the client's account (1 hour, or until
/// the grant ends if sooner), marked as opened by the partner user, with the person's
/// reason (required when the firm says so) in the client's access log (SPEC §13).
pub async fn log_in_to_client(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
    reason: Option<&str>,
) -> ApiResult<SignedIn> {
    if partner.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "this session was opened from a partner dashboard: go back to your own account to open another client".into(),
        ));
    }
    let reason = reason_of(partner, reason)?;
    let c = own_client(state, partner, client_id).await?;
    // A person with a second factor verified it lately (SPEC §12, step-up).
    if !super::second_factors::kinds_of(&state.db, partner.user.id)
        .await?
        .is_empty()
    {
        super::second_factors::fresh_factor(state, partner)?;
    }
    let txn = entity::db::begin_write(&state.db).await?;
    let (u, acc, grant) = partner_user_in(&txn, partner, &c, true).await?;
    let now = Utc::now();
    // The session ends when the grant does, if that is sooner than the hour.
    let ttl = grant
        .as_ref()
        .and_then(|g| g.expires_at)
        .and_then(|end| (end - now).to_std().ok())
        .map_or(CLIENT_SESSION_TTL, |left| left.min(CLIENT_SESSION_TTL));
    let (token, expires_at) = session::open(&txn, u.id, ttl, Some(partner.user.id)).await?;
    record_entry(
        &txn,
        (partner.account.id, partner.user.id),
        meta,
        (u.id, &token),
        (acc.id, expires_at),
        reason.as_deref(),
    )
    .await?;
    client::Entity::update_many()
        .col_expr(client::Column::LastPartnerLoginAt, Expr::value(now))
        .filter(client::Column::Id.eq(c.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientLogIn,
            acc.id,
            partner.account.id,
            c.id,
            match &reason {
                Some(r) => format!("logged in to {} as {} (reason: {r})", acc.name, u.email),
                None => format!("logged in to {} as {}", acc.name, u.email),
            },
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After::clients(vec![ClientEvent::updated(partner.account.id, c.id)]),
        )
        .await?;
    Ok(SignedIn {
        token,
        expires_at,
        user: u,
        account: acc,
        second_step: Vec::new(),
    })
}

/// The client row's "Reset password" (SPEC §12): the seat has no password of its own, so
/// the partner's person is emailed a link to set the one password they use there and
/// everywhere; their sessions in that client account end now.
pub async fn reset_client_password(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
) -> ApiResult<()> {
    if partner.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "go back to your own partner account to reset a client password".into(),
        ));
    }
    let c = own_client(state, partner, client_id).await?;
    let txn = entity::db::begin_write(&state.db).await?;
    let (u, acc, _) = partner_user_in(&txn, partner, &c, false).await?;
    passwords::send_reset(state, &txn, &u, &acc).await?;
    session::close_all_of(&txn, u.id, None).await?;
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientPasswordResetRequested,
            acc.id,
            partner.account.id,
            c.id,
            format!(
                "reset link for the password of {} sent to {}; their sessions in {} ended",
                partner.user.email, partner.user.email, acc.name
            ),
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After {
                sessions: vec![u.id],
                ..Default::default()
            },
        )
        .await?;
    Ok(())
}
