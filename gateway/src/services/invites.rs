//! Inviting clients (SPEC §3): the partner's unique link (its code), and invites by email
//! (one at a time here; in bulk in `bulk_invites`), each a row in the partner's list with
//! a single-use link. Opening the client's account is `onboarding`'s.

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::{ClientStatus, CompanyName, Email, InviteMethod, SecretToken, account, client};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use worker::ClientEvent;

/// `{PUBLIC_URL}/{path}/{secret}`: the link an email carries.
pub fn link(state: &AppState, path: &str, secret: &str) -> String {
    format!("{}/{path}/{secret}", state.config.worker.public_url())
}

/// The partner's unique invite link code, created on first use.
pub async fn invite_code(state: &AppState, partner: &ViewerUser) -> ApiResult<String> {
    let acc = account::Entity::find_by_id(partner.account.id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("your account no longer exists".into()))?;
    if let Some(code) = acc.invite_code {
        return Ok(code);
    }
    // Only set it if still unset, so two first calls at once agree on one code.
    let code = SecretToken::generate().expose()[..22].to_owned();
    account::Entity::update_many()
        .col_expr(account::Column::InviteCode, Expr::value(code))
        .filter(account::Column::Id.eq(acc.id))
        .filter(account::Column::InviteCode.is_null())
        .exec(&state.db)
        .await?;
    let acc = account::Entity::find_by_id(acc.id).one(&state.db).await?;
    acc.and_then(|a| a.invite_code)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("invite code not stored")))
}

/// Replaces the partner's invite link code; the old one stops working at once.
pub async fn regenerate_invite_code(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
) -> ApiResult<String> {
    let code = SecretToken::generate().expose()[..22].to_owned();
    let txn = entity::db::begin_write(&state.db).await?;
    account::Entity::update_many()
        .col_expr(account::Column::InviteCode, Expr::value(code.clone()))
        .filter(account::Column::Id.eq(partner.account.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry {
            account_id: Some(partner.account.id),
            partner_account_id: Some(partner.account.id),
            detail: Some("a new invite link; the old one stopped working".into()),
            ..Entry::of(AuditAction::PartnerInviteLinkRegenerated)
        },
    )
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(code)
}

pub fn invite_url(state: &AppState, code: &str) -> String {
    link(state, "join", code)
}

/// Puts `row` in the partner's list, or `CONFLICT` when it already lists the email.
pub(super) async fn add_client<C: ConnectionTrait>(
    conn: &C,
    row: client::ActiveModel,
    email: &Email,
) -> ApiResult<client::Model> {
    client::insert(conn, row)
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("{email} is already one of your clients")))
}

/// A client row as an invite method first lists it: INVITED, no account yet.
pub(super) fn invited_row(
    partner_account_id: i64,
    email: &Email,
    name: Option<String>,
    via: InviteMethod,
    now: DateTime<Utc>,
) -> client::ActiveModel {
    client::new_row(
        partner_account_id,
        email.as_str(),
        name,
        ClientStatus::Invited,
        via,
        now,
    )
}

/// Method 1: an INVITED client row and an invite email with a single-use link.
pub async fn invite_by_email(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    email: Email,
    company_name: Option<CompanyName>,
) -> ApiResult<client::Model> {
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let c = invite_in(&txn, state, partner, &email, company_name, now)
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("{email} is already one of your clients")))?;
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientInvited,
            partner.account.id,
            partner.account.id,
            c.id,
            format!("invited {} by email", c.email),
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After::clients(vec![ClientEvent::added(c.partner_account_id, c.id)]),
        )
        .await?;
    Ok(c)
}

/// Lists `email` as INVITED, assigned to the inviting member, and queues its invite email
/// with a fresh link, inside the caller's transaction; None when the partner already
/// lists it. Shared by one invite
/// and a bulk one.
pub async fn invite_in<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    partner: &ViewerUser,
    email: &Email,
    company_name: Option<CompanyName>,
    now: DateTime<Utc>,
) -> ApiResult<Option<client::Model>> {
    let mut row = invited_row(
        partner.account.id,
        email,
        company_name.map(CompanyName::into_string),
        InviteMethod::Email,
        now,
    );
    row.last_invite_sent_at = sea_orm::ActiveValue::Set(Some(now));
    // The first link's end, as `send_invite` would otherwise write it on the row.
    row.invite_expires_at = sea_orm::ActiveValue::Set(Some(entity::invite::first_link_ends(now)));
    let Some(c) = client::insert(conn, row).await? else {
        return Ok(None);
    };
    send_invite(conn, state, &c, &partner.account.name, now, false).await?;
    // A client a member invites is theirs to handle (SPEC §13).
    entity::client_assignee::assign(conn, c.id, partner.user.id, now).await?;
    Ok(Some(c))
}

/// Issues a fresh single-use invite link (30 days) for an INVITED client and queues the
/// invite email, inside the caller's transaction. `replace`: earlier links stop working
/// (a resend); without it `c` is a new client, inserted showing its first link's end.
pub async fn send_invite<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    c: &client::Model,
    partner_name: &str,
    now: DateTime<Utc>,
    replace: bool,
) -> ApiResult<()> {
    let public_url = state.config.worker.public_url();
    let link = entity::invite::issue(conn, public_url, c.id, now, replace).await?;
    entity::delivery::queue_mail(
        conn,
        Some(c.partner_account_id),
        &entity::mail::Mail::Invite {
            to: c.email.clone(),
            partner_name: partner_name.to_owned(),
            company_name: c.name.clone(),
            link,
            client_id: Some(c.id),
        },
    )
    .await?;
    Ok(())
}
