use super::types::{
    Client, ClientConnection, ClientEdge, ClientOrder, ClientStatus, ClientStatusCounts,
    InviteLink, PageInfo, User, int,
};
use super::{parse_id, require_partner_admin, require_user, state, viewer};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::services::{accounts, clients};
use async_graphql::{Context, ID, Object, Result};

pub struct QueryRoot;

#[Object]
impl QueryRoot {
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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        status: Option<ClientStatus>,
        search: Option<String>,
        order_by: Option<ClientOrder>,
    ) -> Result<ClientConnection> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let args = clients::ListArgs {
            first,
            after,
            last,
            before,
            status: status.map(Into::into),
            search,
            order: order_by.map(Into::into).unwrap_or_default(),
        };
        let page = clients::list(st, v.account.id, args).await?;
        let ids: Vec<i64> = page
            .rows
            .iter()
            .filter_map(|(_, c)| c.client_account_id)
            .collect();
        let with_user = clients::accounts_with_user(st, &v.user.email, &ids).await?;
        let edges: Vec<ClientEdge> = page
            .rows
            .iter()
            .map(|(cursor, c)| ClientEdge {
                cursor: cursor.clone(),
                node: Client::new(
                    c,
                    c.client_account_id.is_some_and(|a| with_user.contains(&a)),
                ),
            })
            .collect();
        Ok(ClientConnection {
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
            total_count: int(page.total_count),
        })
    }

    /// One of the partner's clients; null when there is no such client of this partner.
    async fn client(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Client>> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        let Some(c) = clients::get(st, v.account.id, id).await? else {
            return Ok(None);
        };
        let ids: Vec<i64> = c.client_account_id.into_iter().collect();
        let with_user = clients::accounts_with_user(st, &v.user.email, &ids).await?;
        Ok(Some(Client::new(&c, !with_user.is_empty())))
    }

    /// How many clients are in each status, for the dashboard's tabs.
    async fn client_status_counts(&self, ctx: &Context<'_>) -> Result<ClientStatusCounts> {
        let v = require_partner_admin(ctx)?;
        let c = clients::status_counts(state(ctx), v.account.id).await?;
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
        let code = clients::invite_code(st, v).await?;
        Ok(InviteLink {
            url: clients::invite_url(st, &code),
            code,
        })
    }
}
