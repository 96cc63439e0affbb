//! Inviting clients three ways (SPEC §3): an email invite accepted later, a partner's
//! unique link, and the sign-up form that opens the client account at once. Each ends in
//! `open_client_account`.

use super::AppState;
use super::accounts::{SignedIn, insert_account, insert_user};
use super::audit::{self, Entry, RequestMeta};
use super::passwords;
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::SingleUseLink;
use entity::{
    AccountKind, ClientStatus, CompanyName, Email, InviteMethod, Password, PersonName, Platform,
    Role, SecretToken, account, client, invite, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use worker::ClientEvent;

/// An email invite's link works for this long.
pub use entity::invite::INVITE_TTL;

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
    txn.commit().await?;
    Ok(code)
}

pub fn invite_url(state: &AppState, code: &str) -> String {
    link(state, "join", code)
}

/// Puts `row` in the partner's list, or `CONFLICT` when it already lists the email.
async fn add_client<C: ConnectionTrait>(
    conn: &C,
    row: client::ActiveModel,
    email: &Email,
) -> ApiResult<client::Model> {
    client::insert(conn, row)
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("{email} is already one of your clients")))
}

/// A client row as an invite method first lists it: INVITED, no account yet.
fn invited_row(
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

/// The client's own account (on a trial), its OWNER, and the client row moved from
/// INVITED to TRIAL with it: what every way of onboarding a V2 client ends in, inside the
/// caller's transaction.
async fn open_client_account<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    c: &client::Model,
    company_name: &str,
    owner_name: &str,
    owner_hash: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<(account::Model, user::Model)> {
    let email = Email::parse(&c.email)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored email: {e}")))?;
    let ends = client::trial_end(now, state.config.worker.trial_length);
    let acc = insert_account(
        conn,
        company_name,
        AccountKind::Client,
        Platform::V2,
        Some(ends),
    )
    .await?;
    let owner = insert_user(conn, acc.id, &email, owner_name, owner_hash, Role::Owner).await?;
    if !client::become_trial(conn, c.id, &acc, ends).await? {
        return Err(ApiError::Conflict(format!(
            "{} is no longer waiting for an invite",
            c.email
        )));
    }
    Ok((acc, owner))
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
    txn.commit().await?;
    state.nudge.wake();
    state
        .changed(&[ClientEvent::added(c.partner_account_id, c.id)])
        .await;
    Ok(c)
}

/// Lists `email` as INVITED and queues its invite email with a fresh link, inside the
/// caller's transaction; None when the partner already lists it. Shared by one invite
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
    let Some(mut c) = client::insert(conn, row).await? else {
        return Ok(None);
    };
    send_invite(conn, state, &c, &partner.account.name, now, false).await?;
    // As `send_invite` wrote it on the row.
    c.invite_expires_at = Some(now + INVITE_TTL);
    Ok(Some(c))
}

/// Issues a fresh single-use invite link (30 days) for an INVITED client and queues the
/// invite email, inside the caller's transaction. `replace`: earlier links stop working.
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

/// What a person fills in to accept an invite or sign up.
#[derive(Debug)]
pub struct NewOwner {
    pub company_name: CompanyName,
    pub name: PersonName,
    pub password: Password,
}

/// Why an invite link does not work (None when it does), in words for its opener.
fn dead_link(inv: Option<&invite::Model>, now: DateTime<Utc>) -> Option<ApiError> {
    let Some(inv) = inv else {
        return Some(invalid_invite());
    };
    let say = |m: String| Some(ApiError::bad_input("token", m));
    if inv.used_at.is_some() {
        return say("this invitation was already accepted: log in instead".into());
    }
    if inv.expires_at > now {
        return None;
    }
    match inv.ended_by.as_deref() {
        Some(invite::REVOKED) => say(
            "this invitation was withdrawn by your accountant: they can send you a new one".into(),
        ),
        Some(invite::REPLACED) => say(
            "a newer invitation was sent to you: use the link in the latest email, or ask your accountant to send a new one".into(),
        ),
        _ => say(format!(
            "this invitation expired on {}: your accountant can send you a new one",
            inv.expires_at.format("%Y-%m-%d")
        )),
    }
}

fn invalid_invite() -> ApiError {
    ApiError::bad_input(
        "token",
        "this invitation link is not valid any more: it may have been used or have expired. Ask your accountant to send a new one",
    )
}

