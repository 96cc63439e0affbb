//! The client's access log (SPEC §13): every session a firm person had in the client's
//! account — the named person and their firm, why, from where, when it started and
//! ended (log-out, revocation, any other ending, or its expiry when nobody ended it) —
//! with the audit events done under it; and who is signed in now, for the banner.

use super::AppState;
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{AccountKind, access_session, account, audit_event, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// One session of the log, with who and what.
pub struct LoggedSession {
    pub session: access_session::Model,
    pub person: user::Model,
    pub firm: account::Model,
    /// Empty unless the reader may see them (the client's owner and admins).
    pub actions: Vec<audit_event::Model>,
}

pub struct LogPage {
    pub sessions: Vec<LoggedSession>,
    pub has_next_page: bool,
}

/// A page cursor: the session's id.
pub fn cursor(id: i64) -> String {
    format!("s{id}")
}

fn parse_cursor(raw: &str) -> ApiResult<i64> {
    raw.strip_prefix('s')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            ApiError::bad_input(
                "after",
                "not a cursor of this log: start from the first page",
            )
        })
}

/// The client account of `v`, read by its owner or an admin (`FORBIDDEN` otherwise).
fn client_admin(v: &ViewerUser) -> ApiResult<i64> {
    if v.account.kind != AccountKind::Client || !v.user.is_admin() || v.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "only the client's owner and admins read who from the partner firm entered".into(),
        ));
    }
    Ok(v.account.id)
}

/// `partnerAccessLog`: the sessions newest first, `first` at a time (1 to 100).
pub async fn page(
    state: &AppState,
    v: &ViewerUser,
    first: Option<i32>,
    after: Option<&str>,
) -> ApiResult<LogPage> {
    let account_id = client_admin(v)?;
    let first = first.unwrap_or(20);
    if !(1..=100).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            "first must be between 1 and 100",
        ));
    }
    let mut q = access_session::Entity::find()
        .filter(access_session::Column::ClientAccountId.eq(account_id))
        .order_by_desc(access_session::Column::Id)
        .limit(first as u64 + 1);
    if let Some(a) = after {
        q = q.filter(access_session::Column::Id.lt(parse_cursor(a)?));
    }
    let mut rows = q.all(&state.db).await?;
    let has_next_page = rows.len() > first as usize;
    rows.truncate(first as usize);
    let sessions = with_people(state, rows, Some(account_id)).await?;
    Ok(LogPage {
        sessions,
        has_next_page,
    })
}

/// The firm people signed in to `v`'s client account now (the banner), for any user
/// of that account; without their actions.
pub async fn now_signed_in(state: &AppState, v: &ViewerUser) -> ApiResult<Vec<LoggedSession>> {
    if v.account.kind != AccountKind::Client {
        return Ok(Vec::new());
    }
    let rows = access_session::Entity::find()
        .filter(access_session::Column::ClientAccountId.eq(v.account.id))
        .filter(access_session::Column::EndedAt.is_null())
        .filter(access_session::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(access_session::Column::Id)
        .limit(20)
        .all(&state.db)
        .await?;
    with_people(state, rows, None).await
}

/// `rows` with their people and firms, and when `actions_in` names the account, the
/// audit events each session's seat did there while it lasted: three queries for any
/// number of sessions.
async fn with_people(
    state: &AppState,
    rows: Vec<access_session::Model>,
    actions_in: Option<i64>,
) -> ApiResult<Vec<LoggedSession>> {
    let people: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.person_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let firms: HashMap<i64, account::Model> = account::Entity::find()
        .filter(account::Column::Id.is_in(rows.iter().map(|r| r.firm_account_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut events: Vec<audit_event::Model> = Vec::new();
    if let (Some(account_id), Some(oldest)) = (actions_in, rows.iter().map(|r| r.started_at).min())
    {
        events = audit_event::Entity::find()
            .filter(audit_event::Column::AccountId.eq(account_id))
            .filter(audit_event::Column::ActorUserId.is_in(rows.iter().map(|r| r.seat_user_id)))
            .filter(audit_event::Column::At.gte(oldest))
            .order_by_asc(audit_event::Column::Id)
            .all(&state.db)
            .await?;
    }
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .filter_map(|s| {
            let person = people.get(&s.person_id)?.clone();
            let firm = firms.get(&s.firm_account_id)?.clone();
            let end: DateTime<Utc> = s.ended(now).unwrap_or(now);
            let actions = events
                .iter()
                .filter(|e| {
                    e.actor_user_id == Some(s.seat_user_id) && e.at >= s.started_at && e.at <= end
                })
                .cloned()
                .collect();
            Some(LoggedSession {
                session: s,
                person,
                firm,
                actions,
            })
        })
        .collect())
}
