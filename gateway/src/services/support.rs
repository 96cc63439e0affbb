//! Support staff (issue 15): the operator's own people, in one STAFF account made by
//! `gateway staff add`. They look accounts up across tenants and send a failed email again;
//! every read of an account and every action names a reason and is written to that
//! account's audit log, where its partner's owner reads it. They never act as a customer:
//! no log-in to client accounts, no user changes, and no secret (password hashes, tokens
//! and links are in no answer).

use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{
    AccountKind, CompanyId, DeliveryStatus, Email, PersonName, Platform, Role, account, client,
    delivery, legacy_connection, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::time::Duration;

/// A staff session ends after this long at most, whatever `SESSION_TTL` says.
pub const STAFF_SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// `supportSearch` answers at most this many accounts.
pub const MAX_SEARCH_RESULTS: u64 = 50;
/// The longest `reason` accepted.
pub const MAX_REASON_CHARS: usize = 500;
/// The STAFF account's name, as staff see it in `me` and their set-password email.
pub const STAFF_ACCOUNT_NAME: &str = "Support";

/// A support reason, checked: what the partner owner reads in the audit log.
pub fn reason(raw: &str) -> ApiResult<String> {
    let r = raw.trim();
    if r.is_empty() {
        return Err(ApiError::bad_input(
            "reason",
            "say why you need this (e.g. the ticket number): it is shown in the customer's audit log",
        ));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::bad_input(
            "reason",
            format!("reason is too long: use at most {MAX_REASON_CHARS} characters"),
        ));
    }
    if r.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::bad_input(
            "reason",
            "reason may not contain control characters",
        ));
    }
    Ok(r.to_owned())
}

/// Where an entry about `acc` goes: the account itself, and the partner whose log shows it
/// (the account, for a partner; the partner that lists it, for a client).
async fn entry_about<C: ConnectionTrait>(
    conn: &C,
    acc: &account::Model,
    action: &'static str,
    detail: String,
) -> ApiResult<Entry> {
    let listing = if acc.kind == AccountKind::Client {
        listing_of(conn, acc.id).await?
    } else {
        None
    };
    Ok(entry_for(acc, listing.as_ref(), action, detail))
}

/// [`entry_about`] with the client row that lists `acc` already read.
fn entry_for(
    acc: &account::Model,
    listing: Option<&client::Model>,
    action: &'static str,
    detail: String,
) -> Entry {
    Entry {
        action,
        account_id: Some(acc.id),
        partner_account_id: Some(listing.map_or(acc.id, |c| c.partner_account_id)),
        target_client_id: listing.map(|c| c.id),
        detail: Some(detail),
    }
}

/// The client row that lists a client account: its V2 partner's when it has one.
async fn listing_of<C: ConnectionTrait>(
    conn: &C,
    client_account_id: i64,
) -> ApiResult<Option<client::Model>> {
    let rows = client::Entity::find()
        .filter(client::Column::ClientAccountId.eq(client_account_id))
        .order_by_desc(client::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().next())
}

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
    let pattern = super::contains_pattern(&q.to_lowercase());
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
        action: "support.searched",
        account_id: Some(staff.account.id),
        detail: Some(detail),
        ..Default::default()
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
    let users = super::accounts::users_of(&state.db, acc.id).await?;
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
    let entry = entry_about(&txn, &acc, "support.viewed", detail).await?;
    audit::record(&txn, Some(staff), meta, entry).await?;
    txn.commit().await?;
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
        worker::deliveries::retry(&txn, public_url, worker::deliveries::Retry::One(d.id)).await?;
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
    txn.commit().await?;
    state.nudge.wake();
    state.changed(&r.changed_clients).await;
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
    const ACTION: &str = "support.retried_delivery";
    let mail = serde_json::from_str::<worker::Mail>(&d.payload).ok();
    if let Some(worker::Mail::Invite {
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
                worker::Mail::SetPassword {
                    user_id: Some(u), ..
                }
                | worker::Mail::PasswordReset {
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
            action: ACTION,
            account_id: Some(staff.account.id),
            detail: Some(detail),
            ..Default::default()
        }),
    }
}

/// What `gateway staff add` did.
#[derive(Debug)]
pub struct Added {
    pub user: user::Model,
    /// The set-password link (also emailed).
    pub link: String,
    /// False when an earlier, removed staff user was made active again.
    pub created: bool,
}

