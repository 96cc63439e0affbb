//! Acting on a client from the client list (SPEC §5): resend or revoke the invite,
//! remove a row that never accepted, log in as the partner's own user there, reset that
//! user's password.

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use super::{client_list, invites};
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::{ClientStatus, client, invite};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::time::Duration;
use worker::ClientEvent;

/// A session opened with `logInToClient` lasts this long.
pub const CLIENT_SESSION_TTL: Duration = Duration::from_secs(3600);

/// A duration as a person reads it (`entity::human_duration`).
pub(crate) fn human(d: chrono::Duration) -> String {
    entity::human_duration(d.to_std().unwrap_or_default())
}

pub(super) async fn own_client(
    state: &AppState,
    partner: &ViewerUser,
    client_id: i64,
) -> ApiResult<client::Model> {
    client_list::get(&state.db, &client_list::Lens::of(partner), client_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such client in your client list".into()))
}

/// `revokeInvite`: the client's invite link stops working at once; the row stays INVITED
/// (REVOKED) until the invite is sent again.
pub async fn revoke_invite(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
) -> ApiResult<client::Model> {
    let c = own_client(state, partner, client_id).await?;
    refuse_v1_invites(partner, &c)?;
    let now = Utc::now();
    let live = entity::InviteState::of(c.status, c.invite_expires_at, c.invite_revoked_at, now);
    if live != Some(entity::InviteState::Sent) {
        let why = match live {
            Some(entity::InviteState::Revoked) => "it was already revoked",
            Some(entity::InviteState::Expired) => "its link has already expired",
            _ if c.status != ClientStatus::Invited => "the client already has an account",
            _ => "it has no invite link",
        };
        return Err(ApiError::bad_input(
            "clientId",
            format!("the invite of {} cannot be revoked: {why}", c.email),
        ));
    }
    let txn = entity::db::begin_write(&state.db).await?;
    entity::invite::end_links(&txn, c.id, now, entity::invite::REVOKED).await?;
    // Guarded: a client that accepted a moment ago is not marked revoked.
    let revoked = client::Entity::update_many()
        .col_expr(client::Column::InviteRevokedAt, Expr::value(now))
        .filter(client::Column::Id.eq(c.id))
        .filter(client::Column::Status.eq(ClientStatus::Invited))
        .exec(&txn)
        .await?;
    if revoked.rows_affected != 1 {
        return Err(ApiError::Conflict(format!(
            "{} accepted the invite a moment ago",
            c.email
        )));
    }
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientInviteRevoked,
            partner.account.id,
            partner.account.id,
            c.id,
            format!("invite to {} revoked", c.email),
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After::clients(vec![ClientEvent::updated(partner.account.id, c.id)]),
        )
        .await?;
    own_client(state, partner, client_id).await
}

/// `removeClient`: a row that never accepted its invite goes from the list, with its
/// links (they stop working); the audit log keeps its history. A row with an account
/// stays: a client's account is the client's.
pub async fn remove_client(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
) -> ApiResult<()> {
    let c = own_client(state, partner, client_id).await?;
    refuse_v1_invites(partner, &c)?;
    if c.status != ClientStatus::Invited {
        return Err(ApiError::bad_input(
            "clientId",
            format!(
                "{} has an account: only a client that never accepted its invite can be removed",
                c.name.as_deref().unwrap_or(&c.email)
            ),
        ));
    }
    let txn = entity::db::begin_write(&state.db).await?;
    // Guarded: a client that accepted a moment ago keeps its row. Its links go with it
    // (`invites` cascade).
    let removed = client::Entity::delete_many()
        .filter(client::Column::Id.eq(c.id))
        .filter(client::Column::Status.eq(ClientStatus::Invited))
        .filter(client::Column::ClientAccountId.is_null())
        .exec(&txn)
        .await?;
    if removed.rows_affected != 1 {
        return Err(ApiError::Conflict(format!(
            "{} accepted the invite a moment ago",
            c.email
        )));
    }
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientRemoved,
            partner.account.id,
            partner.account.id,
            c.id,
            format!(
                "removed {} from the client list (invited {}, never accepted)",
                c.email,
                c.invited_at.format("%Y-%m-%d")
            ),
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After::clients(vec![ClientEvent::removed(partner.account.id, c.id)]),
        )
        .await?;
    Ok(())
}

