//! The audit log (SPEC §5): who did what, on whose behalf, when and from where.

use super::AppState;
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::audit_event::{self, Column, Entity as AuditEvent};
use entity::{account, client, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub request_id: String,
}

pub use entity::audit_event::Entry;

/// Records `entry` as done by `actor` (None for the system or an anonymous caller).
/// Call it inside the transaction of the action, so both commit or neither does.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: Option<&ViewerUser>,
    meta: &RequestMeta,
    entry: Entry,
) -> ApiResult<()> {
    let origin = audit_event::Origin {
        actor_user_id: actor.map(|a| a.user.id),
        on_behalf_of_user_id: actor.and_then(|a| a.opened_by),
        ip: meta.ip.as_deref(),
        request_id: Some(&meta.request_id),
    };
    audit_event::record(conn, Utc::now(), origin, entry).await?;
    Ok(())
}

/// Records `entries`, all done now by `actor`, in as few statements as it takes (a bulk
/// action's one entry per row).
pub async fn record_all<C: ConnectionTrait>(
    conn: &C,
    actor: &ViewerUser,
    meta: &RequestMeta,
    entries: Vec<Entry>,
) -> ApiResult<()> {
    let origin = audit_event::Origin {
        actor_user_id: Some(actor.user.id),
        on_behalf_of_user_id: actor.opened_by,
        ip: meta.ip.as_deref(),
        request_id: Some(&meta.request_id),
    };
    audit_event::record_all(conn, Utc::now(), origin, entries).await?;
    Ok(())
}

/// One page of a partner's audit log and every row it refers to, in four queries.
pub struct Page {
    /// Newest first.
    pub events: Vec<audit_event::Model>,
    pub has_next_page: bool,
    /// The actors and the partner users they acted for, with their accounts.
    pub users: Vec<(user::Model, account::Model)>,
    /// The partner's clients the events are about (never another partner's).
    pub clients: Vec<client::Model>,
}

impl Page {
    /// The user (and account) with this id, if the page refers to it.
    pub fn user(&self, id: Option<i64>) -> Option<&(user::Model, account::Model)> {
        self.users.iter().find(|(u, _)| Some(u.id) == id)
    }

    /// The client with this id, if the page refers to it.
    pub fn client(&self, id: Option<i64>) -> Option<&client::Model> {
        self.clients.iter().find(|c| Some(c.id) == id)
    }
}

/// Whose audit log is read.
#[derive(Debug, Clone, Copy)]
pub enum LogOf {
    /// A partner firm's: everything done in it and in the clients it lists.
    Partner(i64),
    /// A client account's own: everything done in it, and what support did about it
    /// when no partner lists it.
    Client(i64),
}

/// A page of an account's audit log, newest first.
pub async fn page(
    state: &AppState,
    of: LogOf,
    first: Option<i32>,
    after: Option<&str>,
) -> ApiResult<Page> {
    let partner_account_id = match of {
        LogOf::Partner(id) | LogOf::Client(id) => id,
    };
    let (events, has_next_page) = list(state, of, first, after).await?;
    let user_ids: Vec<i64> = events
        .iter()
        .flat_map(|e| [e.actor_user_id, e.on_behalf_of_user_id])
        .flatten()
        .collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(&state.db)
        .await?;
    let account_ids: Vec<i64> = users.iter().map(|u| u.account_id).collect();
    let accounts = account::Entity::find()
        .filter(account::Column::Id.is_in(account_ids))
        .all(&state.db)
        .await?;
    let users = users
        .into_iter()
        .filter_map(|u| {
            let a = accounts.iter().find(|a| a.id == u.account_id)?.clone();
            Some((u, a))
        })
        .collect();
    let client_ids: Vec<i64> = events.iter().filter_map(|e| e.target_client_id).collect();
    let clients = client::Entity::find()
        .filter(client::Column::Id.is_in(client_ids))
        .filter(client::Column::PartnerAccountId.eq(partner_account_id))
        .all(&state.db)
        .await?;
    Ok(Page {
        events,
        has_next_page,
        users,
        clients,
    })
}

/// Records `entry` as done by the user `user_id` without a session yet (a person who
/// just accepted an invite or set a password through an emailed link).
pub async fn record_by<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    meta: &RequestMeta,
    entry: Entry,
) -> ApiResult<()> {
    let origin = audit_event::Origin {
        actor_user_id: Some(user_id),
        on_behalf_of_user_id: None,
        ip: meta.ip.as_deref(),
        request_id: Some(&meta.request_id),
    };
    audit_event::record(conn, Utc::now(), origin, entry).await?;
    Ok(())
}

/// The log's events, newest first: `first` (1–100) after the event `after`.
async fn list(
    state: &AppState,
    of: LogOf,
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
    let mut q = match of {
        LogOf::Partner(id) => AuditEvent::find().filter(Column::PartnerAccountId.eq(id)),
        LogOf::Client(id) => AuditEvent::find().filter(
            sea_orm::Condition::any()
                .add(Column::AccountId.eq(id))
                .add(Column::PartnerAccountId.eq(id)),
        ),
    };
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
