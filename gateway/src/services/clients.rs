//! Inviting clients three ways and the client list (SPEC §3–4).

use super::AppState;
use super::accounts::{SignedIn, insert_account, insert_user};
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{
    AccountKind, ClientStatus, Email, InviteMethod, Password, Platform, Role, SecretToken, account,
    client, invite, password_token, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, TryInsertResult,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An email invite's link works for this long.
pub const INVITE_TTL: chrono::Duration = chrono::Duration::days(30);
/// A set-password link for a user created on someone's behalf.
pub use worker::password_link::SET_PASSWORD_TTL;

fn trial_end(state: &AppState) -> DateTime<Utc> {
    Utc::now()
        + chrono::Duration::from_std(state.config.worker.trial_length)
            .unwrap_or(chrono::Duration::days(14))
}

pub fn link(state: &AppState, path: &str, secret: &str) -> String {
    format!("{}/{path}/{secret}", state.config.worker.public_url())
}

/// The partner's unique invite link code, created on first use.
pub async fn invite_code(state: &AppState, partner: &ViewerUser) -> ApiResult<String> {
    let acc = account::Entity::find_by_id(partner.account.id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("your account no longer exists".into()))?;
    if let Some(code) = acc.invite_code {
        return Ok(code);
    }
    // Only set it if still unset, so two first calls at once agree on one code.
    let code = SecretToken::generate().expose()[..22].to_owned();
    account::Entity::update_many()
        .col_expr(account::Column::InviteCode, Expr::value(code))
        .filter(account::Column::Id.eq(acc.id))
        .filter(account::Column::InviteCode.is_null())
        .exec(&state.db)
        .await?;
    let acc = account::Entity::find_by_id(acc.id).one(&state.db).await?;
    acc.and_then(|a| a.invite_code)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("invite code not stored")))
}

/// Replaces the partner's invite link code; the old one stops working at once.
pub async fn regenerate_invite_code(state: &AppState, partner: &ViewerUser) -> ApiResult<String> {
    let code = SecretToken::generate().expose()[..22].to_owned();
    account::Entity::update_many()
        .col_expr(account::Column::InviteCode, Expr::value(code.clone()))
        .filter(account::Column::Id.eq(partner.account.id))
        .exec(&state.db)
        .await?;
    Ok(code)
}

pub fn invite_url(state: &AppState, code: &str) -> String {
    link(state, "join", code)
}

async fn insert_client<C: ConnectionTrait>(
    conn: &C,
    row: client::ActiveModel,
    email: &Email,
) -> ApiResult<client::Model> {
    match client::Entity::insert(row)
        .on_conflict_do_nothing_on([client::Column::PartnerAccountId, client::Column::Email])
        .exec(conn)
        .await?
    {
        TryInsertResult::Inserted(r) => client::Entity::find_by_id(r.last_insert_id)
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("client vanished after insert"))),
        _ => Err(ApiError::Conflict(format!(
            "{email} is already one of your clients"
        ))),
    }
}

fn new_client_row(
    partner_account_id: i64,
    email: &Email,
    name: Option<String>,
    status: ClientStatus,
    via: InviteMethod,
) -> client::ActiveModel {
    let now = Utc::now();
    client::ActiveModel {
        partner_account_id: Set(partner_account_id),
        client_account_id: Set(None),
        company_id: Set(None),
        email: Set(email.as_str().to_owned()),
        sort_name: Set(client::sort_name(name.as_deref(), email.as_str())),
        name: Set(name),
        status: Set(status),
        status_rank: Set(status.rank()),
        invited_via: Set(via),
        invited_at: Set(now),
        last_invite_sent_at: Set(None),
        trial_ends_at: Set(None),
        ..Default::default()
    }
}

