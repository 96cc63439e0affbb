//! The client list (SPEC §4): the partner's clients as rows with their status and the
//! actions each offers, paged, filtered and counted. The row types are in `types`, the
//! connection and its one-pass edges in `edges`.

mod edges;
mod types;

pub use edges::ClientConnection;
pub use types::*;

use super::context::{parse_id, require_partner_admin, state};
use super::input::int;
use crate::lease::Lent;
use crate::services::client_list;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct ClientListQuery;

/// A partner's client list, one client, and the counts for the tabs.
#[Object]
impl ClientListQuery {
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
            viewer: client_list::Lens::of(v),
            want_total_count: ctx.look_ahead().field("totalCount").exists(),
        };
        // The connection the session was read on, when the request lent it (see
        // `crate::lease`), else the pool.
        let page = match ctx.data_opt::<Lent>().and_then(Lent::take) {
            Some(lease) => client_list::list(&lease, args).await?,
            None => client_list::list(&st.db, args).await?,
        };
        let mut connection = ClientConnection::of_page(page, v.account.platform, true);
        read_for_page(ctx, &mut connection).await?;
        Ok(connection)
    }

    /// One of the partner's clients; null when there is no such client of this partner
    /// (or one the caller, limited to assigned clients, is not assigned to).
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
        let found = client_list::get_with_seat(&st.db, &client_list::Lens::of(v), id).await?;
        Ok(found.map(|(c, seat)| Client::new(&c, seat, v.account.platform)))
    }

    /// How many clients are in each status, for the dashboard's tabs.
    async fn client_status_counts(&self, ctx: &Context<'_>) -> Result<ClientStatusCounts> {
        let v = require_partner_admin(ctx)?;
        let c = client_list::status_counts(state(ctx), &client_list::Lens::of(v)).await?;
        Ok(ClientStatusCounts {
            invited: int(c.invited),
            trial: int(c.trial),
            trial_expired: int(c.trial_expired),
            paying: int(c.paying),
            total: int(c.invited + c.trial + c.trial_expired + c.paying),
        })
    }
}

/// What a page's rows were asked for beyond their own columns, read for the whole page
/// at once: the assignees (one query) and the caller's grants (two).
async fn read_for_page(ctx: &Context<'_>, connection: &mut ClientConnection) -> Result<()> {
    let v = require_partner_admin(ctx)?;
    let st = state(ctx);
    // Assignees asked for: one query for the whole page.
    if rows_ask(ctx, "assignees") {
        let ids: Vec<i64> = connection.edges.0.iter().map(|e| e.node.row_id).collect();
        let mut found = crate::services::scope::assignees_of(&st.db, &ids).await?;
        for e in &mut connection.edges.0 {
            let people = found.remove(&e.node.row_id).unwrap_or_default();
            e.node.assignees_read = Some(
                people
                    .iter()
                    .map(|u| super::accounts::User::new(u, &v.account))
                    .collect(),
            );
        }
    }
    // The caller's grants asked for: two queries for the whole page.
    if rows_ask(ctx, "accessGrant") {
        let ids: Vec<i64> = connection
            .edges
            .0
            .iter()
            .filter_map(|e| e.node.client_account_id)
            .collect();
        let mut found = crate::services::access::grants_of(&st.db, v, &ids).await?;
        for e in &mut connection.edges.0 {
            e.node.grant_read = Some(e.node.client_account_id.and_then(|a| found.remove(&a)));
        }
    }
    Ok(())
}

/// Whether the query asks each row (`edges { node { … } }`) for `field`.
fn rows_ask(ctx: &Context<'_>, field: &str) -> bool {
    ctx.look_ahead()
        .field("edges")
        .field("node")
        .field(field)
        .exists()
}
