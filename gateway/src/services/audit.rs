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

pub use worker::audit::Entry;

/// Records `entry` as done by `actor` (None for the system or an anonymous caller).
/// Call it inside the transaction of the action, so both commit or neither does.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: Option<&ViewerUser>,
    meta: &RequestMeta,
    entry: Entry,
) -> ApiResult<()> {
    let origin = worker::audit::Origin {
        actor_user_id: actor.map(|a| a.user.id),
        on_behalf_of_user_id: actor.and_then(|a| a.opened_by),
        ip: meta.ip.as_deref(),
        request_id: Some(&meta.request_id),
    };
    worker::audit::record(conn, Utc::now(), origin, entry).await?;
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
