//! The client's answers on access (SPEC §13): its owner or an admin lists the grants
//! and requests of its account, approves a request (possibly a lower role or an earlier
//! end), declines it, or revokes a grant, which ends the person's sessions there in the
//! same request. Asking is `access`.

use super::After;
use super::AppState;
use super::access::{GrantView, notify, record, role_words, until_words};
use super::accounts::insert_user;
use super::audit::RequestMeta;
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Duration, Utc};
use entity::{
    AccountKind, AuditAction, Email, GrantStatus, Role, access_grant, account, client, user,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sea_orm::{ConnectionTrait, IntoActiveModel, QueryOrder};
use worker::ClientEvent;

/// A client user who decides on grants (`FORBIDDEN` otherwise): the owner or an admin
/// of a client account, in their own session, not a seat of the firm's people.
async fn require_decider(state: &AppState, v: &ViewerUser) -> ApiResult<()> {
    let seat = user::person_behind_seat(&state.db, &v.user, &v.account).await?;
    if v.account.kind != AccountKind::Client
        || !v.user.is_admin()
        || v.opened_by.is_some()
        || seat.is_some()
    {
        return Err(ApiError::Forbidden(
            "only the client's owner and admins answer and end access to their account".into(),
        ));
    }
    Ok(())
}

/// A grant of the caller's client account, or `NOT_FOUND`.
async fn grant_here(
    state: &AppState,
    v: &ViewerUser,
    grant_id: i64,
) -> ApiResult<access_grant::Model> {
    require_decider(state, v).await?;
    access_grant::Entity::find_by_id(grant_id)
        .filter(access_grant::Column::ClientAccountId.eq(v.account.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such access grant or request in your account".into()))
}

/// `accessGrants`: every grant and request of the caller's client account, newest first,
/// with their people and firms (three queries).
pub async fn list(state: &AppState, v: &ViewerUser) -> ApiResult<Vec<GrantView>> {
    require_decider(state, v).await?;
    let grants = access_grant::Entity::find()
        .filter(access_grant::Column::ClientAccountId.eq(v.account.id))
        .order_by_desc(access_grant::Column::RequestedAt)
        .order_by_desc(access_grant::Column::Id)
        .all(&state.db)
        .await?;
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(grants.iter().map(|g| g.person_id)))
        .all(&state.db)
        .await?;
    let firms = account::Entity::find()
        .filter(account::Column::Id.is_in(grants.iter().map(|g| g.firm_account_id)))
        .all(&state.db)
        .await?;
    Ok(grants
        .into_iter()
        .filter_map(|g| {
            let person = people.iter().find(|p| p.id == g.person_id)?.clone();
            let firm = firms.iter().find(|f| f.id == g.firm_account_id)?.clone();
            Some(GrantView {
                grant: g,
                person,
                firm,
                client: v.account.clone(),
            })
        })
        .collect())
}

/// `approveAccessRequest`: a PENDING request becomes an ACTIVE grant, in the role asked
/// for or a lower one, until the end asked for or an earlier one. The person's seat is
/// made (or made active again) in that role; they are emailed.
pub async fn approve(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    grant_id: i64,
    (role, expires_at): (Option<Role>, Option<DateTime<Utc>>),
) -> ApiResult<GrantView> {
    let g = waiting(state, v, grant_id).await?;
    let role = role.unwrap_or(g.role);
    if role == Role::Owner || rank(role) < rank(g.role) {
        return Err(ApiError::bad_input(
            "role",
            format!(
                "give the role asked for ({}) or a lower one",
                g.role.as_api_str()
            ),
        ));
    }
    let now = Utc::now();
    let end = match expires_at {
        None => g.expires_at,
        Some(e) if e <= now => {
            return Err(ApiError::bad_input(
                "expiresAt",
                "the end must be in the future",
            ));
        }
        Some(e) if g.expires_at.is_some_and(|asked| e > asked) => {
            return Err(ApiError::bad_input(
                "expiresAt",
                format!(
                    "the end can be earlier than the one asked for ({}), not later",
                    until_words(g.expires_at)
                ),
            ));
        }
        Some(e) => Some(e),
    };
    let (person, firm) = person_and_firm(state, &g).await?;
    let txn = entity::db::begin_write(&state.db).await?;
    let g = decide(&txn, g, v, GrantStatus::Active, (role, end), now).await?;
    seat_for(&txn, v, &person, role).await?;
    let what = format!(
        "{} approved your access to {} as {}, {}.",
        v.user.name,
        v.account.name,
        role_words(role),
        until_words(end)
    );
    notify(
        &txn,
        &firm,
        &person,
        "Your access was approved",
        &[what],
        "/",
    )
    .await?;
    let detail = format!(
        "approved {}'s access as {} ({})",
        person.email,
        role.as_api_str(),
        until_words(end)
    );
    finish(
        state,
        txn,
        v,
        meta,
        AuditAction::AccessApproved,
        detail,
        Vec::new(),
    )
    .await?;
    Ok(view(g, person, firm, v))
}

/// `declineAccessRequest`: a PENDING request is declined; the person is emailed.
pub async fn decline(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    grant_id: i64,
) -> ApiResult<GrantView> {
    let g = waiting(state, v, grant_id).await?;
    let (person, firm) = person_and_firm(state, &g).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let role = g.role;
    let g = decide(&txn, g, v, GrantStatus::Declined, (role, None), now).await?;
    let what = format!(
        "{} declined your request for access to {}.",
        v.user.name, v.account.name
    );
    notify(
        &txn,
        &firm,
        &person,
        "Your access request was declined",
        &[what],
        "/",
    )
    .await?;
    let detail = format!("declined {}'s request for access", person.email);
    finish(
        state,
        txn,
        v,
        meta,
        AuditAction::AccessDeclined,
        detail,
        Vec::new(),
    )
    .await?;
    Ok(view(g, person, firm, v))
}

/// `revokeAccess`: an ACTIVE grant ends now, and with it, in the same request, the
/// person's sessions in this account and their live connections. They are emailed.
pub async fn revoke(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    grant_id: i64,
) -> ApiResult<GrantView> {
    let g = grant_here(state, v, grant_id).await?;
    if g.state().status_at(Utc::now()) != GrantStatus::Active {
        return Err(ApiError::Conflict(
            "this grant is not active: there is nothing to revoke".into(),
        ));
    }
    let (person, firm) = person_and_firm(state, &g).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let (role, end) = (g.role, g.expires_at);
    let g = decide(&txn, g, v, GrantStatus::Revoked, (role, end), now).await?;
    let seat = user::Entity::find()
        .filter(user::Column::AccountId.eq(v.account.id))
        .filter(user::Column::Email.eq(&person.email))
        .one(&txn)
        .await?;
    let mut ended = Vec::new();
    if let Some(seat) = &seat {
        session::close_all_of(&txn, seat.id, None).await?;
        ended.push(seat.id);
    }
    let what = format!(
        "{} ended your access to {}; your sessions there ended.",
        v.user.name, v.account.name
    );
    notify(
        &txn,
        &firm,
        &person,
        "Your access was revoked",
        &[what],
        "/",
    )
    .await?;
    let detail = format!(
        "revoked {}'s access; their sessions here ended",
        person.email
    );
    finish(
        state,
        txn,
        v,
        meta,
        AuditAction::AccessRevoked,
        detail,
        ended,
    )
    .await?;
    Ok(view(g, person, firm, v))
}

/// A PENDING request of the caller's account that has not expired, or `CONFLICT`.
async fn waiting(
    state: &AppState,
    v: &ViewerUser,
    grant_id: i64,
) -> ApiResult<access_grant::Model> {
    let g = grant_here(state, v, grant_id).await?;
    let expired = g.requested_at + Duration::days(access_grant::REQUEST_DAYS) <= Utc::now();
    if g.status != GrantStatus::Pending || expired {
        return Err(ApiError::Conflict(
            "this request is no longer waiting for an answer (answered, withdrawn or expired)"
                .into(),
        ));
    }
    Ok(g)
}

fn view(
    grant: access_grant::Model,
    person: user::Model,
    firm: account::Model,
    v: &ViewerUser,
) -> GrantView {
    GrantView {
        grant,
        person,
        firm,
        client: v.account.clone(),
    }
}

/// Authority order: OWNER 0 … EMPLOYEE 3.
fn rank(r: Role) -> u8 {
    match r {
        Role::Owner => 0,
        Role::Admin => 1,
        Role::Manager => 2,
        Role::Employee => 3,
    }
}

async fn person_and_firm(
    state: &AppState,
    g: &access_grant::Model,
) -> ApiResult<(user::Model, account::Model)> {
    let person = user::Entity::find_by_id(g.person_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("the person of this grant".into()))?;
    let firm = account::Entity::find_by_id(g.firm_account_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("the firm of this grant".into()))?;
    Ok((person, firm))
}

/// The person's seat in the caller's account, in `role` and active (made if missing;
/// it has no password: the person signs in as themselves, SPEC §12).
async fn seat_for<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
    person: &user::Model,
    role: Role,
) -> ApiResult<()> {
    let found = user::Entity::find()
        .filter(user::Column::AccountId.eq(v.account.id))
        .filter(user::Column::Email.eq(&person.email))
        .one(conn)
        .await?;
    match found {
        Some(u) => {
            let mut row = u.into_active_model();
            row.role = Set(role);
            row.active = Set(true);
            row.update(conn).await?;
        }
        None => {
            let email = Email::parse(&person.email).map_err(|_| {
                ApiError::Internal(anyhow::anyhow!("a stored email does not parse"))
            })?;
            insert_user(conn, v.account.id, &email, &person.name, None, role).await?;
        }
    }
    Ok(())
}

/// Writes the client's answer on the grant, provided it is still as `g` was read (its
/// status, and for a request its date): another admin's answer, the person's new request
/// or the sweep in between make it `CONFLICT`, and the caller's transaction, dropped,
/// changes nothing.
async fn decide<C: ConnectionTrait>(
    conn: &C,
    g: access_grant::Model,
    v: &ViewerUser,
    status: GrantStatus,
    (role, end): (Role, Option<DateTime<Utc>>),
    now: DateTime<Utc>,
) -> ApiResult<access_grant::Model> {
    use access_grant::Column;
    use sea_orm::sea_query::Expr;
    let written = access_grant::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::Role, Expr::value(role))
        .col_expr(Column::ExpiresAt, Expr::value(end))
        .col_expr(Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(Column::DecidedBy, Expr::value(Some(v.user.id)))
        .filter(Column::Id.eq(g.id))
        .filter(Column::Status.eq(g.status))
        .filter(Column::RequestedAt.eq(g.requested_at))
        .exec_with_returning(conn)
        .await?;
    written.into_iter().next().ok_or_else(|| {
        ApiError::Conflict(
            "this grant was answered or changed meanwhile (by another admin, a new request or its end): look again"
                .into(),
        )
    })
}

/// Audits the client's decision, commits, and tells the partner's live lists (the
/// row's `partnerAccess` changed) and every gateway of the sessions that `ended`.
async fn finish(
    state: &AppState,
    txn: sea_orm::DatabaseTransaction,
    v: &ViewerUser,
    meta: &RequestMeta,
    action: AuditAction,
    detail: String,
    ended: Vec<i64>,
) -> ApiResult<()> {
    let row = client::Entity::find()
        .filter(client::Column::ClientAccountId.eq(v.account.id))
        .one(&txn)
        .await?;
    let client_id = row.as_ref().map_or(0, |c| c.id);
    record(&txn, v, meta, (&v.account, client_id), action, detail).await?;
    let clients = row
        .map(|c| vec![ClientEvent::updated(c.partner_account_id, c.id)])
        .unwrap_or_default();
    state
        .commit(
            txn,
            After {
                clients,
                sessions: ended,
            },
        )
        .await
}
