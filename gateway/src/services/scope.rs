//! Who in a partner firm sees which client (SPEC §13): each member's `clientScope` (all
//! of the firm's clients, or only those assigned to them; the owner always sees all),
//! set by the owner, and each client's assignees, set by the owner or a member who sees
//! all clients. What a member sees is applied where clients are read
//! (`client_list::Lens`).

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use super::client_list::{self, Lens};
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{AuditAction, ClientScope, Role, client, client_assignee, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use std::collections::HashMap;
use worker::ClientEvent;

/// `setClientScope`: the firm owner decides which clients a member sees. Their open
/// live lists read themselves again; limited to assigned clients, their sessions in the
/// accounts of other clients end.
pub async fn set_scope(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    user_id: i64,
    scope: ClientScope,
) -> ApiResult<user::Model> {
    super::firm_owner(v, "decides which clients members see")?;
    let member = user::Entity::find_by_id(user_id)
        .filter(user::Column::AccountId.eq(v.account.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such user in your firm".into()))?;
    if member.role == Role::Owner {
        return Err(ApiError::bad_input(
            "userId",
            "the owner always sees every client",
        ));
    }
    let txn = entity::db::begin_write(&state.db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::ClientScope, Expr::value(scope))
        .filter(user::Column::Id.eq(member.id))
        .exec(&txn)
        .await?;
    // Limited: their sessions in clients not assigned to them end now.
    let mut ended = vec![member.id];
    if scope == ClientScope::AssignedClients {
        let theirs = client_assignee::Entity::find()
            .select_only()
            .column(client_assignee::Column::ClientId)
            .filter(client_assignee::Column::UserId.eq(member.id))
            .into_query();
        let unseen = client::Entity::find()
            .select_only()
            .column(client::Column::ClientAccountId)
            .filter(client::Column::PartnerAccountId.eq(v.account.id))
            .filter(client::Column::ClientAccountId.is_not_null())
            .filter(client::Column::Id.not_in_subquery(theirs))
            .into_query();
        ended.extend(session::end_seat_sessions_in(&txn, &member, unseen).await?);
    }
    let words = match scope {
        ClientScope::AllClients => "every client",
        ClientScope::AssignedClients => "only the clients assigned to them",
    };
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            account_id: Some(v.account.id),
            partner_account_id: Some(v.account.id),
            detail: Some(format!("{} now sees {words}", member.email)),
            ..Entry::of(AuditAction::UserClientScopeChanged)
        },
    )
    .await?;
    state
        .commit(
            txn,
            After {
                sessions: ended,
                ..Default::default()
            },
        )
        .await?;
    Ok(user::Model {
        client_scope: scope,
        ..member
    })
}

/// `setClientAssignees`: who in the firm handles a client (the owner, or a member who
/// sees all clients). The firm's live lists read themselves again (a member limited to
/// assigned clients may gain or lose the row); a limited member no longer assigned loses
/// their sessions in the client's account.
pub async fn set_assignees(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    client_id: i64,
    user_ids: &[i64],
) -> ApiResult<client::Model> {
    let lens = Lens::of(v);
    if lens.assigned_only || v.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "only the owner and members who see every client assign people to clients".into(),
        ));
    }
    let c = client_list::get(&state.db, &lens, client_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such client in your client list".into()))?;
    if user_ids.len() > 100 {
        return Err(ApiError::bad_input("userIds", "at most 100 people"));
    }
    let members = user::Entity::find()
        .filter(user::Column::AccountId.eq(v.account.id))
        .filter(user::Column::Id.is_in(user_ids.iter().copied()))
        .all(&state.db)
        .await?;
    if let Some(missing) = user_ids
        .iter()
        .find(|id| !members.iter().any(|m| m.id == **id))
    {
        return Err(ApiError::bad_input(
            "userIds",
            format!("{missing} is not a user of your firm"),
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let before = client_assignee::Entity::find()
        .filter(client_assignee::Column::ClientId.eq(c.id))
        .find_also_related(user::Entity)
        .all(&txn)
        .await?;
    client_assignee::Entity::delete_many()
        .filter(client_assignee::Column::ClientId.eq(c.id))
        .exec(&txn)
        .await?;
    for m in &members {
        client_assignee::assign(&txn, c.id, m.id, now).await?;
    }
    let ended = end_unassigned(&txn, &c, before, &members).await?;
    let names: Vec<&str> = members.iter().map(|m| m.email.as_str()).collect();
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry::about_client(
            AuditAction::ClientAssigneesChanged,
            v.account.id,
            v.account.id,
            c.id,
            if names.is_empty() {
                format!("nobody is assigned to {} now", c.email)
            } else {
                format!("assigned {} to {}", names.join(", "), c.email)
            },
        ),
    )
    .await?;
    // Removed-then-read: every open list of the firm reads itself again.
    state
        .commit(
            txn,
            After {
                clients: vec![ClientEvent::removed(v.account.id, c.id)],
                sessions: ended,
            },
        )
        .await?;
    Ok(c)
}

/// Of a client's assignees `before`, those limited to assigned clients and not among
/// `now`: their sessions in the client's account end (in the caller's transaction).
/// Answers the seats whose sessions ended.
async fn end_unassigned<C: ConnectionTrait>(
    conn: &C,
    c: &client::Model,
    before: Vec<(client_assignee::Model, Option<user::Model>)>,
    now: &[user::Model],
) -> ApiResult<Vec<i64>> {
    let mut ended = Vec::new();
    let Some(account_id) = c.client_account_id else {
        return Ok(ended);
    };
    for person in before.into_iter().filter_map(|(_, p)| p) {
        if person.client_scope == ClientScope::AssignedClients
            && person.role != Role::Owner
            && !now.iter().any(|m| m.id == person.id)
        {
            let here = sea_orm::sea_query::Query::select()
                .expr(Expr::value(account_id))
                .to_owned();
            ended.extend(session::end_seat_sessions_in(conn, &person, here).await?);
        }
    }
    Ok(ended)
}

/// The assignees of these clients, by client: one query for any number of clients.
pub async fn assignees_of<C: ConnectionTrait>(
    db: &C,
    client_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<user::Model>>> {
    let mut out: HashMap<i64, Vec<user::Model>> = HashMap::new();
    if client_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(client_assignee::Model, Option<user::Model>)> = client_assignee::Entity::find()
        .filter(client_assignee::Column::ClientId.is_in(client_ids.iter().copied()))
        .find_also_related(user::Entity)
        .order_by_asc(client_assignee::Column::UserId)
        .all(db)
        .await?;
    for (a, u) in rows {
        if let Some(u) = u {
            out.entry(a.client_id).or_default().push(u);
        }
    }
    Ok(out)
}
