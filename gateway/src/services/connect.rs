//! Partner Connect, the request side (SPEC §6): only the owner of a V1 partner account
//! connects it, once, to a V2 partner dashboard; the worker checks the request.

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::AuditAction;
use entity::legacy_connection::{self, Column, Entity as Connection};
use entity::{CompanyId, ConnectStatus, Email, Platform, Role, TaskKind};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The V1 partner account's connection, if it asked for one.
pub async fn of(state: &AppState, v: &ViewerUser) -> ApiResult<Option<legacy_connection::Model>> {
    if v.account.platform != Platform::V1 {
        return Ok(None);
    }
    Ok(Connection::find()
        .filter(Column::V1AccountId.eq(v.account.id))
        .one(&state.db)
        .await?)
}

fn already_checking() -> ApiError {
    ApiError::Conflict("a connection request is already being checked: wait for its result".into())
}

/// A request as the V1 owner made it.
struct Asked<'a> {
    v1_account_id: i64,
    company_id: &'a CompanyId,
    owner_email: &'a Email,
    now: chrono::DateTime<Utc>,
}

impl Asked<'_> {
    /// The request's row, PENDING: a new one, or the FAILED one asked again. A PENDING or
    /// CONNECTED request stands (`CONFLICT`).
    async fn record<C: ConnectionTrait>(&self, txn: &C) -> ApiResult<i64> {
        let existing = Connection::find()
            .filter(Column::V1AccountId.eq(self.v1_account_id))
            .one(txn)
            .await?;
        match existing {
            Some(c) if c.status == ConnectStatus::Pending => Err(already_checking()),
            Some(c) if c.status == ConnectStatus::Connected => Err(ApiError::Conflict(format!(
                "this account is already connected to {}",
                c.company_id
            ))),
            Some(failed) => self.again(txn, failed.id).await,
            None => self.first(txn).await,
        }
    }

    async fn again<C: ConnectionTrait>(&self, txn: &C, id: i64) -> ApiResult<i64> {
        let again = Connection::update_many()
            .col_expr(Column::Status, Expr::value(ConnectStatus::Pending))
            .col_expr(Column::CompanyId, Expr::value(self.company_id.as_str()))
            .col_expr(Column::OwnerEmail, Expr::value(self.owner_email.as_str()))
            .col_expr(Column::Message, Expr::value(Option::<String>::None))
            .col_expr(Column::FailureReason, Expr::value(Option::<String>::None))
            .col_expr(Column::V2AccountId, Expr::value(Option::<i64>::None))
            .col_expr(Column::RequestedAt, Expr::value(self.now))
            .col_expr(
                Column::CompletedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(Column::Id.eq(id))
            .filter(Column::Status.eq(ConnectStatus::Failed))
            .exec(txn)
            .await?;
        if again.rows_affected != 1 {
            return Err(already_checking());
        }
        Ok(id)
    }

    async fn first<C: ConnectionTrait>(&self, txn: &C) -> ApiResult<i64> {
        let row = legacy_connection::ActiveModel {
            v1_account_id: Set(self.v1_account_id),
            company_id: Set(self.company_id.as_str().to_owned()),
            owner_email: Set(self.owner_email.as_str().to_owned()),
            status: Set(ConnectStatus::Pending),
            message: Set(None),
            v2_account_id: Set(None),
            requested_at: Set(self.now),
            completed_at: Set(None),
            failure_reason: Set(None),
            ..Default::default()
        };
        let inserted = Connection::insert(row)
            .exec(txn)
            .await
            .map_err(|e| match e.sql_err() {
                // Another request for this account committed first (PostgreSQL).
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => already_checking(),
                _ => e.into(),
            })?;
        Ok(inserted.last_insert_id)
    }
}

/// Records a PENDING request and hands the check to the worker. A FAILED request may be
/// made again; a PENDING or CONNECTED one may not.
pub async fn request(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    company_id: CompanyId,
    owner_email: Email,
) -> ApiResult<legacy_connection::Model> {
    if v.account.platform != Platform::V1 {
        return Err(ApiError::Forbidden(
            "this is already a V2 partner account: Partner Connect connects a V1 partner account to one"
                .into(),
        ));
    }
    if v.user.role != Role::Owner {
        return Err(ApiError::Forbidden(
            "only the account owner can connect this V1 partner account to a V2 partner dashboard"
                .into(),
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let asked = Asked {
        v1_account_id: v.account.id,
        company_id: &company_id,
        owner_email: &owner_email,
        now,
    };
    let id = asked.record(&txn).await?;
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            account_id: Some(v.account.id),
            partner_account_id: Some(v.account.id),
            detail: Some(format!(
                "asked to connect to {company_id} (owner {owner_email})"
            )),
            ..Entry::of(AuditAction::PartnerConnectRequested)
        },
    )
    .await?;
    // The check is recorded with the request; the dispatcher hands it to the queue.
    entity::task::record(&txn, TaskKind::PartnerConnectCheck, id, now).await?;
    state.commit(txn, After::default()).await?;
    Connection::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("connection vanished")))
}
