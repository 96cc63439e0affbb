//! The partner firm's policy, set by its owner (`setFirmPolicy`): every member needs a
//! second factor from an instant (SPEC §12), and entering a client's account needs a
//! reason (SPEC §13). A setting left out keeps its value; each change is audited.

use super::After;
use super::AppState;
use super::audit::RequestMeta;
use super::second_factors::record;
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{AuditAction, account};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// The settings to change; `None` keeps a setting.
#[derive(Debug, Default)]
pub struct PolicyChange {
    /// `Some(None)`: a second factor is no longer required.
    pub second_factor_required_from: Option<Option<DateTime<Utc>>>,
    pub access_reason_required: Option<bool>,
}

/// `setFirmPolicy`.
pub async fn set_policy(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    change: PolicyChange,
) -> ApiResult<account::Model> {
    super::firm_owner(v, "sets the firm's policy")?;
    let txn = entity::db::begin_write(&state.db).await?;
    let mut said = Vec::new();
    if let Some(from) = change.second_factor_required_from {
        account::Entity::update_many()
            .col_expr(account::Column::SecondFactorRequiredFrom, Expr::value(from))
            .filter(account::Column::Id.eq(v.account.id))
            .exec(&txn)
            .await?;
        said.push(match from {
            Some(at) => format!(
                "every member needs a second factor from {}",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            None => "a second factor is no longer required".to_owned(),
        });
    }
    if let Some(required) = change.access_reason_required {
        account::Entity::update_many()
            .col_expr(account::Column::AccessReasonRequired, Expr::value(required))
            .filter(account::Column::Id.eq(v.account.id))
            .exec(&txn)
            .await?;
        said.push(if required {
            "entering a client's account needs a reason".to_owned()
        } else {
            "entering a client's account no longer needs a reason".to_owned()
        });
    }
    if !said.is_empty() {
        record(
            &txn,
            v,
            meta,
            &v.account,
            AuditAction::PartnerPolicyChanged,
            said.join("; "),
        )
        .await?;
    }
    let acc = account::Entity::find_by_id(v.account.id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("account".into()))?;
    state.commit(txn, After::default()).await?;
    Ok(acc)
}
