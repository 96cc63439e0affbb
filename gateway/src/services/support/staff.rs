//! Ops manage the support staff (`gateway staff add|remove|list`): users of the one
//! STAFF account.

use crate::auth::session;
use crate::error::{ApiError, ApiResult};
use crate::services::audit::{self, Entry, RequestMeta};
use chrono::Utc;
use entity::AuditAction;
use entity::{AccountKind, Email, PersonName, Platform, Role, account, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// The STAFF account's name, as staff see it in `me` and their set-password email.
pub const STAFF_ACCOUNT_NAME: &str = "Support";

pub struct Added {
    pub user: user::Model,
    /// The set-password link (also emailed).
    pub link: String,
    /// False when an earlier, removed staff user was made active again.
    pub created: bool,
}

/// The operator's STAFF account, made on first use.
async fn staff_account<C: ConnectionTrait>(conn: &C) -> ApiResult<account::Model> {
    if let Some(a) = account::Entity::find()
        .filter(account::Column::Kind.eq(AccountKind::Staff))
        .order_by_asc(account::Column::Id)
        .one(conn)
        .await?
    {
        return Ok(a);
    }
    crate::services::accounts::insert_account(
        conn,
        STAFF_ACCOUNT_NAME,
        AccountKind::Staff,
        Platform::V2,
        None,
    )
    .await
}

/// `gateway staff add`: a staff user (made active again if removed earlier) with a fresh
/// set-password link, printed and emailed.
pub async fn add_staff(
    db: &sea_orm::DatabaseConnection,
    public_url: &str,
    email: &Email,
    name: &PersonName,
) -> ApiResult<Added> {
    let txn = entity::db::begin_write(db).await?;
    let acc = staff_account(&txn).await?;
    let (u, created) = staff_user(&txn, &acc, email, name).await?;
    let link = entity::password_token::issue(
        &txn,
        public_url,
        u.id,
        entity::password_token::Purpose::Set,
        Utc::now() + entity::password_token::SET_PASSWORD_TTL,
    )
    .await?;
    entity::delivery::queue_mail(
        &txn,
        Some(acc.id),
        &entity::mail::Mail::SetPassword {
            to: u.email.clone(),
            name: u.name.clone(),
            company_name: acc.name.clone(),
            partner_name: None,
            link: link.clone(),
            user_id: Some(u.id),
        },
    )
    .await?;
    audit::record(
        &txn,
        None,
        &RequestMeta::default(),
        Entry {
            account_id: Some(acc.id),
            detail: Some(format!("{} added as support staff by ops", u.email)),
            ..Entry::of(AuditAction::StaffAdded)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Added {
        user: u,
        link,
        created,
    })
}

/// The staff user for `email`: a new one, or a removed one made active again with no
/// password (true when created). An active one already there is a conflict.
async fn staff_user<C: ConnectionTrait>(
    txn: &C,
    acc: &account::Model,
    email: &Email,
    name: &PersonName,
) -> ApiResult<(user::Model, bool)> {
    let existing = user::Entity::find()
        .filter(user::Column::AccountId.eq(acc.id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(txn)
        .await?;
    match existing {
        Some(u) if u.active => Err(ApiError::Conflict(format!(
            "{email} is already a support staff user"
        ))),
        Some(u) => Ok((reactivate(txn, u.id, name).await?, false)),
        None => {
            let u = crate::services::accounts::insert_user(
                txn,
                acc.id,
                email,
                name.as_str(),
                None,
                Role::Admin,
            )
            .await?;
            Ok((u, true))
        }
    }
}

/// A returning staff member sets a new password through the new link: the old password
/// and every link sent before the removal stay dead.
async fn reactivate<C: ConnectionTrait>(
    txn: &C,
    user_id: i64,
    name: &PersonName,
) -> ApiResult<user::Model> {
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(true))
        .col_expr(user::Column::Name, Expr::value(name.as_str()))
        .col_expr(
            user::Column::PasswordHash,
            Expr::value(Option::<String>::None),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    entity::password_token::Entity::update_many()
        .col_expr(
            entity::password_token::Column::UsedAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(entity::password_token::Column::UserId.eq(user_id))
        .filter(entity::password_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("the user vanished".into()))
}

/// `gateway staff remove`: the staff user is made inactive and signed out everywhere.
pub async fn remove_staff(
    db: &sea_orm::DatabaseConnection,
    email: &Email,
) -> ApiResult<user::Model> {
    let txn = entity::db::begin_write(db).await?;
    let acc = staff_account(&txn).await?;
    let u = user::Entity::find()
        .filter(user::Column::AccountId.eq(acc.id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("{email} is not a support staff user")))?;
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(false))
        .filter(user::Column::Id.eq(u.id))
        .exec(&txn)
        .await?;
    session::close_all_of(&txn, u.id, None).await?;
    audit::record(
        &txn,
        None,
        &RequestMeta::default(),
        Entry {
            account_id: Some(acc.id),
            detail: Some(format!("{} removed from support staff by ops", u.email)),
            ..Entry::of(AuditAction::StaffRemoved)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

/// `gateway staff list`: every staff user, active or not.
pub async fn list_staff(db: &sea_orm::DatabaseConnection) -> ApiResult<Vec<user::Model>> {
    let Some(acc) = account::Entity::find()
        .filter(account::Column::Kind.eq(AccountKind::Staff))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    crate::services::accounts::users_of(db, acc.id).await
}