/// Method 1: an INVITED client row and an invite email with a single-use link.
pub async fn invite_by_email(
    state: &AppState,
    partner: &ViewerUser,
    meta: &super::audit::RequestMeta,
    email: Email,
    company_name: Option<String>,
) -> ApiResult<client::Model> {
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let mut row = new_client_row(
        partner.account.id,
        &email,
        company_name.clone(),
        ClientStatus::Invited,
        InviteMethod::Email,
    );
    row.last_invite_sent_at = Set(Some(now));
    let c = insert_client(&txn, row, &email).await?;
    send_invite(&txn, state, &c, &partner.account.name, now).await?;
    super::audit::record(
        &txn,
        Some(partner),
        meta,
        super::audit::Entry {
            action: "client.invited",
            account_id: Some(partner.account.id),
            partner_account_id: Some(partner.account.id),
            target_client_id: Some(c.id),
            detail: Some(format!("invited {} by email", c.email)),
        },
    )
    .await?;
    txn.commit().await?;
    state.nudge.wake();
    Ok(c)
}

/// Issues a fresh single-use invite link (30 days) for an INVITED client and queues the
/// invite email, inside the caller's transaction.
pub async fn send_invite<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    c: &client::Model,
    partner_name: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let token = SecretToken::generate();
    invite::Entity::insert(invite::ActiveModel {
        client_id: Set(c.id),
        token_hash: Set(token.hash().into_string()),
        expires_at: Set(now + INVITE_TTL),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    worker::queue_mail(
        conn,
        &worker::Email::Invite {
            to: c.email.clone(),
            partner_name: partner_name.to_owned(),
            company_name: c.name.clone(),
            link: link(state, "invite", token.expose()),
        },
    )
    .await?;
    Ok(())
}

/// Issues a single-use link (7 days) for a user created on someone's behalf to set a
/// password, and queues the email, inside the caller's transaction.
pub async fn send_set_password<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    u: &user::Model,
    company_name: &str,
    partner_name: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let link = worker::password_link::issue(
        conn,
        state.config.worker.public_url(),
        u.id,
        worker::password_link::Purpose::Set,
        now + SET_PASSWORD_TTL,
    )
    .await?;
    worker::queue_mail(
        conn,
        &worker::Email::SetPassword {
            to: u.email.clone(),
            name: u.name.clone(),
            company_name: company_name.to_owned(),
            partner_name,
            link,
        },
    )
    .await?;
    Ok(())
}

/// What a person fills in to accept an invite or sign up.
#[derive(Debug)]
pub struct NewOwner {
    pub company_name: String,
    pub name: String,
    pub password: Password,
}

fn invalid_invite() -> ApiError {
    ApiError::bad_input(
        "token",
        "this invitation link is not valid any more: it may have been used or have expired. Ask your accountant to send a new one",
    )
}

/// Accepts an email invite: creates the client account with the invitee as OWNER, starts
/// the trial, moves the client row to TRIAL and signs the invitee in.
pub async fn accept_invite(state: &AppState, token: &str, owner: NewOwner) -> ApiResult<SignedIn> {
    let token = SecretToken::parse(token).ok_or_else(invalid_invite)?;
    let hash = state.hasher.hash(&owner.password).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let inv = invite::Entity::find()
        .filter(invite::Column::TokenHash.eq(token.hash().into_string()))
        .one(&txn)
        .await?
        .filter(|i| i.used_at.is_none() && i.expires_at > now)
        .ok_or_else(invalid_invite)?;
    // Claim it; a second accept racing this one finds it used.
    let claimed = invite::Entity::update_many()
        .col_expr(invite::Column::UsedAt, Expr::value(now))
        .filter(invite::Column::Id.eq(inv.id))
        .filter(invite::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(invalid_invite());
    }
    let c = client::Entity::find_by_id(inv.client_id)
        .one(&txn)
        .await?
        .filter(|c| c.status == ClientStatus::Invited)
        .ok_or_else(invalid_invite)?;
    let email = Email::parse(&c.email)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored email: {e}")))?;
    let ends = trial_end(state);
    let acc = insert_account(
        &txn,
        &owner.company_name,
        AccountKind::Client,
        Platform::V2,
        Some(ends),
    )
    .await?;
    let u = insert_user(&txn, acc.id, &email, &owner.name, Some(hash), Role::Owner).await?;
    become_trial(&txn, c.id, &acc, ends).await?;
    let (token, expires_at) = session::open(&txn, u.id, state.config.session_ttl, None).await?;
    txn.commit().await?;
    Ok(SignedIn {
        token,
        expires_at,
        user: u,
        account: acc,
    })
}

