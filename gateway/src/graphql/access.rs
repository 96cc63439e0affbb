//! Access the client controls (SPEC §13): access grants and requests, the client's log
//! of partner sessions, and who is signed in now. The rules are `services::access`,
//! `services::access_answers` and `services::access_log`.

use super::accounts::{Account, Role, User};
use super::audit::AuditEvent;
use super::client_list::{Client, PageInfo};
use super::context::{meta, parse_id, require_partner_admin, require_user, state};
use crate::services::access::{self, GrantView};
use crate::services::access_answers;
use crate::services::access_log::{self, LoggedSession};
use crate::services::scope;
use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Where an access grant stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::GrantStatus")]
pub enum AccessGrantStatus {
    /// asked for; the client has not answered (requests expire after 30 days)
    Pending,
    /// the person may enter, in `role`, until `expiresAt`
    Active,
    /// the client said no
    Declined,
    /// reached its end, or a request nobody answered
    Expired,
    /// the client ended it
    Revoked,
}

/// A firm person's access to a client account: who, in which role, since and until
/// when, and where it stands.
#[derive(SimpleObject, Clone, Debug)]
pub struct AccessGrant {
    /// The grant's id, for `approveAccessRequest`, `declineAccessRequest`, `revokeAccess`.
    pub id: ID,
    /// the firm's person
    pub person: User,
    /// The person's partner firm.
    pub firm: Account,
    /// The client account.
    pub client: Account,
    /// the role the person has in the client account
    pub role: Role,
    /// Where it stands now (an ACTIVE grant past its end is EXPIRED).
    pub status: AccessGrantStatus,
    /// Why the person asked.
    pub reason: Option<String>,
    /// When the person asked (or the grant was made).
    pub requested_at: DateTime<Utc>,
    /// When the client answered, or revoked it.
    pub decided_at: Option<DateTime<Utc>>,
    /// null: until revoked
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<GrantView> for AccessGrant {
    fn from(g: GrantView) -> Self {
        AccessGrant {
            id: ID(g.grant.id.to_string()),
            person: User::new(&g.person, &g.firm),
            firm: (&g.firm).into(),
            client: (&g.client).into(),
            role: g.grant.role.into(),
            status: g.grant.state().status_at(Utc::now()).into(),
            reason: g.grant.reason,
            requested_at: g.grant.requested_at,
            decided_at: g.grant.decided_at,
            expires_at: g.grant.expires_at,
        }
    }
}

/// A session a firm person had in the client's account.
#[derive(SimpleObject, Clone, Debug)]
pub struct AccessSession {
    /// The log entry's id.
    pub id: ID,
    /// The firm's person, named.
    pub person: User,
    /// Their partner firm.
    pub firm: Account,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// null while it lasts; set by log-out, expiry or revocation
    pub ended_at: Option<DateTime<Utc>>,
    /// Why they entered, as they said.
    pub reason: Option<String>,
    /// the address the person came from
    pub ip: Option<String>,
    /// what the person did in this session
    pub actions: Vec<AuditEvent>,
}

impl From<LoggedSession> for AccessSession {
    fn from(l: LoggedSession) -> Self {
        let now = Utc::now();
        let person = User::new(&l.person, &l.firm);
        AccessSession {
            id: ID(l.session.id.to_string()),
            firm: (&l.firm).into(),
            started_at: l.session.started_at,
            ended_at: l.session.ended(now),
            reason: l.session.reason.clone(),
            ip: l.session.ip.clone(),
            actions: l
                .actions
                .iter()
                .map(|e| AuditEvent {
                    id: ID(e.id.to_string()),
                    at: e.at,
                    action: e.action.clone(),
                    actor: None,
                    target_client: None,
                    detail: e.detail.clone(),
                    on_behalf_of: Some(person.clone()),
                    ip: e.ip.clone(),
                    request_id: e.request_id.clone(),
                })
                .collect(),
            person,
        }
    }
}

/// One entry of the access log with its cursor.
#[derive(SimpleObject, Clone, Debug)]
pub struct AccessSessionEdge {
    /// Opaque; pass as `after`.
    pub cursor: String,
    /// The session.
    pub node: AccessSession,
}

/// A page of the client's access log, newest first.
#[derive(SimpleObject, Clone, Debug)]
pub struct AccessSessionConnection {
    /// The sessions of this page.
    pub edges: Vec<AccessSessionEdge>,
    /// Where the page sits.
    pub page_info: PageInfo,
}

#[ComplexObject]
impl Client {
    /// the firm's people assigned to this client
    async fn assignees(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        if let Some(read) = &self.assignees_read {
            return Ok(read.clone());
        }
        let v = require_user(ctx)?;
        let mut found = scope::assignees_of(&state(ctx).db, &[self.row_id]).await?;
        Ok(found
            .remove(&self.row_id)
            .unwrap_or_default()
            .iter()
            .map(|u| User::new(u, &v.account))
            .collect())
    }

