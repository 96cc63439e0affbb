//! The audit log (SPEC §5), read by an account's owner.

use super::accounts::User;
use super::client_list::{Client, PageInfo};
use super::context::{require_account_owner, state};
use crate::services::audit;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Something a user did, as the partner owner's audit log shows it.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEvent {
    /// The entry's id.
    pub id: ID,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// e.g. `client.invited`, `client.log_in`, `user.role_changed`.
    pub action: String,
    /// Who did it; null for the system or an anonymous request.
    pub actor: Option<User>,
    /// The client it was about, if any.
    pub target_client: Option<Client>,
    /// More about it, e.g. the new role or the invitee's email.
    pub detail: Option<String>,
    /// The partner user behind a session opened with `logInToClient`, when it was one.
    pub on_behalf_of: Option<User>,
    /// Where the request came from.
    pub ip: Option<String>,
    /// The request's id (`x-request-id`), to find it in the gateway's logs.
    pub request_id: Option<String>,
}

/// One audit entry with its cursor.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEventEdge {
    /// Opaque; pass as `after`.
    pub cursor: String,
    /// The entry.
    pub node: AuditEvent,
}

/// A page of the audit log, newest first.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEventConnection {
    /// The entries of this page.
    pub edges: Vec<AuditEventEdge>,
    /// Where the page sits.
    pub page_info: PageInfo,
}

#[derive(Default)]
pub struct AuditQuery;

/// An account's audit log.
#[Object]
impl AuditQuery {
    /// The account's audit log, newest first, for its owner: a partner firm's (everything
    /// done in it and in the clients it lists), or a client account's own (everything
    /// done in it, and what support did about it).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "entries per page (default 20, 1 to 100)")] first: Option<i32>,
        #[graphql(desc = "an `endCursor`: the older entries that follow it")] after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let v = require_account_owner(ctx)?;
        let of = match v.account.kind {
            entity::AccountKind::Client => audit::LogOf::Client(v.account.id),
            _ => audit::LogOf::Partner(v.account.id),
        };
        let page = audit::page(state(ctx), of, first, after.as_deref()).await?;
        let user_of = |id| page.user(id).map(|(u, a)| User::new(u, a));
        let edges: Vec<AuditEventEdge> = page
            .events
            .iter()
            .map(|e| AuditEventEdge {
                cursor: audit::cursor(e.id),
                node: AuditEvent {
                    id: ID(e.id.to_string()),
                    at: e.at,
                    action: e.action.clone(),
                    actor: user_of(e.actor_user_id),
                    on_behalf_of: user_of(e.on_behalf_of_user_id),
                    target_client: page
                        .client(e.target_client_id)
                        .map(|c| Client::of(c, entity::SeatAccess::default(), v.account.platform)),
                    detail: e.detail.clone(),
                    ip: e.ip.clone(),
                    request_id: e.request_id.clone(),
                },
            })
            .collect();
        Ok(AuditEventConnection {
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: after.is_some(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }
}
