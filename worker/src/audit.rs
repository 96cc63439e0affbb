//! Writing the audit log (SPEC §5): who did what, on whose behalf, when and from where.
//! The gateway records the actions it performs; the worker records those it settles
//! later (a password reset request), with the origin the request carried.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

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

/// Who acted, and from where.
#[derive(Debug, Default, Clone, Copy)]
pub struct Origin<'a> {
    /// `None` for the system or an anonymous caller.
    pub actor_user_id: Option<i64>,
    /// The partner user behind a session opened with `logInToClient`.
    pub on_behalf_of_user_id: Option<i64>,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Records `entry` as done at `at` from `origin`. Call it inside the transaction of the
/// action, so both commit or neither does.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    origin: Origin<'_>,
    entry: Entry,
) -> Result<(), DbErr> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        at: Set(at),
        action: Set(entry.action.to_owned()),
        actor_user_id: Set(origin.actor_user_id),
        on_behalf_of_user_id: Set(origin.on_behalf_of_user_id),
        account_id: Set(entry.account_id),
        partner_account_id: Set(entry.partner_account_id),
        target_client_id: Set(entry.target_client_id),
        detail: Set(entry.detail),
        ip: Set(origin.ip.map(str::to_owned)),
        request_id: Set(origin.request_id.map(|r| r.chars().take(64).collect())),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}