/// The operator's STAFF account, made on first use.
async fn staff_account<C: ConnectionTrait>(conn: &C) -> ApiResult<account::Model> {
    if let Some(a) = account::Entity::find()
        .filter(account::Column::Kind.eq(AccountKind::Staff))
        .order_by_asc(account::Column::Id)
        .one(conn)
        .await?
    {
        return Ok(a);
    }
    super::accounts::insert_account(
        conn,
        STAFF_ACCOUNT_NAME,
        AccountKind::Staff,
        Platform::V2,
        None,
    )
    .await
}

/// `gateway staff add`: a staff user (made active again if removed earlier) with a fresh
/// set-password link, printed and emailed.
pub async fn add_staff(
    db: &sea_orm::DatabaseConnection,
    public_url: &str,
    email: &Email,
    name: &PersonName,
) -> ApiResult<Added> {
    let now = Utc::now();
    let txn = entity::db::begin_write(db).await?;
    let acc = staff_account(&txn).await?;
    let existing = user::Entity::find()
        .filter(user::Column::AccountId.eq(acc.id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let (u, created) = match existing {
        Some(u) if u.active => {
            return Err(ApiError::Conflict(format!(
                "{email} is already a support staff user"
            )));
        }
        Some(u) => {
            // A returning staff member sets a new password through the link: the old one
            // stays dead.
            user::Entity::update_many()
                .col_expr(user::Column::Active, Expr::value(true))
                .col_expr(user::Column::Name, Expr::value(name.as_str()))
                .col_expr(
                    user::Column::PasswordHash,
                    Expr::value(Option::<String>::None),
                )
                .filter(user::Column::Id.eq(u.id))
                .exec(&txn)
                .await?;
            let u = user::Entity::find_by_id(u.id)
                .one(&txn)
                .await?
                .ok_or_else(|| ApiError::NotFound("the user vanished".into()))?;
            // Links sent before the removal stop working too.
            entity::password_token::Entity::update_many()
                .col_expr(
                    entity::password_token::Column::UsedAt,
                    Expr::value(Some(now)),
                )
                .filter(entity::password_token::Column::UserId.eq(u.id))
                .filter(entity::password_token::Column::UsedAt.is_null())
                .exec(&txn)
                .await?;
            (u, false)
        }
        None => {
            let u =
                super::accounts::insert_user(&txn, acc.id, email, name.as_str(), None, Role::Admin)
                    .await?;
            (u, true)
        }
    };
    let link = worker::password_link::issue(
        &txn,
        public_url,
        u.id,
        worker::password_link::Purpose::Set,
        now + worker::password_link::SET_PASSWORD_TTL,
    )
    .await?;
    worker::queue_mail(
        &txn,
        Some(acc.id),
        &worker::Mail::SetPassword {
            to: u.email.clone(),
            name: u.name.clone(),
            company_name: acc.name.clone(),
            partner_name: None,
            link: link.clone(),
            user_id: Some(u.id),
        },
    )
    .await?;
    audit::record(
        &txn,
        None,
        &RequestMeta::default(),
        Entry {
            action: "staff.added",
            account_id: Some(acc.id),
            detail: Some(format!("{} added as support staff by ops", u.email)),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Added {
        user: u,
        link,
        created,
    })
}

/// `gateway staff remove`: the staff user is made inactive and signed out everywhere.
pub async fn remove_staff(
    db: &sea_orm::DatabaseConnection,
    email: &Email,
) -> ApiResult<user::Model> {
    let txn = entity::db::begin_write(db).await?;
    let acc = staff_account(&txn).await?;
    let u = user::Entity::find()
        .filter(user::Column::AccountId.eq(acc.id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("{email} is not a support staff user")))?;
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(false))
        .filter(user::Column::Id.eq(u.id))
        .exec(&txn)
        .await?;
    session::close_all_of(&txn, u.id, None).await?;
    audit::record(
        &txn,
        None,
        &RequestMeta::default(),
        Entry {
            action: "staff.removed",
            account_id: Some(acc.id),
            detail: Some(format!("{} removed from support staff by ops", u.email)),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

/// `gateway staff list`: every staff user, active or not.
pub async fn list_staff(db: &sea_orm::DatabaseConnection) -> ApiResult<Vec<user::Model>> {
    let Some(acc) = account::Entity::find()
        .filter(account::Column::Kind.eq(AccountKind::Staff))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    super::accounts::users_of(db, acc.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_short_and_plain() {
        assert_eq!(reason("  ticket #4521 ").unwrap(), "ticket #4521");
        for bad in ["", "   ", "a\u{0}b", &"x".repeat(501)] {
            assert!(
                matches!(
                    reason(bad),
                    Err(ApiError::BadUserInput {
                        field: Some("reason"),
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        assert!(reason(&"x".repeat(500)).is_ok());
    }
}
