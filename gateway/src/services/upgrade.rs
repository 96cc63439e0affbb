//! The upgrade tab and client upgrades of a connected V1 partner (SPEC §6).

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::AuditAction;
use entity::{ConnectStatus, Platform, TaskKind, client, legacy_connection};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// The V1 partner's eligible clients, soonest deadline first; `None` unless at least one
/// can still be upgraded (not upgraded, deadline not passed) or was asked for and is not
/// upgraded yet: while its upgrade is under way the tab shows how it ends, and after it
/// failed for good the client can be asked for again from the tab.
pub async fn tab(state: &AppState, v: &ViewerUser) -> ApiResult<Option<Vec<client::Model>>> {
    if v.account.platform != Platform::V1 {
        return Ok(None);
    }
    let eligible = client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(v.account.id))
        .filter(client::Column::UpgradeEligible.eq(true))
        .order_by_asc(client::Column::UpgradeDeadline)
        .order_by_asc(client::Column::Id)
        .all(&state.db)
        .await?;
    let now = Utc::now();
    let open = eligible.iter().any(|c| {
        c.upgraded_at.is_none()
            && (c.upgrade_requested_at.is_some() || c.upgrade_deadline.is_some_and(|d| d > now))
    });
    Ok(open.then_some(eligible))
}

/// Asks for one eligible client's upgrade; a worker job then creates its V2 account.
pub async fn request(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
) -> ApiResult<client::Model> {
    let v2_partner = connected_v2(state, v).await?;
    let c = client::Entity::find_by_id(client_id)
        .filter(client::Column::PartnerAccountId.eq(v.account.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such client in your client list".into()))?;
    let who = c.name.clone().unwrap_or_else(|| c.email.clone());
    let asking_again = upgradable(state, &c, &who).await?;
    not_in_v2(state, v2_partner, &c, &who).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    // Claimed once: a second request (or a double click) finds it taken.
    let mut claim = client::Entity::update_many()
        .col_expr(client::Column::UpgradeRequestedAt, Expr::value(now))
        .filter(client::Column::Id.eq(c.id))
        .filter(client::Column::UpgradedAt.is_null());
    if !asking_again {
        claim = claim.filter(client::Column::UpgradeRequestedAt.is_null());
    }
    if claim.exec(&txn).await?.rows_affected != 1 {
        return Err(ApiError::bad_input(
            "clientId",
            format!("{who} has already been upgraded"),
        ));
    }
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry::about_client(
            AuditAction::ClientUpgradeRequested,
            v.account.id,
            v.account.id,
            c.id,
            format!("asked to upgrade {who} to V2"),
        ),
    )
    .await?;
    // The upgrade is recorded with the request; the dispatcher hands it to the queue.
    entity::task::record(&txn, TaskKind::ClientUpgrade, c.id, now).await?;
    state.commit(txn, After::default()).await?;
    Ok(client::Model {
        upgrade_requested_at: Some(now),
        ..c
    })
}

/// The V2 partner account this V1 account is connected to; refused for a V2 account or
/// one not connected yet.
async fn connected_v2(state: &AppState, v: &ViewerUser) -> ApiResult<i64> {
    if v.account.platform != Platform::V1 {
        return Err(ApiError::Forbidden(
            "only a V1 partner account's clients are upgraded".into(),
        ));
    }
    let connected = legacy_connection::Entity::find()
        .filter(legacy_connection::Column::V1AccountId.eq(v.account.id))
        .filter(legacy_connection::Column::Status.eq(ConnectStatus::Connected))
        .one(&state.db)
        .await?;
    connected.and_then(|c| c.v2_account_id).ok_or_else(|| {
        ApiError::bad_input(
            "clientId",
            "connect this account to your V2 partner dashboard first (Partner Connect)",
        )
    })
}

/// Whether the client can be asked for: eligible, not upgraded, deadline ahead, and not
/// under way. True when it was asked for before and that upgrade failed for good (its
/// reason is in the task, for ops), so it is asked for again.
async fn upgradable(state: &AppState, c: &client::Model, who: &str) -> ApiResult<bool> {
    let refuse = |why: String| Err(ApiError::bad_input("clientId", why));
    if !c.upgrade_eligible {
        return refuse(format!("{who} is not eligible for an upgrade"));
    }
    if c.upgraded_at.is_some() {
        return refuse(format!("{who} has already been upgraded"));
    }
    let asking_again = match c.upgrade_requested_at {
        None => false,
        Some(_) => {
            let failed = entity::task::Entity::find()
                .filter(entity::task::Column::Kind.eq(TaskKind::ClientUpgrade))
                .filter(entity::task::Column::SubjectId.eq(c.id))
                .filter(entity::task::Column::Status.eq(entity::TaskStatus::Failed))
                .one(&state.db)
                .await?;
            if failed.is_none() {
                return refuse(format!("{who}'s upgrade is already under way"));
            }
            true
        }
    };
    match c.upgrade_deadline {
        Some(deadline) if deadline > Utc::now() => Ok(asking_again),
        deadline => {
            let on = deadline
                .map(|d| format!(" ({})", d.format("%Y-%m-%d")))
                .unwrap_or_default();
            refuse(format!("{who}'s upgrade deadline{on} has passed"))
        }
    }
}

/// The V2 dashboard may list the client already (it invited the client itself): an
/// account there already means there is nothing to upgrade into.
async fn not_in_v2(
    state: &AppState,
    v2_partner: i64,
    c: &client::Model,
    who: &str,
) -> ApiResult<()> {
    let in_v2 = client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(v2_partner))
        .filter(client::Column::Email.eq(&c.email))
        .filter(client::Column::ClientAccountId.is_not_null())
        .one(&state.db)
        .await?;
    match in_v2 {
        Some(row) => Err(ApiError::bad_input(
            "clientId",
            entity::client::already_has_account(who, row.company_id.as_deref()),
        )),
        None => Ok(()),
    }
}