    /// the calling person's access grant in this client account, if any
    async fn access_grant(&self, ctx: &Context<'_>) -> Result<Option<AccessGrant>> {
        if let Some(read) = &self.grant_read {
            return Ok(read.clone().map(Into::into));
        }
        let v = require_user(ctx)?;
        let Some(account_id) = self.client_account_id else {
            return Ok(None);
        };
        Ok(access::grant_of(&state(ctx).db, v, account_id)
            .await?
            .map(Into::into))
    }
}

#[derive(Default)]
pub struct AccessQuery;

/// The client's side: grants and requests, and its access log.
#[Object]
impl AccessQuery {
    /// Client OWNER/ADMIN: the firm people's grants and requests for this account,
    /// newest first.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (not the client's owner or an admin).
    async fn access_grants(&self, ctx: &Context<'_>) -> Result<Vec<AccessGrant>> {
        let v = require_user(ctx)?;
        Ok(access_answers::list(state(ctx), v)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Client OWNER/ADMIN: every session a firm person had in this account, newest
    /// first: who, from which firm, why, from where, when it started and ended, and
    /// what they did.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (not the client's owner or an admin),
    /// BAD_USER_INPUT (`first` outside 1 to 100, a cursor not of this log).
    async fn partner_access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "sessions per page (default 20, 1 to 100)")] first: Option<i32>,
        #[graphql(desc = "an `endCursor`: the older sessions that follow it")] after: Option<
            String,
        >,
    ) -> Result<AccessSessionConnection> {
        let v = require_user(ctx)?;
        let page = access_log::page(state(ctx), v, first, after.as_deref()).await?;
        let edges: Vec<AccessSessionEdge> = page
            .sessions
            .into_iter()
            .map(|s| AccessSessionEdge {
                cursor: access_log::cursor(s.session.id),
                node: s.into(),
            })
            .collect();
        Ok(AccessSessionConnection {
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: after.is_some(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }

    /// Any user of a client account: the firm people signed in to it now, and why (the
    /// banner); their actions are in `partnerAccessLog`. Empty for other accounts.
    ///
    /// Errors: UNAUTHENTICATED.
    async fn partner_sessions_now(&self, ctx: &Context<'_>) -> Result<Vec<AccessSession>> {
        let v = require_user(ctx)?;
        Ok(access_log::now_signed_in(state(ctx), v)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(Default)]
pub struct AccessMutation;

/// Asking for, answering and ending access.
#[Object]
impl AccessMutation {
    /// A firm person asks the client for access to its account, in `role`, for `days`
    /// (null: until revoked), saying why. The client's owner and admins are emailed; the
    /// row shows PENDING until they answer (30 days at most).
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (not a partner OWNER or ADMIN), NOT_FOUND (not
    /// one of your clients), BAD_USER_INPUT (no account yet, OWNER asked for, `days`
    /// outside 1 to 365, `reason` empty or over 500 characters), CONFLICT (already asked,
    /// or access you have).
    async fn request_client_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
        #[graphql(desc = "the role asked for: ADMIN, MANAGER or EMPLOYEE")] role: Role,
        #[graphql(desc = "how many days (1 to 365); null: until revoked")] days: Option<i32>,
        #[graphql(desc = "why: the client reads it")] reason: String,
    ) -> Result<AccessGrant> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        let g =
            access::request(state(ctx), v, &meta(ctx), id, (role.into(), days, &reason)).await?;
        Ok(g.into())
    }

    /// Client OWNER/ADMIN: approves a request, in the role asked for or a lower one, until
    /// the end asked for or an earlier one. The person's user in this account is made
    /// (or made active again) in that role; they are emailed.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND (no such grant here), CONFLICT (not
    /// waiting for an answer), BAD_USER_INPUT (a higher role, an end later than asked or
    /// in the past).
    async fn approve_access_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the request's `id` (`accessGrants`)")] grant_id: ID,
        #[graphql(desc = "the role to give; default the one asked for")] role: Option<Role>,
        #[graphql(desc = "when it ends; default the end asked for")] expires_at: Option<
            DateTime<Utc>,
        >,
    ) -> Result<AccessGrant> {
        let v = require_user(ctx)?;
        let id = parse_id("grantId", &grant_id)?;
        let g = access_answers::approve(
            state(ctx),
            v,
            &meta(ctx),
            id,
            (role.map(Into::into), expires_at),
        )
        .await?;
        Ok(g.into())
    }

    /// Client OWNER/ADMIN: declines a request; the person is emailed.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT (not waiting).
    async fn decline_access_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the request's `id`")] grant_id: ID,
    ) -> Result<AccessGrant> {
        let v = require_user(ctx)?;
        let id = parse_id("grantId", &grant_id)?;
        Ok(access_answers::decline(state(ctx), v, &meta(ctx), id)
            .await?
            .into())
    }

    /// Client OWNER/ADMIN: ends the grant and the person's sessions in this account at
    /// once (their live connections close too); they are emailed.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT (not active).
    async fn revoke_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the grant's `id`")] grant_id: ID,
    ) -> Result<AccessGrant> {
        let v = require_user(ctx)?;
        let id = parse_id("grantId", &grant_id)?;
        Ok(access_answers::revoke(state(ctx), v, &meta(ctx), id)
            .await?
            .into())
    }
}