/// A V1 partner's clients move to V2 by Partner Connect's upgrade, never by an invite:
/// their invites are neither sent again nor revoked (`entity::ClientAction::available`).
fn refuse_v1_invites(partner: &ViewerUser, c: &client::Model) -> ApiResult<()> {
    if partner.account.platform == entity::Platform::V1 {
        return Err(ApiError::bad_input(
            "clientId",
            format!(
                "{} is a client of your V1 account: move it to V2 with Partner Connect's upgrade instead of inviting it again",
                c.name.as_deref().unwrap_or(&c.email)
            ),
        ));
    }
    Ok(())
}

fn too_soon(gap: chrono::Duration) -> String {
    format!("the invite was sent less than {} ago", human(gap))
}

/// `RATE_LIMITED` unless the invite may go out again now: `RESEND_INTERVAL` between two
/// invite emails, `RESENDS_PER_DAY` resends a day. Answers the interval.
async fn resend_throttle(
    state: &AppState,
    c: &client::Model,
    now: DateTime<Utc>,
) -> ApiResult<chrono::Duration> {
    let gap = chrono::Duration::from_std(state.config.resend_interval)
        .unwrap_or(chrono::Duration::minutes(5));
    let per_day = state.config.resends_per_day;
    if let Some(last) = c.last_invite_sent_at
        && last + gap > now
    {
        return Err(ApiError::rate_limited(&too_soon(gap), last + gap));
    }
    // Resends in the last day: every invite row but the client's first.
    let first_invite = invite::Entity::find()
        .filter(invite::Column::ClientId.eq(c.id))
        .order_by_asc(invite::Column::Id)
        .one(&state.db)
        .await?;
    let day_ago = now - chrono::Duration::days(1);
    let recent = invite::Entity::find()
        .filter(invite::Column::ClientId.eq(c.id))
        .filter(invite::Column::CreatedAt.gt(day_ago))
        .filter(invite::Column::Id.ne(first_invite.as_ref().map_or(0, |i| i.id)))
        .order_by_asc(invite::Column::CreatedAt);
    if recent.clone().count(&state.db).await? >= per_day {
        let oldest = recent.one(&state.db).await?.map_or(now, |i| i.created_at);
        return Err(ApiError::rate_limited(
            &format!("the invite was already sent again {per_day} times today"),
            oldest + chrono::Duration::days(1),
        ));
    }
    Ok(gap)
}

/// Sends the invite again with a fresh link; the previous link stops working.
pub async fn resend_invite(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
) -> ApiResult<client::Model> {
    let c = own_client(state, partner, client_id).await?;
    refuse_v1_invites(partner, &c)?;
    if c.status != ClientStatus::Invited {
        return Err(ApiError::bad_input(
            "clientId",
            format!(
                "only invited clients can be sent the invite again: {} already has an account",
                c.email
            ),
        ));
    }
    let now = Utc::now();
    let gap = resend_throttle(state, &c, now).await?;
    let txn = entity::db::begin_write(&state.db).await?;
    // The guard is repeated in the UPDATE, so two resends at once cannot both pass.
    let claimed = client::Entity::update_many()
        .col_expr(client::Column::LastInviteSentAt, Expr::value(now))
        .filter(client::Column::Id.eq(c.id))
        .filter(client::Column::Status.eq(ClientStatus::Invited))
        .filter(
            Condition::any()
                .add(client::Column::LastInviteSentAt.is_null())
                .add(client::Column::LastInviteSentAt.lte(now - gap)),
        )
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(ApiError::rate_limited(&too_soon(gap), now + gap));
    }
    // Earlier links stop working.
    invites::send_invite(&txn, state, &c, &partner.account.name, now, true).await?;
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry::about_client(
            AuditAction::ClientInviteResent,
            partner.account.id,
            partner.account.id,
            c.id,
            format!("invite sent again to {}", c.email),
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After::clients(vec![ClientEvent::updated(partner.account.id, c.id)]),
        )
        .await?;
    own_client(state, partner, client_id).await
}
