//! Access grants (SPEC §13): a firm person asks a client for access to its account (a
//! role, how long, why); the client's owner or an admin approves it (possibly a lower
//! role or an earlier end), declines it, or later revokes it, which ends the person's
//! sessions there in the same request. Every step is emailed and audited, and the
//! partner's list row shows where it stands. The worker ends grants and requests on
//! time (`worker::access_sweep`). The client's log of sessions is `access_log`.

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use super::client_list::{self, Lens};
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, GrantStatus, Role, access_grant, account, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sea_orm::{ConnectionTrait, IntoActiveModel, QueryOrder, TryIntoModel};
use worker::ClientEvent;

/// A grant with its person, their firm and the client account, as the API shows it.
#[derive(Clone, Debug)]
pub struct GrantView {
    pub grant: access_grant::Model,
    pub person: user::Model,
    pub firm: account::Model,
    pub client: account::Model,
}

/// Longest a grant asked for may last, in days.
pub const MAX_DAYS: i32 = 365;

/// A role as an email says it.
pub(super) fn role_words(r: Role) -> &'static str {
    r.in_words()
}

pub(super) fn until_words(end: Option<DateTime<Utc>>) -> String {
    end.map_or_else(
        || "until revoked".to_owned(),
        |e| format!("until {}", e.format("%Y-%m-%d %H:%M UTC")),
    )
}

