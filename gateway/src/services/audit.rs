//! The audit log (SPEC §5): who did what, on whose behalf, when and from where.

use super::AppState;
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::audit_event::{self, Column, Entity as AuditEvent};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub request_id: String,
}

/// One event to record.
#[derive(Debug, Default)]
pub struct Entry {
    pub action: &'static str,
    /// The account acted in.
    pub account_id: Option<i64>,
    /// The partner whose audit log shows the event.
    pub partner_account_id: Option<i64>,
    pub target_client_id: Option<i64>,
    pub detail: Option<String>,
}

/// Records `entry` as done by `actor` (None for the system or an anonymous caller).
/// Call it inside the transaction of the action, so both commit or neither does.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: Option<&ViewerUser>,
    meta: &RequestMeta,
    entry: Entry,
) -> ApiResult<()> {
    AuditEvent::insert(audit_event::ActiveModel {
        at: Set(Utc::now()),
        action: Set(entry.action.to_owned()),
        actor_user_id: Set(actor.map(|a| a.user.id)),
        on_behalf_of_user_id: Set(actor.and_then(|a| a.opened_by)),
        account_id: Set(entry.account_id),
        partner_account_id: Set(entry.partner_account_id),
        target_client_id: Set(entry.target_client_id),
        detail: Set(entry.detail),
        ip: Set(meta.ip.clone()),
        request_id: Set(Some(meta.request_id.chars().take(64).collect())),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The partner's events, newest first: `first` (1–100) after the event `after`.
pub async fn list(
    state: &AppState,
    partner_account_id: i64,
    first: Option<i32>,
    after: Option<&str>,
) -> ApiResult<(Vec<audit_event::Model>, bool)> {
    let first = first.unwrap_or(20);
    if !(1..=100).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            "first must be between 1 and 100",
        ));
    }
    let mut q = AuditEvent::find().filter(Column::PartnerAccountId.eq(partner_account_id));
    if let Some(after) = after {
        let id = decode_cursor(after)?;
        q = q.filter(Column::Id.lt(id));
    }
    let mut rows = q
        .order_by_desc(Column::Id)
        .limit(first as u64 + 1)
        .all(&state.db)
        .await?;
    let more = rows.len() > first as usize;
    rows.truncate(first as usize);
    Ok((rows, more))
}

pub fn cursor(id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("audit:{id}"))
}

fn decode_cursor(raw: &str) -> ApiResult<i64> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("audit:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::bad_input("after", "this cursor is not valid for the audit log"))
}