async fn become_trial<C: ConnectionTrait>(
    conn: &C,
    client_id: i64,
    acc: &account::Model,
    ends: DateTime<Utc>,
) -> ApiResult<()> {
    client::Entity::update_many()
        .col_expr(client::Column::Status, Expr::value(ClientStatus::Trial))
        .col_expr(
            client::Column::StatusRank,
            Expr::value(ClientStatus::Trial.rank()),
        )
        .col_expr(client::Column::ClientAccountId, Expr::value(acc.id))
        .col_expr(
            client::Column::CompanyId,
            Expr::value(acc.company_id.clone()),
        )
        .col_expr(client::Column::Name, Expr::value(acc.name.clone()))
        .col_expr(
            client::Column::SortName,
            Expr::value(acc.name.to_lowercase()),
        )
        .col_expr(client::Column::TrialEndsAt, Expr::value(ends))
        .filter(client::Column::Id.eq(client_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Method 2: `signUp` through a partner's invite link creates a CLIENT account on a
/// trial, linked to that partner.
pub async fn sign_up_with_code(
    state: &AppState,
    code: &str,
    email: Email,
    owner: NewOwner,
) -> ApiResult<SignedIn> {
    let bad_code = || {
        ApiError::bad_input(
            "partnerCode",
            "this invite link is not valid: ask your accountant for a new one",
        )
    };
    let code = code.trim();
    if code.is_empty() || code.len() > 64 {
        return Err(bad_code());
    }
    let partner = account::Entity::find()
        .filter(account::Column::InviteCode.eq(code))
        .filter(account::Column::Kind.eq(AccountKind::Partner))
        .one(&state.db)
        .await?
        .ok_or_else(bad_code)?;
    let hash = state.hasher.hash(&owner.password).await?;
    let ends = trial_end(state);
    let txn = entity::db::begin_write(&state.db).await?;
    let c = insert_client(
        &txn,
        new_client_row(
            partner.id,
            &email,
            Some(owner.company_name.clone()),
            ClientStatus::Invited,
            InviteMethod::Link,
        ),
        &email,
    )
    .await?;
    let acc = insert_account(
        &txn,
        &owner.company_name,
        AccountKind::Client,
        Platform::V2,
        Some(ends),
    )
    .await?;
    let u = insert_user(&txn, acc.id, &email, &owner.name, Some(hash), Role::Owner).await?;
    become_trial(&txn, c.id, &acc, ends).await?;
    worker::queue_mail(
        &txn,
        &worker::Email::Welcome {
            to: u.email.clone(),
            name: u.name.clone(),
            company_name: acc.name.clone(),
            company_id: acc.company_id.clone(),
            is_partner: false,
        },
    )
    .await?;
    let (token, expires_at) = session::open(&txn, u.id, state.config.session_ttl, None).await?;
    txn.commit().await?;
    state.nudge.wake();
    Ok(SignedIn {
        token,
        expires_at,
        user: u,
        account: acc,
    })
}

/// Method 3 (the sign-up form): the client account in TRIAL at once, a client OWNER who
/// is emailed a set-password link, and an ADMIN user for the calling partner user with
/// the same email and the same password hash.
pub async fn create_client_account(
    state: &AppState,
    partner: &ViewerUser,
    meta: &super::audit::RequestMeta,
    company_name: String,
    contact_name: String,
    contact_email: Email,
) -> ApiResult<client::Model> {
    let partner_email = Email::parse(&partner.user.email)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored email: {e}")))?;
    if partner_email == contact_email {
        return Err(ApiError::bad_input(
            "contactEmail",
            "the contact must be someone at the client: you get your own user in the client account anyway",
        ));
    }
    let ends = trial_end(state);
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let c = insert_client(
        &txn,
        new_client_row(
            partner.account.id,
            &contact_email,
            Some(company_name.clone()),
            ClientStatus::Invited,
            InviteMethod::Form,
        ),
        &contact_email,
    )
    .await?;
    let acc = insert_account(
        &txn,
        &company_name,
        AccountKind::Client,
        Platform::V2,
        Some(ends),
    )
    .await?;
    let owner = insert_user(
        &txn,
        acc.id,
        &contact_email,
        &contact_name,
        None,
        Role::Owner,
    )
    .await?;
    insert_user(
        &txn,
        acc.id,
        &partner_email,
        &partner.user.name,
        partner.user.password_hash.clone(),
        Role::Admin,
    )
    .await?;
    become_trial(&txn, c.id, &acc, ends).await?;
    send_set_password(
        &txn,
        state,
        &owner,
        &acc.name,
        Some(partner.account.name.clone()),
        now,
    )
    .await?;
    super::audit::record(
        &txn,
        Some(partner),
        meta,
        super::audit::Entry {
            action: "client.created",
            account_id: Some(acc.id),
            partner_account_id: Some(partner.account.id),
            target_client_id: Some(c.id),
            detail: Some(format!(
                "created {} ({}) with the sign-up form",
                acc.name, acc.company_id
            )),
        },
    )
    .await?;
    txn.commit().await?;
    state.nudge.wake();
    let c = client::Entity::find_by_id(c.id).one(&state.db).await?;
    c.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("client vanished")))
}

/// Sets a password through a single-use set/reset link, and ends the user's sessions.
pub async fn reset_password(state: &AppState, token: &str, password: Password) -> ApiResult<()> {
    let invalid = || {
        ApiError::bad_input(
            "token",
            "this password link is not valid any more: it may have been used or have expired. Ask for a new one",
        )
    };
    let token = SecretToken::parse(token).ok_or_else(invalid)?;
    let hash = state.hasher.hash(&password).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let t = password_token::Entity::find()
        .filter(password_token::Column::TokenHash.eq(token.hash().into_string()))
        .one(&txn)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(invalid)?;
    let claimed = password_token::Entity::update_many()
        .col_expr(password_token::Column::UsedAt, Expr::value(now))
        .filter(password_token::Column::Id.eq(t.id))
        .filter(password_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(invalid());
    }
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .filter(user::Column::Id.eq(t.user_id))
        .exec(&txn)
        .await?;
    entity::session::Entity::delete_many()
        .filter(entity::session::Column::UserId.eq(t.user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The client list

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
    pub order: ListOrder,
    /// The calling partner user's email: its own user rows in client accounts come along.
    pub viewer_email: String,
    /// Whether to count the matching clients (skipped when `totalCount` is not asked for).
    pub want_total_count: bool,
}

pub struct Page {
    /// Cursor, client, and the calling partner user's own user row in its account.
    pub rows: Vec<(String, client::ListRow, Option<PartnerUser>)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: u64,
}

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

fn filtered(
    partner_account_id: i64,
    status: Option<ClientStatus>,
    search: Option<&str>,
) -> sea_orm::Select<client::Entity> {
    let mut q =
        client::Entity::find().filter(client::Column::PartnerAccountId.eq(partner_account_id));
    if let Some(s) = status {
        q = q.filter(client::Column::Status.eq(s));
    }
    if let Some(term) = search {
        let escaped = term
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        q = q.filter(
            Condition::any()
                .add(
                    Expr::col((client::Entity, client::Column::SortName))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(
                    Expr::col((client::Entity, client::Column::Email))
                        .like(LikeExpr::new(pattern).escape('\\')),
                ),
        );
    }
    q
}

/// One page of the partner's clients: one indexed query for the rows and one count.
/// `db` is the pool, or the connection the request's session was read on
/// (`crate::lease`).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    partner_account_id: i64,
    args: ListArgs,
) -> ApiResult<Page> {
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
    let search = match args.search.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(s) if s.chars().count() > 100 => {
            return Err(ApiError::bad_input(
                "search",
                "search is too long: use at most 100 characters",
            ));
        }
        Some(s) => Some(s.to_lowercase()),
    };
    let order = args.order;
    let after = args
        .after
        .as_deref()
        .map(|c| Cursor::decode(c, order, "after"))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| Cursor::decode(c, order, "before"))
        .transpose()?;

    let base = filtered(partner_account_id, args.status, search.as_deref());

    // Walk in the list's order when paging forward, in reverse when paging back.
    let walk_ascending = order.ascending == forward;
    let key = key_expr(order.field);
    let mut q = base.clone();
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
    if let Some(a) = &after {
        q = q.filter(beyond(a, order.ascending));
    }
    if let Some(b) = &before {
        q = q.filter(beyond(b, !order.ascending));
    }
    let dir = if walk_ascending {
        Order::Asc
    } else {
        Order::Desc
    };
    // One statement for the page: the clients (the list's columns, `ListRow::COLUMNS`),
    // the partner user's own user row in each client account (its role and state decide
    // "Log in" and "Reset password", read from a covering index), and the count for the
    // filter as a subquery that the database runs once. Rows are read by position
    // (`client::ListRow::from_row`).
    let email = args.viewer_email.clone();
    let partner_user: sea_orm::RelationDef = client::Entity::belongs_to(user::Entity)
        .from(client::Column::ClientAccountId)
        .to(user::Column::AccountId)
        .on_condition(move |_, right| {
            Condition::all().add(Expr::col((right, user::Column::Email)).eq(email.clone()))
        })
        .into();
    let mut page = q
        .select_only()
        .columns(client::ListRow::COLUMNS)
        .join(sea_orm::JoinType::LeftJoin, partner_user)
        .order_by(key.clone(), dir.clone())
        .order_by(client::Column::Id, dir)
        .limit(limit as u64 + 1)
        .into_query();
    page.expr(Expr::col((user::Entity, user::Column::Role)))
        .expr(Expr::col((user::Entity, user::Column::Active)));
    if args.want_total_count {
        let count = base
            .clone()
            .select_only()
            .expr(Expr::cust("COUNT(*)"))
            .into_query();
        page.expr(Expr::SubQuery(None, Box::new(count.into())));
    }
    let n = client::ListRow::COLUMNS.len();
    let result = db.query_all(&page).await?;
    let mut total_count = 0;
    let mut rows = Vec::with_capacity(result.len());
    for r in &result {
        let c = client::ListRow::from_row(r)?;
        let role: Option<Role> = r.try_get_by_index(n)?;
        let active: Option<bool> = r.try_get_by_index(n + 1)?;
        if args.want_total_count {
            total_count = u64::try_from(r.try_get_by_index::<i64>(n + 2)?).unwrap_or(0);
        }
        rows.push((c, role.zip(active)));
    }
    if args.want_total_count && rows.is_empty() {
        // No row carried the count (a page past the end, or nothing matches).
        total_count = base.count(db).await?;
    }
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

/// One client of this partner, or `None` (also for another partner's client).
pub async fn get(
    state: &AppState,
    partner_account_id: i64,
    id: i64,
) -> ApiResult<Option<client::Model>> {
    Ok(client::Entity::find_by_id(id)
        .filter(client::Column::PartnerAccountId.eq(partner_account_id))
        .one(&state.db)
        .await?)
}

/// The partner user's own user row in a client account: its role and whether it is active.
pub type PartnerUser = (Role, bool);

/// Of these client accounts, those in which `email` (the partner user) has a user row,
/// with that row's role and state: what decides "Log in" and "Reset password". One query
/// for a whole page.
pub async fn partner_users_in(
    state: &AppState,
    email: &str,
    client_account_ids: &[i64],
) -> ApiResult<HashMap<i64, PartnerUser>> {
    if client_account_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, Role, bool)> = user::Entity::find()
        .select_only()
        .column(user::Column::AccountId)
        .column(user::Column::Role)
        .column(user::Column::Active)
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::AccountId.is_in(client_account_ids.iter().copied()))
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(rows.into_iter().map(|(a, r, act)| (a, (r, act))).collect())
}

#[derive(Debug, Default, Clone, Copy)]
pub struct StatusCounts {
    pub invited: u64,
    pub trial: u64,
    pub trial_expired: u64,
    pub paying: u64,
}

pub async fn status_counts(state: &AppState, partner_account_id: i64) -> ApiResult<StatusCounts> {
    let rows: Vec<(ClientStatus, i64)> = client::Entity::find()
        .select_only()
        .column(client::Column::Status)
        .column_as(client::Column::Id.count(), "n")
        .filter(client::Column::PartnerAccountId.eq(partner_account_id))
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

/// Active clients (TRIAL + PAYING) of a partner: what its discount tier follows.
pub async fn active_clients(state: &AppState, partner_account_id: i64) -> ApiResult<u64> {
    Ok(client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(partner_account_id))
        .filter(client::Column::Status.is_in([ClientStatus::Trial, ClientStatus::Paying]))
        .count(&state.db)
        .await?)
}
