//! The client list (SPEC §4): one page of a partner's clients by Relay cursor, filtered
//! by status, searched by name and email, sorted four ways, with a count per status.
//! A page is one indexed statement: the rows, the person's own user in each client
//! account and the access grant behind it, and the total count. A member limited to
//! assigned clients (SPEC §13) sees only those, in the rows and the counts alike. The CSV export (`crate::export`) reads the same rows
//! with the same filters in batches by id ([`export_batch`]).

use super::AppState;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{
    ClientScope, ClientStatus, GrantState, PartnerSeat, Role, SeatAccess, access_grant, client,
    client_assignee, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderField {
    Name,
    Status,
    InvitedAt,
    TrialEndsAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOrder {
    pub field: OrderField,
    pub ascending: bool,
}

impl Default for ListOrder {
    fn default() -> Self {
        ListOrder {
            field: OrderField::Name,
            ascending: true,
        }
    }
}

/// A position in the list: the sort key of a row and its id, for one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    o: OrderField,
    a: bool,
    k: serde_json::Value,
    i: i64,
}

/// Missing trial ends sort after every real one.
fn far_future() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or_default()
}

impl Cursor {
    fn of(order: ListOrder, c: &client::ListRow) -> Cursor {
        let k = match order.field {
            OrderField::Name => serde_json::json!(c.sort_name),
            OrderField::Status => serde_json::json!(c.status_rank),
            OrderField::InvitedAt => serde_json::json!(c.invited_at.to_rfc3339()),
            OrderField::TrialEndsAt => {
                serde_json::json!(c.trial_ends_at.unwrap_or_else(far_future).to_rfc3339())
            }
        };
        Cursor {
            o: order.field,
            a: order.ascending,
            k,
            i: c.id,
        }
    }

    pub fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(
        raw: &str,
        order: ListOrder,
        field: &'static str,
    ) -> ApiResult<(Cursor, sea_orm::Value)> {
        use base64::Engine;
        let bad = || {
            ApiError::bad_input(
                field,
                "this cursor is not valid for this list: start again from the first page",
            )
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.trim())
            .map_err(|_| bad())?;
        let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if c.o != order.field || c.a != order.ascending {
            return Err(bad());
        }
        let v: sea_orm::Value = match order.field {
            OrderField::Name => c.k.as_str().ok_or_else(bad)?.to_owned().into(),
            OrderField::Status => (c.k.as_i64().ok_or_else(bad)? as i16).into(),
            OrderField::InvitedAt | OrderField::TrialEndsAt => {
                let t = DateTime::parse_from_rfc3339(c.k.as_str().ok_or_else(bad)?)
                    .map_err(|_| bad())?;
                t.with_timezone(&Utc).into()
            }
        };
        Ok((c, v))
    }
}

fn key_expr(field: OrderField) -> Expr {
    match field {
        OrderField::Name => Expr::col((client::Entity, client::Column::SortName)),
        OrderField::Status => Expr::col((client::Entity, client::Column::StatusRank)),
        OrderField::InvitedAt => Expr::col((client::Entity, client::Column::InvitedAt)),
        OrderField::TrialEndsAt => Func::coalesce([
            Expr::col((client::Entity, client::Column::TrialEndsAt)),
            Expr::value(far_future()),
        ])
        .into(),
    }
}

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

/// Whose list it is and who looks at it: the firm, and the person, whose seat and grant
/// in each client account come along and whose scope narrows the rows (SPEC §13).
#[derive(Debug, Clone, Default)]
pub struct Lens {
    pub firm_id: i64,
    /// The person's user id in the firm (0: nobody's, e.g. support staff reading).
    pub person_id: i64,
    pub email: String,
    /// Only the clients the person is assigned to.
    pub assigned_only: bool,
}

impl Lens {
    /// The signed-in firm member `v`.
    pub fn of(v: &crate::auth::ViewerUser) -> Lens {
        Lens {
            firm_id: v.account.id,
            person_id: v.user.id,
            email: v.user.email.clone(),
            assigned_only: v.user.role != Role::Owner
                && v.user.client_scope == ClientScope::AssignedClients,
        }
    }

