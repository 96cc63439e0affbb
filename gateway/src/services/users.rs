//! Account administrators manage their users and subscribe (SPEC §5); anyone may ask for
//! a password reset.

use super::AppState;
use super::accounts::insert_user;
use super::actions::role_name;
use super::audit::{self, Entry, RequestMeta};
use super::clients;
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{AccountKind, ClientStatus, CompanyId, Email, Role, account, client, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use worker::directory::partner_of;

/// Only an account's OWNER and ADMINs manage it.
pub fn require_admin(v: &ViewerUser) -> ApiResult<()> {
    if v.user.role.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the account's owner and administrators can do this".into(),
        ))
    }
}

async fn same_account_user<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
    user_id: i64,
) -> ApiResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::AccountId.eq(v.account.id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such user in this account".into()))
}

/// Adds a user (not an OWNER: there is exactly one) who is emailed a link to set a password.
pub async fn add_user(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    email: Email,
    name: String,
    role: Role,
) -> ApiResult<user::Model> {
    require_admin(v)?;
    if role == Role::Owner {
        return Err(ApiError::bad_input(
            "role",
            "an account has exactly one OWNER: add the user as ADMIN, MANAGER or EMPLOYEE",
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let u = insert_user(&txn, v.account.id, &email, &name, None, role).await?;
    clients::send_set_password(&txn, state, &u, &v.account.name, None, now).await?;
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            action: "user.added",
            account_id: Some(v.account.id),
            partner_account_id: partner_of(&txn, &v.account).await?,
            detail: Some(format!(
                "added {} as {} in {}",
                u.email,
                role_name(role),
                v.account.name
            )),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    state.nudge.wake();
    Ok(u)
}

/// Changes a user's role. The OWNER keeps its role, and nobody else becomes OWNER.
pub async fn set_user_role(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    user_id: i64,
    role: Role,
) -> ApiResult<user::Model> {
    require_admin(v)?;
    let txn = entity::db::begin_write(&state.db).await?;
    let target = same_account_user(&txn, v, user_id).await?;
    if target.role == Role::Owner {
        return Err(ApiError::bad_input(
            "userId",
            "the account owner's role cannot be changed",
        ));
    }
    if role == Role::Owner {
        return Err(ApiError::bad_input(
            "role",
            "an account has exactly one OWNER",
        ));
    }
    user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(role))
        .filter(user::Column::Id.eq(target.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            action: "user.role_changed",
            account_id: Some(v.account.id),
            partner_account_id: partner_of(&txn, &v.account).await?,
            detail: Some(format!(
                "{}: {} → {}",
                target.email,
                role_name(target.role),
                role_name(role)
            )),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user::Model { role, ..target })
}

/// Makes a user active or inactive; deactivating ends its sessions. The OWNER stays active.
pub async fn set_user_active(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    user_id: i64,
    active: bool,
) -> ApiResult<user::Model> {
    require_admin(v)?;
    let txn = entity::db::begin_write(&state.db).await?;
    let target = same_account_user(&txn, v, user_id).await?;
    if target.role == Role::Owner && !active {
        return Err(ApiError::bad_input(
            "userId",
            "the account owner cannot be made inactive",
        ));
    }
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(active))
        .filter(user::Column::Id.eq(target.id))
        .exec(&txn)
        .await?;
    if !active {
        session::close_all_of(&txn, target.id, None).await?;
    }
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            action: if active {
                "user.activated"
            } else {
                "user.deactivated"
            },
            account_id: Some(v.account.id),
            partner_account_id: partner_of(&txn, &v.account).await?,
            detail: Some(format!(
                "{} made {}",
                target.email,
                if active { "active" } else { "inactive" }
            )),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user::Model { active, ..target })
}

/// Plans a client account can subscribe to.
pub const PLANS: [&str; 2] = ["monthly", "annual"];

/// Subscribes a client account: its client row moves from TRIAL or TRIAL_EXPIRED to PAYING.
pub async fn subscribe(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    plan: &str,
) -> ApiResult<account::Model> {
    require_admin(v)?;
    if v.account.kind != AccountKind::Client {
        return Err(ApiError::Forbidden(
            "partner accounts are free: there is nothing to subscribe to".into(),
        ));
    }
    let plan = plan.trim().to_lowercase();
    if !PLANS.contains(&plan.as_str()) {
        return Err(ApiError::bad_input(
            "plan",
            format!(
                "unknown plan '{}': choose one of {}",
                plan.chars().take(40).collect::<String>(),
                PLANS.join(", ")
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
    client::Entity::update_many()
        .col_expr(client::Column::Status, Expr::value(ClientStatus::Paying))
        .col_expr(
            client::Column::StatusRank,
            Expr::value(ClientStatus::Paying.rank()),
        )
        .filter(client::Column::ClientAccountId.eq(acc.id))
        .filter(client::Column::Status.is_in([ClientStatus::Trial, ClientStatus::TrialExpired]))
        .exec(&txn)
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
            action: "client.subscribed",
            account_id: Some(acc.id),
            partner_account_id: target.as_ref().map(|c| c.partner_account_id),
            target_client_id: target.as_ref().map(|c| c.id),
            detail: Some(format!("{} subscribed to the {plan} plan", acc.name)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(account::Model {
        plan: Some(plan),
        subscribed_at: Some(now),
        ..acc
    })
}

/// Records a forgotten-password request for the worker to settle (a link is emailed when
/// the email names an active user) and says nothing either way: the same one insert
/// whoever the email belongs to, so neither the answer nor its timing tells.
pub async fn request_password_reset(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    company_id: Option<&str>,
) -> ApiResult<()> {
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let company_id = company_id.and_then(|c| CompanyId::parse(c).ok());
    worker::password_reset::record(
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