/// Accepts an email invite: creates the client account with the invitee as OWNER, starts
/// the trial, moves the client row to TRIAL and signs the invitee in.
pub async fn accept_invite(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    owner: NewOwner,
) -> ApiResult<SignedIn> {
    let token = SecretToken::parse(token).ok_or_else(invalid_invite)?;
    // A dead link costs one indexed read, never a password hash, and its opener is told
    // why it is dead.
    let found = invite::Entity::find()
        .filter(invite::Column::TokenHash.eq(token.hash().as_str()))
        .one(&state.db)
        .await?;
    if let Some(why) = dead_link(found.as_ref(), Utc::now()) {
        return Err(why);
    }
    let hash = state.hasher.hash(&owner.password).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    // Claimed once; a second accept racing this one finds it used.
    let inv = invite::Entity::claim(&txn, &token.hash(), now)
        .await?
        .ok_or_else(invalid_invite)?;
    let c = client::Entity::find_by_id(inv.client_id)
        .one(&txn)
        .await?
        .filter(|c| c.status == ClientStatus::Invited)
        .ok_or_else(invalid_invite)?;
    let (acc, u) = open_client_account(
        &txn,
        state,
        &c,
        owner.company_name.as_str(),
        owner.name.as_str(),
        Some(hash),
        now,
    )
    .await?;
    audit::record_by(
        &txn,
        u.id,
        meta,
        Entry::about_client(
            AuditAction::ClientInviteAccepted,
            acc.id,
            c.partner_account_id,
            c.id,
            format!("{} accepted the invite and created {}", u.email, acc.name),
        ),
    )
    .await?;
    let signed_in = SignedIn::open(&txn, state, u, acc).await?;
    txn.commit().await?;
    state
        .changed(&[ClientEvent::updated(c.partner_account_id, c.id)])
        .await;
    Ok(signed_in)
}

/// Method 2: `signUp` through a partner's invite link creates a CLIENT account on a
/// trial, linked to that partner.
pub async fn sign_up_with_code(
    state: &AppState,
    meta: &RequestMeta,
    code: &str,
    email: Email,
    owner: NewOwner,
) -> ApiResult<SignedIn> {
    let bad_code = || {
        ApiError::bad_input(
            "partnerCode",
            "this invite link is not valid: ask your accountant for a new one",
        )
    };
    let code = code.trim();
    if code.is_empty() || code.len() > 64 {
        return Err(bad_code());
    }
    let partner = account::Entity::find()
        .filter(account::Column::InviteCode.eq(code))
        .filter(account::Column::Kind.eq(AccountKind::Partner))
        .one(&state.db)
        .await?
        .ok_or_else(bad_code)?;
    let hash = state.hasher.hash(&owner.password).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let row = invited_row(
        partner.id,
        &email,
        Some(owner.company_name.to_string()),
        InviteMethod::Link,
        now,
    );
    let c = add_client(&txn, row, &email).await?;
    let (acc, u) = open_client_account(
        &txn,
        state,
        &c,
        owner.company_name.as_str(),
        owner.name.as_str(),
        Some(hash),
        now,
    )
    .await?;
    audit::record_by(
        &txn,
        u.id,
        meta,
        Entry::about_client(
            AuditAction::ClientSignedUpWithLink,
            acc.id,
            partner.id,
            c.id,
            format!("{} signed up {} through the invite link", u.email, acc.name),
        ),
    )
    .await?;
    entity::delivery::queue_mail(
        &txn,
        Some(acc.id),
        &entity::mail::Mail::Welcome {
            to: u.email.clone(),
            name: u.name.clone(),
            company_name: acc.name.clone(),
            company_id: acc.company_id.clone(),
            is_partner: false,
        },
    )
    .await?;
    let signed_in = SignedIn::open(&txn, state, u, acc).await?;
    txn.commit().await?;
    state.nudge.wake();
    state.changed(&[ClientEvent::added(partner.id, c.id)]).await;
    Ok(signed_in)
}

/// Method 3 (the sign-up form): the client account in TRIAL at once, a client OWNER who
/// is emailed a set-password link, and an ADMIN user for the calling partner user with
/// the same email and the same password hash.
pub async fn create_client_account(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    company_name: CompanyName,
    contact_name: PersonName,
    contact_email: Email,
) -> ApiResult<client::Model> {
    let partner_email = Email::parse(&partner.user.email)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored email: {e}")))?;
    if partner_email == contact_email {
        return Err(ApiError::bad_input(
            "contactEmail",
            "the contact must be someone at the client: you get your own user in the client account anyway",
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let row = invited_row(
        partner.account.id,
        &contact_email,
        Some(company_name.to_string()),
        InviteMethod::Form,
        now,
    );
    let c = add_client(&txn, row, &contact_email).await?;
    let (acc, owner) = open_client_account(
        &txn,
        state,
        &c,
        company_name.as_str(),
        contact_name.as_str(),
        None,
        now,
    )
    .await?;
    insert_user(
        &txn,
        acc.id,
        &partner_email,
        &partner.user.name,
        partner.user.password_hash.clone(),
        Role::Admin,
    )
    .await?;
    passwords::send_set_password(
        &txn,
        state,
        &owner,
        &acc.name,
        Some(partner.account.name.clone()),
        now,
    )
    .await?;
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientCreated,
            acc.id,
            partner.account.id,
            c.id,
            format!(
                "created {} ({}) with the sign-up form",
                acc.name, acc.company_id
            ),
        ),
    )
    .await?;
    txn.commit().await?;
    state.nudge.wake();
    state
        .changed(&[ClientEvent::added(partner.account.id, c.id)])
        .await;
    let c = client::Entity::find_by_id(c.id).one(&state.db).await?;
    c.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("client vanished")))
}
