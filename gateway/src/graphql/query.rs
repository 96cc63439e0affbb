use super::client_list::ClientConnection;
use super::types::{
    AuditEvent, AuditEventConnection, AuditEventEdge, Client, ClientOrder, ClientStatus,
    ClientStatusCounts, DiscountTier, InviteLink, LegacyConnection, PageInfo, UpgradeCandidate,
    UpgradeTab, User, int,
};
use super::{parse_id, require_account_owner, require_partner_admin, require_user, state, viewer};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::lease::Lent;
use crate::services::{accounts, audit, billing, client_list, connect, invites, upgrade};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct AccountQuery;

/// The fields of `Query` for partners and their clients (`QueryRoot`).
#[Object]
impl AccountQuery {
    /// The signed-in user and their account; null when no session is sent.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match viewer(ctx) {
            Viewer::Anonymous => Ok(None),
            Viewer::InvalidToken => Err(ApiError::unauthenticated().into()),
            Viewer::User(v) => Ok(Some(User::new(&v.user, &v.account))),
        }
    }

    /// The users of the signed-in user's account.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let v = require_user(ctx)?;
        let rows = accounts::users_of(&state(ctx).db, v.account.id).await?;
        Ok(rows.iter().map(|u| User::new(u, &v.account)).collect())
    }

    /// The partner's clients: a cursor connection (at most 100 a page), filterable by
    /// status, searchable by name and email, default order name ascending.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(0, 100) as usize * child_complexity + 2"
    )]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "rows after `after` (default 20, 1 to 100)")] first: Option<i32>,
        #[graphql(desc = "an `endCursor` or edge cursor: the rows that follow it")] after: Option<
            String,
        >,
        #[graphql(desc = "rows before `before` (1 to 100), for paging back; not with `first`")]
        last: Option<i32>,
        #[graphql(desc = "a `startCursor` or edge cursor: the rows that come before it")]
        before: Option<String>,
        #[graphql(desc = "only clients in this status (a dashboard tab)")] status: Option<
            ClientStatus,
        >,
        #[graphql(desc = "case-insensitive words matched against names and emails")] search: Option<
            String,
        >,
        #[graphql(desc = "sort order; default name ascending")] order_by: Option<ClientOrder>,
        #[graphql(desc = "only clients whose trial ends before this instant (trials ending soon)")]
        trial_ends_before: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<ClientConnection> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let args = client_list::ListArgs {
            first,
            after,
            last,
            before,
            status: status.map(Into::into),
            search,
            trial_ends_before,
            order: order_by.map(Into::into).unwrap_or_default(),
            viewer_email: v.user.email.clone(),
            want_total_count: ctx.look_ahead().field("totalCount").exists(),
        };
        // The connection the session was read on, when the request lent it (see
        // `crate::lease`), else the pool.
        let page = match ctx.data_opt::<Lent>().and_then(Lent::take) {
            Some(lease) => client_list::list(&lease, v.account.id, args).await?,
            None => client_list::list(&st.db, v.account.id, args).await?,
        };
        Ok(ClientConnection::of_page(page, v.account.platform, true))
    }

    /// One of the partner's clients; null when there is no such client of this partner.
    async fn client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] id: ID,
    ) -> Result<Option<Client>> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        let Some(c) = client_list::get(st, v.account.id, id).await? else {
            return Ok(None);
        };
        let ids: Vec<i64> = c.client_account_id.into_iter().collect();
        let with_user = client_list::partner_users_in(st, &v.user.email, &ids).await?;
        Ok(Some(Client::of(
            &c,
            with_user.values().next().copied(),
            v.account.platform,
        )))
    }

    /// How many clients are in each status, for the dashboard's tabs.
    async fn client_status_counts(&self, ctx: &Context<'_>) -> Result<ClientStatusCounts> {
        let v = require_partner_admin(ctx)?;
        let c = client_list::status_counts(state(ctx), v.account.id).await?;
        Ok(ClientStatusCounts {
            invited: int(c.invited),
            trial: int(c.trial),
            trial_expired: int(c.trial_expired),
            paying: int(c.paying),
            total: int(c.invited + c.trial + c.trial_expired + c.paying),
        })
    }

    /// The partner's unique invite link (created on first use).
    async fn invite_link(&self, ctx: &Context<'_>) -> Result<InviteLink> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let code = invites::invite_code(st, v).await?;
        Ok(InviteLink {
            url: invites::invite_url(st, &code),
            code,
        })
    }

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
                        .map(|c| Client::of(c, None, v.account.platform)),
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

    /// The partner's discount tier and how many more active clients reach the next.
    async fn discount_tier(&self, ctx: &Context<'_>) -> Result<DiscountTier> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let active = billing::active_clients(st, v.account.id).await?;
        let standing = st
            .config
            .discount_tiers
            .standing(u32::try_from(active).unwrap_or(u32::MAX));
        Ok(DiscountTier {
            active_clients: int(active),
            percent_off: standing.percent_off as i32,
            clients_to_next_tier: standing.clients_to_next_tier.map(|n| int(u64::from(n))),
        })
    }

    /// A V1 partner account's Partner Connect request and its result; null when none.
    async fn legacy_connection(&self, ctx: &Context<'_>) -> Result<Option<LegacyConnection>> {
        let v = require_partner_admin(ctx)?;
        Ok(connect::of(state(ctx), v).await?.as_ref().map(Into::into))
    }

    /// the plans a client account can subscribe to
    async fn plans(&self, ctx: &Context<'_>) -> Vec<super::types::Plan> {
        state(ctx)
            .config
            .plans
            .all()
            .iter()
            .map(Into::into)
            .collect()
    }

    /// null unless the V1 partner has at least one eligible client
    async fn upgrade_tab(&self, ctx: &Context<'_>) -> Result<Option<UpgradeTab>> {
        let v = require_partner_admin(ctx)?;
        let rows = upgrade::tab(state(ctx), v).await?;
        Ok(rows.map(|rows| UpgradeTab {
            candidates: rows.iter().map(UpgradeCandidate::new).collect(),
        }))
    }
}