    /// Everything of firm `firm_id`, as nobody in particular (support staff).
    pub fn whole_firm(firm_id: i64) -> Lens {
        Lens {
            firm_id,
            ..Lens::default()
        }
    }
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
    /// `BAD_USER_INPUT` (field `search`) for a search over 100 characters.
    /// The status asked for, if any.
    pub fn status(&self) -> Option<ClientStatus> {
        self.status
    }

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

/// The clients `lens` sees: the firm's, and for a member limited to assigned clients,
/// those assigned to them.
fn seen_by(lens: &Lens) -> sea_orm::Select<client::Entity> {
    let mut q = client::Entity::find().filter(client::Column::PartnerAccountId.eq(lens.firm_id));
    if lens.assigned_only {
        q = q.filter(
            client::Column::Id.in_subquery(
                client_assignee::Entity::find()
                    .select_only()
                    .column(client_assignee::Column::ClientId)
                    .filter(client_assignee::Column::UserId.eq(lens.person_id))
                    .into_query(),
            ),
        );
    }
    q
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

/// The list's select list on `q`: the clients (`ListRow::COLUMNS`), then the role and
/// state of the person's own user row in each client account and the status and end of
/// the grant behind it (what decides "Log in", "Reset password" and "Request access",
/// read from covering indexes). [`read_row`] reads it back.
fn with_seat(q: sea_orm::Select<client::Entity>, lens: &Lens) -> sea_orm::Select<client::Entity> {
    let email = lens.email.clone();
    let person = lens.person_id;
    let grant: sea_orm::RelationDef = client::Entity::belongs_to(access_grant::Entity)
        .from(client::Column::ClientAccountId)
        .to(access_grant::Column::ClientAccountId)
        .on_condition(move |_, right| {
            Condition::all().add(Expr::col((right, access_grant::Column::PersonId)).eq(person))
        })
        .into();
    let partner_user: sea_orm::RelationDef = client::Entity::belongs_to(user::Entity)
        .from(client::Column::ClientAccountId)
        .to(user::Column::AccountId)
        .on_condition(move |_, right| {
            Condition::all().add(Expr::col((right, user::Column::Email)).eq(email.clone()))
        })
        .into();
    q.select_only()
        .columns(client::ListRow::COLUMNS)
        .join(sea_orm::JoinType::LeftJoin, partner_user)
        .expr(Expr::col((user::Entity, user::Column::Role)))
        .expr(Expr::col((user::Entity, user::Column::Active)))
        .join(sea_orm::JoinType::LeftJoin, grant)
        .expr(Expr::col((
            access_grant::Entity,
            access_grant::Column::Status,
        )))
        .expr(Expr::col((
            access_grant::Entity,
            access_grant::Column::ExpiresAt,
        )))
}

/// The columns after [`with_seat`]'s, by position.
const AFTER_SEAT: usize = client::ListRow::COLUMNS.len() + 4;

/// A row of [`with_seat`]: the client and the person's seat and grant in its account.
fn read_row(r: &sea_orm::QueryResult) -> ApiResult<(client::ListRow, SeatAccess)> {
    let n = client::ListRow::COLUMNS.len();
    let c = client::ListRow::from_row(r)?;
    let role: Option<entity::Role> = r.try_get_by_index(n)?;
    let active: Option<bool> = r.try_get_by_index(n + 1)?;
    let status: Option<entity::GrantStatus> = r.try_get_by_index(n + 2)?;
    let expires_at: Option<DateTime<Utc>> = r.try_get_by_index(n + 3)?;
    Ok((
        c,
        SeatAccess {
            seat: role
                .zip(active)
                .map(|(role, active)| PartnerSeat { role, active }),
            grant: status.map(|status| GrantState { status, expires_at }),
        },
    ))
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

/// One page of the partner's clients: one indexed query for the rows and one count.
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
    let counted = args.want_total_count.then(|| base.clone());
    if let Some(count) = &counted {
        let count = count
            .clone()
            .select_only()
            .expr(Expr::cust("COUNT(*)"))
            .into_query();
        page.expr(Expr::SubQuery(None, Box::new(count.into())));
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

/// `base` past `after` and before `before` in `order` (keyset paging: stable while rows
/// are added).
fn keyset(
    base: sea_orm::Select<client::Entity>,
    order: ListOrder,
    after: Option<&(Cursor, sea_orm::Value)>,
    before: Option<&(Cursor, sea_orm::Value)>,
) -> sea_orm::Select<client::Entity> {
    let key = key_expr(order.field);
    let beyond = |(c, v): &(Cursor, sea_orm::Value), ascending: bool| {
        let (k, id) = (key.clone(), Expr::col((client::Entity, client::Column::Id)));
        if ascending {
            Condition::any()
                .add(k.clone().gt(v.clone()))
                .add(Condition::all().add(k.eq(v.clone())).add(id.gt(c.i)))
        } else {
            Condition::any()
                .add(k.clone().lt(v.clone()))
                .add(Condition::all().add(k.eq(v.clone())).add(id.lt(c.i)))
        }
    };
    let mut q = base;
    if let Some(a) = after {
        q = q.filter(beyond(a, order.ascending));
    }
    if let Some(b) = before {
        q = q.filter(beyond(b, !order.ascending));
    }
    q
}

/// The page's rows, and the count the rows carry when `counted` (the filter) was asked
/// for: counted apart only when no row came back to carry it.
async fn read_page<C: ConnectionTrait>(
    db: &C,
    page: &sea_orm::sea_query::SelectStatement,
    counted: Option<sea_orm::Select<client::Entity>>,
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
    if let Some(base) = counted
        && rows.is_empty()
    {
        // No row carried the count (a page past the end, or nothing matches).
        total_count = base.count(db).await?;
    }
    Ok((rows, total_count))
}

/// One client `lens` sees, or `None` (also for another partner's client, and for a
/// client a member limited to assigned clients is not assigned to).
pub async fn get<C: ConnectionTrait>(
    db: &C,
    lens: &Lens,
    id: i64,
) -> ApiResult<Option<client::Model>> {
    Ok(seen_by(lens)
        .filter(client::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// One client `lens` sees with the person's seat and grant in its account (what decides
/// "Log in", "Reset password" and "Request access"), as a list row has them.
pub async fn get_with_seat<C: ConnectionTrait>(
    db: &C,
    lens: &Lens,
    id: i64,
) -> ApiResult<Option<(client::ListRow, SeatAccess)>> {
    let q = with_seat(seen_by(lens).filter(client::Column::Id.eq(id)), lens).into_query();
    db.query_one(&q).await?.as_ref().map(read_row).transpose()
}

/// Of these client accounts, the person's seat and grant in each (those with either):
/// one query for any number of clients.
pub async fn seats_in<C: ConnectionTrait>(
    db: &C,
    lens: &Lens,
    client_account_ids: &[i64],
) -> ApiResult<HashMap<i64, SeatAccess>> {
    let mut out: HashMap<i64, SeatAccess> = HashMap::new();
    if client_account_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, entity::Role, bool)> = user::Entity::find()
        .select_only()
        .column(user::Column::AccountId)
        .column(user::Column::Role)
        .column(user::Column::Active)
        .filter(user::Column::Email.eq(lens.email.as_str()))
        .filter(user::Column::AccountId.is_in(client_account_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    for (a, role, active) in rows {
        out.entry(a).or_default().seat = Some(PartnerSeat { role, active });
    }
    let grants = access_grant::Entity::find()
        .filter(access_grant::Column::PersonId.eq(lens.person_id))
        .filter(access_grant::Column::ClientAccountId.is_in(client_account_ids.iter().copied()))
        .all(db)
        .await?;
    for g in grants {
        out.entry(g.client_account_id).or_default().grant = Some(g.state());
    }
    Ok(out)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct StatusCounts {
    pub invited: u64,
    pub trial: u64,
    pub trial_expired: u64,
    pub paying: u64,
}

pub async fn status_counts(state: &AppState, lens: &Lens) -> ApiResult<StatusCounts> {
    let rows: Vec<(ClientStatus, i64)> = seen_by(lens)
        .select_only()
        .column(client::Column::Status)
        .column_as(client::Column::Id.count(), "n")
        .group_by(client::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
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
