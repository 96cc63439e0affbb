//! The client list (SPEC §4): one page of a partner's clients by Relay cursor, filtered
//! by status, searched by name and email, sorted four ways, with a count per status.
//! A page is one indexed statement: the rows, the person's own user in each client
//! account and the access grant behind it, and the total count. A member limited to
//! assigned clients (SPEC §13) sees only those, in the rows and the counts alike. The CSV export (`crate::export`) reads the same rows
//! with the same filters in batches by id ([`export_batch`]).

mod lens;
mod order;

use lens::{AFTER_SEAT, read_row, seen_by, with_seat};
pub use lens::{Lens, get, get_with_seat};
use order::{Cursor, key_expr, keyset};
pub use order::{ListOrder, OrderField};

use super::AppState;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{ClientStatus, SeatAccess, client, client_status_count};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

/// Arguments of `clients(...)`, checked.
#[derive(Debug, Default)]
pub struct ListArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub status: Option<ClientStatus>,
    pub search: Option<String>,
    /// Only clients whose trial ends before this instant (trials ending soon).
    pub trial_ends_before: Option<chrono::DateTime<chrono::Utc>>,
    pub order: ListOrder,
    /// Who is looking: their seats and grants come along, and their scope applies.
    pub viewer: Lens,
    /// Whether to count the matching clients (skipped when `totalCount` is not asked for).
    pub want_total_count: bool,
}

pub struct Page {
    /// Cursor, client, and the person's seat and grant in its account.
    pub rows: Vec<(String, client::ListRow, SeatAccess)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: u64,
}

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

/// What the list narrows by, checked: the same for `clients(...)` and the CSV export.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    status: Option<ClientStatus>,
    /// Trimmed, lower-cased, at most 100 characters; `None` when blank.
    search: Option<String>,
    trial_ends_before: Option<DateTime<Utc>>,
}

impl Filter {
    /// The status asked for, if any.
    pub fn status(&self) -> Option<ClientStatus> {
        self.status
    }

    /// `BAD_USER_INPUT` (field `search`) for a search over 100 characters.
    pub fn new(
        status: Option<ClientStatus>,
        search: Option<&str>,
        trial_ends_before: Option<DateTime<Utc>>,
    ) -> ApiResult<Filter> {
        let search = match search.map(str::trim) {
            Some("") | None => None,
            Some(s) if s.chars().count() > 100 => {
                return Err(ApiError::bad_input(
                    "search",
                    "search is too long: use at most 100 characters",
                ));
            }
            Some(s) => Some(s.to_lowercase()),
        };
        Ok(Filter {
            status,
            search,
            trial_ends_before,
        })
    }
}

fn filtered(lens: &Lens, filter: &Filter) -> sea_orm::Select<client::Entity> {
    let mut q = seen_by(lens);
    if let Some(s) = filter.status {
        q = q.filter(client::Column::Status.eq(s));
    }
    if let Some(t) = filter.trial_ends_before {
        // Trials ending soon are trials: a PAYING client's old trial end is history. A
        // caller filtering for TRIAL_EXPIRED asks for those whose trial ended.
        q = q.filter(client::Column::TrialEndsAt.lt(t));
        if filter.status.is_none() {
            q = q.filter(client::Column::Status.eq(ClientStatus::Trial));
        }
    }
    if let Some(term) = filter.search.as_deref() {
        let pattern = super::contains_pattern(term);
        q = q.filter(
            Condition::any()
                .add(Expr::col((client::Entity, client::Column::SortName)).like(pattern.clone()))
                .add(Expr::col((client::Entity, client::Column::Email)).like(pattern)),
        );
    }
    q
}

/// How many rows one statement of the CSV export reads.
pub const EXPORT_BATCH: u64 = 1_000;

/// The CSV export's next batch: up to `limit` of the partner's clients matching `filter`
/// whose id is above `after_id`, by id, each with the seat of the partner user
/// `viewer_email` (as a list page has it). Ids never change, so walking by id neither
/// skips nor repeats a row however the others are edited meanwhile.
pub async fn export_batch<C: ConnectionTrait>(
    db: &C,
    lens: &Lens,
    filter: &Filter,
    after_id: Option<i64>,
    limit: u64,
) -> ApiResult<Vec<(client::ListRow, SeatAccess)>> {
    let mut q = filtered(lens, filter);
    if let Some(id) = after_id {
        q = q.filter(client::Column::Id.gt(id));
    }
    let q = with_seat(q, lens)
        .order_by(client::Column::Id, Order::Asc)
        .limit(limit)
        .into_query();
    db.query_all(&q).await?.iter().map(read_row).collect()
}

