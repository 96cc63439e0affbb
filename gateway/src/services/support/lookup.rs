//! What support staff read and do in a tenant's account: search, view, its emails, and
//! sending a failed one again.

use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use crate::services::After;
use crate::services::AppState;
use crate::services::audit::{self, Entry, RequestMeta};
use entity::AuditAction;
use entity::{
    AccountKind, CompanyId, DeliveryStatus, Platform, account, client, delivery, legacy_connection,
    user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::rules::{entry_about, listing_of};

/// `supportSearch` answers at most this many accounts.
pub const MAX_SEARCH_RESULTS: u64 = 50;

/// `supportSearch`: accounts (never the STAFF one) whose Company ID is `query`, whose name
/// contains it, or one of whose users' emails contains it, case-insensitively; at most
/// [`MAX_SEARCH_RESULTS`], by name. The search is recorded in the staff account's own
/// audit log (a reason about one firm never shows in another's).
pub async fn search(
    state: &AppState,
    staff: &ViewerUser,
    meta: &RequestMeta,
    query: &str,
    why: &str,
) -> ApiResult<Vec<account::Model>> {
    let q = query.trim();
    if q.is_empty() || q.chars().count() > 200 {
        return Err(ApiError::bad_input(
            "query",
            "search for a Company ID, an account name or an email (1 to 200 characters)",
        ));
    }
    let pattern = crate::services::contains_pattern(&q.to_lowercase());
    let by_user = Query::select()
        .column(user::Column::AccountId)
        .from(user::Entity)
        .and_where(Func::lower(Expr::col(user::Column::Email)).like(pattern.clone()))
        .to_owned();
    let mut any = Condition::any()
        .add(Func::lower(Expr::col(account::Column::Name)).like(pattern))
        .add(account::Column::Id.in_subquery(by_user));
    if let Ok(id) = CompanyId::parse(q) {
        any = any.add(account::Column::CompanyId.eq(id.as_str()));
    }
    let found = account::Entity::find()
        .filter(account::Column::Kind.ne(AccountKind::Staff))
        .filter(any)
        .order_by_asc(account::Column::Name)
        .order_by_asc(account::Column::Id)
        .limit(MAX_SEARCH_RESULTS)
        .all(&state.db)
        .await?;
    // The search is support's own business: it goes in the staff account's log, with
    // what it found. A tenant's log hears of support when staff open its account.
    let found_ids: Vec<&str> = found.iter().map(|a| a.company_id.as_str()).collect();
    let detail = format!(
        "support ({}) searched for \"{q}\" and found {} account(s){}{}: {why}",
        staff.user.email,
        found.len(),
        if found.is_empty() { "" } else { " " },
        found_ids.join(", ")
    );
    let entry = Entry {
        account_id: Some(staff.account.id),
        detail: Some(detail),
        ..Entry::of(AuditAction::SupportSearched)
    };
    audit::record(&state.db, Some(staff), meta, entry).await?;
    Ok(found)
}

/// One account as support sees it.
#[derive(Debug, Clone)]
pub struct View {
    pub account: account::Model,
    pub users: Vec<user::Model>,
    /// A client account's partner (the V2 one when it was upgraded).
    pub partner: Option<account::Model>,
    /// A V1 partner account's Partner Connect request.
    pub connection: Option<legacy_connection::Model>,
}

/// `supportAccount`: the account with this Company ID (null when there is none), read
/// for `why`, which its audit log records.
pub async fn view(
    state: &AppState,
    staff: &ViewerUser,
    meta: &RequestMeta,
    company_id: &str,
    why: &str,
) -> ApiResult<Option<View>> {
    let id = CompanyId::parse(company_id).map_err(|e| ApiError::bad_input("companyId", e.0))?;
    let Some(acc) = account::Entity::find()
        .filter(account::Column::CompanyId.eq(id.as_str()))
        .filter(account::Column::Kind.ne(AccountKind::Staff))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let users = crate::services::accounts::users_of(&state.db, acc.id).await?;
    let partner = match acc.kind {
        AccountKind::Client => match listing_of(&state.db, acc.id).await? {
            Some(c) => {
                account::Entity::find_by_id(c.partner_account_id)
                    .one(&state.db)
                    .await?
            }
            None => None,
        },
        _ => None,
    };
    let connection = if acc.kind == AccountKind::Partner && acc.platform == Platform::V1 {
        legacy_connection::Entity::find()
            .filter(legacy_connection::Column::V1AccountId.eq(acc.id))
            .one(&state.db)
            .await?
    } else {
        None
    };
    let txn = entity::db::begin_write(&state.db).await?;
    let detail = format!("support ({}) viewed your account: {why}", staff.user.email);
    let entry = entry_about(&txn, &acc, AuditAction::SupportViewed, detail).await?;
    audit::record(&txn, Some(staff), meta, entry).await?;
    state.commit(txn, After::default()).await?;
    Ok(Some(View {
        account: acc,
        users,
        partner,
        connection,
    }))
}

/// The latest emails to `acc`'s users and, for a partner, to the clients it lists (its
/// invites), newest first.
pub async fn deliveries(
    state: &AppState,
    acc: &account::Model,
    first: Option<i32>,
) -> ApiResult<Vec<delivery::Model>> {
    let first = first.unwrap_or(20);
    if !(1..=100).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            "first must be between 1 and 100",
        ));
    }
    let users = Query::select()
        .column(user::Column::Email)
        .from(user::Entity)
        .and_where(Expr::col(user::Column::AccountId).eq(acc.id))
        .to_owned();
    let mut to = Condition::any().add(delivery::Column::Recipient.in_subquery(users));
    if acc.kind == AccountKind::Partner {
        let clients = Query::select()
            .column(client::Column::Email)
            .from(client::Entity)
            .and_where(Expr::col(client::Column::PartnerAccountId).eq(acc.id))
            .to_owned();
        to = to.add(delivery::Column::Recipient.in_subquery(clients));
    }
    Ok(delivery::Entity::find()
        .filter(to)
        .order_by_desc(delivery::Column::Id)
        .limit(first as u64)
        .all(&state.db)
        .await?)
}