/// `requestClientAccess`: the calling firm person asks the client for access, in
/// `role`, for `days` (or until revoked), saying why. The client's owner and admins are
/// emailed; the row shows PENDING.
pub async fn request(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
    (role, days, reason): (Role, Option<i32>, &str),
) -> ApiResult<GrantView> {
    if v.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "go back to your own partner account to ask for access".into(),
        ));
    }
    let lens = Lens::of(v);
    let (c, seat) = client_list::get_with_seat(&state.db, &lens, client_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such client in your client list".into()))?;
    let who = c.name.clone().unwrap_or_else(|| c.email.clone());
    let account_id = c.client_account_id.ok_or_else(|| {
        ApiError::bad_input(
            "clientId",
            format!("{who} has no account yet: there is nothing to ask access to"),
        )
    })?;
    let reason = checked(role, days, reason)?;
    let now = Utc::now();
    let access = c.partner_access(seat, now);
    if !access.can_request() {
        return Err(ApiError::Conflict(match access {
            entity::PartnerAccess::Pending => {
                format!("you already asked {who} for access: they have not answered yet")
            }
            _ => format!("you already have access to {who}'s account"),
        }));
    }
    let txn = entity::db::begin_write(&state.db).await?;
    let expires_at = days.map(|d| now + Duration::days(i64::from(d)));
    let g = put_request(&txn, (account_id, v), role, reason, expires_at, now).await?;
    let acc = account::Entity::find_by_id(account_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("client account".into()))?;
    tell_deciders(&txn, v, &acc, (role, expires_at, reason)).await?;
    record(
        &txn,
        v,
        meta,
        (&acc, c.id),
        AuditAction::AccessRequested,
        format!(
            "{} asked for access to {} as {} ({}): {reason}",
            v.user.email,
            acc.name,
            role.as_api_str(),
            until_words(expires_at)
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After::clients(vec![ClientEvent::updated(v.account.id, c.id)]),
        )
        .await?;
    Ok(GrantView {
        grant: g,
        person: v.user.clone(),
        firm: v.account.clone(),
        client: acc,
    })
}

/// The request's role, days and reason, checked: its reason, trimmed.
fn checked(role: Role, days: Option<i32>, reason: &str) -> ApiResult<&str> {
    if role == Role::Owner {
        return Err(ApiError::bad_input(
            "role",
            "ask for ADMIN, MANAGER or EMPLOYEE: the client's OWNER is the client",
        ));
    }
    if days.is_some_and(|d| !(1..=MAX_DAYS).contains(&d)) {
        return Err(ApiError::bad_input(
            "days",
            format!("days is 1 to {MAX_DAYS}, or null for until revoked"),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::bad_input(
            "reason",
            "say why you need access (1 to 500 characters): the client reads it",
        ));
    }
    Ok(reason)
}

/// The grant row of the request: the one row of this person and client, made PENDING.
async fn put_request<C: ConnectionTrait>(
    conn: &C,
    (account_id, v): (i64, &ViewerUser),
    role: Role,
    reason: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<access_grant::Model> {
    let mut row = match access_grant::of(conn, account_id, v.user.id).await? {
        Some(g) => g.into_active_model(),
        None => access_grant::ActiveModel {
            client_account_id: Set(account_id),
            firm_account_id: Set(v.account.id),
            person_id: Set(v.user.id),
            ..Default::default()
        },
    };
    row.role = Set(role);
    row.status = Set(GrantStatus::Pending);
    row.reason = Set(Some(reason.to_owned()));
    row.requested_at = Set(now);
    row.decided_at = Set(None);
    row.decided_by = Set(None);
    row.expires_at = Set(expires_at);
    row.warned14_at = Set(None);
    row.warned3_at = Set(None);
    Ok(row.save(conn).await?.try_into_model()?)
}

/// Emails the request to the client's owner and admins.
async fn tell_deciders<C: ConnectionTrait>(
    txn: &C,
    v: &ViewerUser,
    acc: &account::Model,
    (role, expires_at, reason): (Role, Option<DateTime<Utc>>, &str),
) -> ApiResult<()> {
    let lines = vec![
        format!(
            "{} ({}) of {} asks for access to {} as {}, {}.",
            v.user.name,
            v.user.email,
            v.account.name,
            acc.name,
            role_words(role),
            until_words(expires_at)
        ),
        format!("Their reason: {reason}"),
        "Approve it (you can give a lower role or an earlier end) or decline it on your account page. Unanswered, it expires in 30 days.".to_owned(),
    ];
    for admin in deciders(txn, acc).await? {
        notify(
            txn,
            acc,
            &admin,
            "Access requested to your account",
            &lines,
            "/client",
        )
        .await?;
    }
    Ok(())
}

/// The client's owner and admins who decide on grants: active, and not themselves a
/// seat of the partner firm's people.
async fn deciders<C: ConnectionTrait>(
    conn: &C,
    acc: &account::Model,
) -> ApiResult<Vec<user::Model>> {
    let mut out = Vec::new();
    for u in user::Entity::find()
        .filter(user::Column::AccountId.eq(acc.id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in([Role::Owner, Role::Admin]))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?
    {
        if user::person_behind_seat(conn, &u, acc).await?.is_none() {
            out.push(u);
        }
    }
    Ok(out)
}

/// Queues an access email to `to` (of `acc`), with a button to `path`.
pub(crate) async fn notify<C: ConnectionTrait>(
    conn: &C,
    acc: &account::Model,
    to: &user::Model,
    subject: &str,
    lines: &[String],
    path: &str,
) -> ApiResult<()> {
    entity::delivery::queue_mail(
        conn,
        Some(acc.id),
        &entity::mail::Mail::AccessNotice {
            to: to.email.clone(),
            name: to.name.clone(),
            subject: subject.to_owned(),
            lines: lines.to_vec(),
            action: Some((path.to_owned(), "Open your account".to_owned())),
        },
    )
    .await?;
    Ok(())
}

/// An audit entry in the client account about its row in the partner's list.
pub(super) async fn record<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
    meta: &RequestMeta,
    (acc, client_id): (&account::Model, i64),
    action: AuditAction,
    detail: String,
) -> ApiResult<()> {
    let partner = entity::client::partner_of(conn, acc).await?;
    audit::record(
        conn,
        Some(v),
        meta,
        Entry {
            account_id: Some(acc.id),
            partner_account_id: partner,
            target_client_id: Some(client_id),
            detail: Some(detail),
            ..Entry::of(action)
        },
    )
    .await
}

/// The calling person's grant in `client_account_id`, if any.
pub async fn grant_of<C: ConnectionTrait>(
    db: &C,
    v: &ViewerUser,
    client_account_id: i64,
) -> ApiResult<Option<GrantView>> {
    Ok(grants_of(db, v, &[client_account_id])
        .await?
        .remove(&client_account_id))
}

/// The calling person's grants in these client accounts, by account: two queries for
/// any number of accounts (a list page asking each row's `accessGrant`).
pub async fn grants_of<C: ConnectionTrait>(
    db: &C,
    v: &ViewerUser,
    client_account_ids: &[i64],
) -> ApiResult<std::collections::HashMap<i64, GrantView>> {
    let mut out = std::collections::HashMap::new();
    if client_account_ids.is_empty() {
        return Ok(out);
    }
    let grants = access_grant::Entity::find()
        .filter(access_grant::Column::PersonId.eq(v.user.id))
        .filter(access_grant::Column::ClientAccountId.is_in(client_account_ids.iter().copied()))
        .all(db)
        .await?;
    if grants.is_empty() {
        return Ok(out);
    }
    let clients = account::Entity::find()
        .filter(account::Column::Id.is_in(grants.iter().map(|g| g.client_account_id)))
        .all(db)
        .await?;
    for g in grants {
        let Some(client) = clients.iter().find(|c| c.id == g.client_account_id) else {
            continue;
        };
        out.insert(
            g.client_account_id,
            GrantView {
                client: client.clone(),
                grant: g,
                person: v.user.clone(),
                firm: v.account.clone(),
            },
        );
    }
    Ok(out)
}