/// One page of the partner's clients: one statement, the rows with the count beside them.
/// `db` is the pool, or the connection the request's session was read on
/// (`crate::lease`).
pub async fn list<C: ConnectionTrait>(db: &C, args: ListArgs) -> ApiResult<Page> {
    let (forward, limit) = page_size(&args)?;
    let filter = Filter::new(args.status, args.search.as_deref(), args.trial_ends_before)?;
    let order = args.order;
    let decode = |c: &Option<String>, field| {
        c.as_deref()
            .map(|c| Cursor::decode(c, order, field))
            .transpose()
    };
    let (after, before) = (
        decode(&args.after, "after")?,
        decode(&args.before, "before")?,
    );
    let base = filtered(&args.viewer, &filter);
    let q = keyset(base.clone(), order, after.as_ref(), before.as_ref());
    // Walk in the list's order when paging forward, in reverse when paging back.
    let dir = if order.ascending == forward {
        Order::Asc
    } else {
        Order::Desc
    };
    // One statement for the page: the clients with the partner user's seat in each
    // (`with_seat`), and the count for the filter as a subquery that the database runs
    // once. Rows are read by position (`read_row`).
    let mut page = with_seat(q, &args.viewer)
        .order_by(key_expr(order.field), dir.clone())
        .order_by(client::Column::Id, dir)
        .limit(limit as u64 + 1)
        .into_query();
    let counted = args
        .want_total_count
        .then(|| count_query(&args.viewer, &filter));
    if let Some(count) = &counted {
        page.expr(Expr::SubQuery(None, Box::new(count.clone().into())));
    }
    let (mut rows, total_count) = read_page(db, &page, counted).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    if !forward {
        rows.reverse();
    }
    let (has_next_page, has_previous_page) = if forward {
        (more, after.is_some())
    } else {
        (before.is_some(), more)
    };
    Ok(Page {
        rows: rows
            .into_iter()
            .map(|(c, u)| (Cursor::of(order, &c).encode(), c, u))
            .collect(),
        has_next_page,
        has_previous_page,
        total_count,
    })
}

/// Which way a page goes and how many rows it holds: `first` forward, `last` back.
fn page_size(args: &ListArgs) -> ApiResult<(bool, i32)> {
    let (forward, limit) = match (args.first, args.last) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_input(
                "first",
                "give either first or last, not both",
            ));
        }
        (Some(n), None) => (true, n),
        (None, Some(n)) => (false, n),
        (None, None) => (args.before.is_none(), DEFAULT_PAGE),
    };
    if !(1..=MAX_PAGE).contains(&limit) {
        let field = if forward { "first" } else { "last" };
        return Err(ApiError::bad_input(
            field,
            format!("{field} must be between 1 and {MAX_PAGE}"),
        ));
    }
    Ok((forward, limit))
}

/// The page's rows, and the count the rows carry when `counted` (the count's query) was
/// asked for: counted apart only when no row came back to carry it.
async fn read_page<C: ConnectionTrait>(
    db: &C,
    page: &SelectStatement,
    counted: Option<SelectStatement>,
) -> ApiResult<(Vec<(client::ListRow, SeatAccess)>, u64)> {
    let result = db.query_all(page).await?;
    let mut total_count = 0;
    let mut rows = Vec::with_capacity(result.len());
    for r in &result {
        if counted.is_some() {
            total_count = u64::try_from(r.try_get_by_index::<i64>(AFTER_SEAT)?).unwrap_or(0);
        }
        rows.push(read_row(r)?);
    }
    if let Some(count) = counted
        && rows.is_empty()
    {
        // No row carried the count (a page past the end, or nothing matches).
        if let Some(r) = db.query_one(&count).await? {
            total_count = u64::try_from(r.try_get_by_index::<i64>(0)?).unwrap_or(0);
        }
    }
    Ok((rows, total_count))
}

/// How many clients `lens` sees match `filter`, as a one-column query. Someone who sees
/// the whole firm asking by status alone (the dashboard's tabs, the common case) reads
/// the firm's counters (`client_status_counts`, kept by the database in the same
/// transaction as every change): at most four rows, however many clients. A search, the
/// trials-ending filter and a member limited to assigned clients count the rows they
/// match.
fn count_query(lens: &Lens, filter: &Filter) -> SelectStatement {
    if lens.assigned_only || filter.search.is_some() || filter.trial_ends_before.is_some() {
        return filtered(lens, filter)
            .select_only()
            .expr(Expr::cust("COUNT(*)"))
            .into_query();
    }
    let mut q = client_status_count::Entity::find()
        .filter(client_status_count::Column::PartnerAccountId.eq(lens.firm_id));
    if let Some(s) = filter.status {
        q = q.filter(client_status_count::Column::Status.eq(s));
    }
    q.select_only()
        .expr(Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"))
        .into_query()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct StatusCounts {
    pub invited: u64,
    pub trial: u64,
    pub trial_expired: u64,
    pub paying: u64,
}

/// The clients `lens` sees in each status: the firm's counters for someone who sees the
/// whole firm, a count of the assigned rows for a limited member.
pub async fn status_counts(state: &AppState, lens: &Lens) -> ApiResult<StatusCounts> {
    let rows: Vec<(ClientStatus, i64)> = if lens.assigned_only {
        seen_by(lens)
            .select_only()
            .column(client::Column::Status)
            .column_as(client::Column::Id.count(), "n")
            .group_by(client::Column::Status)
            .into_tuple()
            .all(&state.db)
            .await?
    } else {
        client_status_count::Entity::find()
            .select_only()
            .column(client_status_count::Column::Status)
            .column(client_status_count::Column::N)
            .filter(client_status_count::Column::PartnerAccountId.eq(lens.firm_id))
            .into_tuple()
            .all(&state.db)
            .await?
    };
    let mut c = StatusCounts::default();
    for (s, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match s {
            ClientStatus::Invited => c.invited = n,
            ClientStatus::Trial => c.trial = n,
            ClientStatus::TrialExpired => c.trial_expired = n,
            ClientStatus::Paying => c.paying = n,
        }
    }
    Ok(c)
}