/// `supportRetryDelivery`: a FAILED email goes back to the outbox, once, with a fresh link
/// when its own was removed. The account it was for is told, in its audit log.
pub async fn retry_delivery(
    state: &AppState,
    staff: &ViewerUser,
    meta: &RequestMeta,
    delivery_id: i64,
    why: &str,
) -> ApiResult<delivery::Model> {
    let d = delivery::Entity::find_by_id(delivery_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such delivery".into()))?;
    if d.status != DeliveryStatus::Failed {
        return Err(ApiError::bad_input(
            "deliveryId",
            format!(
                "only a FAILED email is sent again: this one is {}",
                format!("{:?}", d.status).to_uppercase()
            ),
        ));
    }
    let txn = entity::db::begin_write(&state.db).await?;
    let public_url = state.config.worker.public_url();
    let r =
        entity::delivery::retry::retry(&txn, public_url, entity::delivery::retry::Retry::One(d.id))
            .await?;
    if let Some((_, why)) = r.refused.first() {
        return Err(ApiError::bad_input(
            "deliveryId",
            format!("this email is not sent again: {why}"),
        ));
    }
    if r.requeued.is_empty() {
        return Err(ApiError::Conflict(
            "this email was sent again a moment ago".into(),
        ));
    }
    let detail = format!(
        "support ({}) sent the {} email to {} again: {why}",
        staff.user.email, d.kind, d.recipient
    );
    let entry = retry_entry(&txn, staff, &d, detail).await?;
    audit::record(&txn, Some(staff), meta, entry).await?;
    // As it was put back (a worker may take it the moment the commit lands).
    let back = delivery::Entity::find_by_id(d.id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such delivery".into()))?;
    let changed: Vec<worker::ClientEvent> = r
        .changed_clients
        .iter()
        .map(|&(partner, client)| worker::ClientEvent::updated(partner, client))
        .collect();
    state.commit(txn, After::clients(changed)).await?;
    Ok(back)
}

/// Where support sending `d` again is told: the account the email belongs to (for an
/// invite, the inviting partner, about that client row), or the staff account's own log
/// when the email names no account (never a tenant found by the recipient's address).
async fn retry_entry<C: ConnectionTrait>(
    conn: &C,
    staff: &ViewerUser,
    d: &delivery::Model,
    detail: String,
) -> ApiResult<Entry> {
    const ACTION: AuditAction = AuditAction::SupportRetriedDelivery;
    let mail = serde_json::from_str::<entity::mail::Mail>(&d.payload).ok();
    if let Some(entity::mail::Mail::Invite {
        client_id: Some(id),
        ..
    }) = &mail
        && let Some(c) = client::Entity::find_by_id(*id).one(conn).await?
    {
        let partner = c.partner_account_id;
        return Ok(Entry::about_client(ACTION, partner, partner, c.id, detail));
    }
    let account_id = match (d.account_id, &mail) {
        (Some(id), _) => Some(id),
        (
            None,
            Some(
                entity::mail::Mail::SetPassword {
                    user_id: Some(u), ..
                }
                | entity::mail::Mail::PasswordReset {
                    user_id: Some(u), ..
                },
            ),
        ) => user::Entity::find_by_id(*u)
            .one(conn)
            .await?
            .map(|u| u.account_id),
        _ => None,
    };
    let account = match account_id {
        Some(id) => account::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    match account {
        Some(acc) if acc.kind != AccountKind::Staff => {
            entry_about(conn, &acc, ACTION, detail).await
        }
        _ => Ok(Entry {
            account_id: Some(staff.account.id),
            detail: Some(detail),
            ..Entry::of(ACTION)
        }),
    }
}
