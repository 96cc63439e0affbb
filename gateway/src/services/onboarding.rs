//! A client's account opened (SPEC §3): by accepting an email invite, by signing up
//! through a partner's unique link, or at once by the partner's sign-up form. Each ends in
//! `open_client_account`: the account, its owner, and the row the partner lists it on.

use super::After;
use super::AppState;
use super::accounts::{SignedIn, insert_account, insert_user};
use super::audit::{self, Entry, RequestMeta};
use super::invites::{add_client, invited_row};
use super::passwords;
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::SingleUseLink;
use entity::{
    AccountKind, ClientStatus, CompanyName, Email, InviteMethod, LinkState, Password, PersonName,
    Platform, Role, SecretToken, account, client, invite, user,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use worker::ClientEvent;
use worker::events::ChangeKind;

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
    match inv.state(now) {
        LinkState::Live => None,
        LinkState::Used if inv.used_at.is_none() => say(
            "your accountant already opened your account: set your password with the link in their email, or log in".into(),
        ),
        LinkState::Used => say("this invitation was already accepted: log in instead".into()),
        LinkState::Revoked => say(
            "this invitation was withdrawn by your accountant: they can send you a new one".into(),
        ),
        LinkState::Replaced => say(
            "a newer invitation was sent to you: use the link in the latest email, or ask your accountant to send a new one".into(),
        ),
        LinkState::Expired => say(format!(
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
    state
        .commit(
            txn,
            After::clients(vec![ClientEvent::updated(c.partner_account_id, c.id)]),
        )
        .await?;
    Ok(signed_in)
}

/// The partner whose unique link carries `code`, or one answer for any code that is not
/// (unknown, regenerated, malformed).
async fn partner_of_code(state: &AppState, code: &str) -> ApiResult<account::Model> {
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
    account::Entity::find()
        .filter(account::Column::InviteCode.eq(code))
        .filter(account::Column::Kind.eq(AccountKind::Partner))
        .one(&state.db)
        .await?
        .ok_or_else(bad_code)
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
    let partner = partner_of_code(state, code).await?;
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
    let welcome = entity::mail::Mail::Welcome {
        to: u.email.clone(),
        name: u.name.clone(),
        company_name: acc.name.clone(),
        company_id: acc.company_id.clone(),
        is_partner: false,
    };
    entity::delivery::queue_mail(&txn, Some(acc.id), &welcome).await?;
    let signed_in = SignedIn::open(&txn, state, u, acc).await?;
    state
        .commit(
            txn,
            After {
                clients: vec![ClientEvent::added(partner.id, c.id)],
                ..Default::default()
            },
        )
        .await?;
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
    let partner_email = not_yourself(partner, &contact_email)?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let row = invited_row(
        partner.account.id,
        &contact_email,
        Some(company_name.to_string()),
        InviteMethod::Form,
        now,
    );
    let (c, event) = match client::insert(&txn, row).await? {
        Some(c) => (c, ClientEvent::added(partner.account.id, 0)),
        None => (
            take_over_invited_row(&txn, partner.account.id, &contact_email, now).await?,
            ClientEvent::updated(partner.account.id, 0),
        ),
    };
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
    seat_and_welcome(&txn, state, partner, &partner_email, (&acc, &owner), now).await?;
    // A client a member creates is theirs to handle (SPEC §13).
    entity::client_assignee::assign(&txn, c.id, partner.user.id, now).await?;
    let detail = match event.kind {
        ChangeKind::Added => format!(
            "created {} ({}) with the sign-up form",
            acc.name, acc.company_id
        ),
        _ => format!(
            "created {} ({}) with the sign-up form for {}, invited on {} (that invite's link stopped working)",
            acc.name,
            acc.company_id,
            c.email,
            c.invited_at.format("%Y-%m-%d")
        ),
    };
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientCreated,
            acc.id,
            partner.account.id,
            c.id,
            detail,
        ),
    )
    .await?;
    let event = ClientEvent {
        client_id: c.id,
        ..event
    };
    state.commit(txn, After::clients(vec![event])).await?;
    let c = client::Entity::find_by_id(c.id).one(&state.db).await?;
    c.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("client vanished")))
}

/// The calling partner user's email, refused as the contact: the contact is someone at
/// the client.
fn not_yourself(partner: &ViewerUser, contact_email: &Email) -> ApiResult<Email> {
    let partner_email = Email::parse(&partner.user.email)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored email: {e}")))?;
    if &partner_email == contact_email {
        return Err(ApiError::bad_input(
            "contactEmail",
            "the contact must be someone at the client: you get your own user in the client account anyway",
        ));
    }
    Ok(partner_email)
}

/// The form's two users besides the account: the partner user's ADMIN seat in the new
/// account (an ACTIVE grant with no end), and the client OWNER's set-password email.
async fn seat_and_welcome<C: ConnectionTrait>(
    txn: &C,
    state: &AppState,
    partner: &ViewerUser,
    partner_email: &Email,
    (acc, owner): (&account::Model, &user::Model),
    now: DateTime<Utc>,
) -> ApiResult<()> {
    insert_user(
        txn,
        acc.id,
        partner_email,
        &partner.user.name,
        // A seat: the partner signs in there with their own password (SPEC §12).
        None,
        Role::Admin,
    )
    .await?;
    // The form's seat is an ACTIVE grant with no end (SPEC §13).
    entity::access_grant::activate(
        txn,
        acc.id,
        partner.account.id,
        partner.user.id,
        Role::Admin,
        None,
        now,
    )
    .await?;
    passwords::send_set_password(
        txn,
        state,
        owner,
        &acc.name,
        Some(partner.account.name.clone()),
        now,
    )
    .await?;
    Ok(())
}

/// The partner's row for `email` when it never accepted its invite (sent, expired or
/// revoked): the sign-up form turns it into the account, so its invite links stop
/// working. A row with an account is a conflict.
async fn take_over_invited_row<C: ConnectionTrait>(
    txn: &C,
    partner_account_id: i64,
    email: &Email,
    now: DateTime<Utc>,
) -> ApiResult<client::Model> {
    let taken = || ApiError::Conflict(format!("{email} is already one of your clients"));
    let c = client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(partner_account_id))
        .filter(client::Column::Email.eq(email.as_str()))
        .one(txn)
        .await?
        .filter(|c| c.status == ClientStatus::Invited && c.client_account_id.is_none())
        .ok_or_else(taken)?;
    invite::end_links(txn, c.id, now, invite::ACCOUNT_OPENED).await?;
    client::Entity::update_many()
        .col_expr(
            client::Column::InvitedVia,
            sea_orm::sea_query::Expr::value(InviteMethod::Form),
        )
        .filter(client::Column::Id.eq(c.id))
        .exec(txn)
        .await?;
    Ok(c)
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
