//! Account administrators manage their account's users (SPEC §5): add one (who sets a
//! password through an emailed link), change a role, make one active or inactive. The
//! caller is an OWNER or ADMIN of `v.account`: the resolvers check it
//! (`graphql::context::require_account_admin`).

use super::AppState;
use super::accounts::insert_user;
use super::audit::{self, Entry, RequestMeta};
use super::passwords;
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{Email, PersonName, Role, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use worker::directory::partner_of;

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
    name: PersonName,
    role: Role,
) -> ApiResult<user::Model> {
    if role == Role::Owner {
        return Err(ApiError::bad_input(
            "role",
            "an account has exactly one OWNER: add the user as ADMIN, MANAGER or EMPLOYEE",
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let u = insert_user(&txn, v.account.id, &email, name.as_str(), None, role).await?;
    passwords::send_set_password(&txn, state, &u, &v.account.name, None, now).await?;
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
                role.as_api_str(),
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
                target.role.as_api_str(),
                role.as_api_str()
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
