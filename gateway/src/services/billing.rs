//! Billing (SPEC §5, §6): a client account subscribes to a plan and its client row
//! becomes PAYING; a partner's discount tier follows its active clients.

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::AuditAction;
use entity::{AccountKind, ClientStatus, account, client};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Subscribes a client account: its client row moves from TRIAL or TRIAL_EXPIRED to PAYING.
pub async fn subscribe(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    plan: &str,
) -> ApiResult<account::Model> {
    if v.account.kind != AccountKind::Client {
        return Err(ApiError::Forbidden(
            "partner accounts are free: there is nothing to subscribe to".into(),
        ));
    }
    let plan = plan.trim().to_lowercase();
    let plans = &state.config.plans;
    if plans.get(&plan).is_none() {
        return Err(ApiError::bad_input(
            "plan",
            format!(
                "unknown plan '{}': choose one of {}",
                plan.chars().take(40).collect::<String>(),
                plans.ids()
            ),
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let acc = account::Entity::find_by_id(v.account.id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("your account no longer exists".into()))?;
    if let Some(current) = &acc.plan {
        return Err(ApiError::bad_input(
            "plan",
            format!("{} is already paying (plan {current})", acc.name),
        ));
    }
    account::Entity::update_many()
        .col_expr(account::Column::Plan, Expr::value(plan.clone()))
        .col_expr(account::Column::SubscribedAt, Expr::value(now))
        .filter(account::Column::Id.eq(acc.id))
        .exec(&txn)
        .await?;
    let paying: Vec<client::Model> =
        client::set_status(client::Entity::update_many(), ClientStatus::Paying)
            .filter(client::Column::ClientAccountId.eq(acc.id))
            .filter(client::Column::Status.is_in([ClientStatus::Trial, ClientStatus::TrialExpired]))
            .exec_with_returning(&txn)
            .await?;
    let target = client::Entity::find()
        .filter(client::Column::ClientAccountId.eq(acc.id))
        .one(&txn)
        .await?;
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            action: AuditAction::ClientSubscribed,
            account_id: Some(acc.id),
            partner_account_id: target.as_ref().map(|c| c.partner_account_id),
            target_client_id: target.as_ref().map(|c| c.id),
            detail: Some(format!("{} subscribed to the {plan} plan", acc.name)),
        },
    )
    .await?;
    let changed: Vec<worker::ClientEvent> = paying
        .iter()
        .map(|c| worker::ClientEvent::updated(c.partner_account_id, c.id))
        .collect();
    state.commit(txn, After::clients(changed)).await?;
    Ok(account::Model {
        plan: Some(plan),
        subscribed_at: Some(now),
        ..acc
    })
}

/// Active clients (TRIAL + PAYING) of a partner: what its discount tier follows.
pub async fn active_clients(state: &AppState, partner_account_id: i64) -> ApiResult<u64> {
    Ok(client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(partner_account_id))
        .filter(client::Column::Status.is_in([ClientStatus::Trial, ClientStatus::Paying]))
        .count(&state.db)
        .await?)
}
