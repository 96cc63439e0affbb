//! Looking people and accounts up, for the gateway (`logIn`, the audit log) and the worker
//! (settling password reset requests) alike.

use entity::{AccountKind, CompanyId, Email, account, client, user};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// Active user rows with this email, each with its account; oldest first.
pub async fn candidates_for<C: ConnectionTrait>(
    db: &C,
    email: &Email,
) -> Result<Vec<(user::Model, account::Model)>, DbErr> {
    let users = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::SuspendedByPartner.eq(false))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = users.iter().map(|u| u.account_id).collect();
    let accounts = account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(users
        .into_iter()
        .filter_map(|u| {
            let a = accounts.iter().find(|a| a.id == u.account_id)?.clone();
            Some((u, a))
        })
        .collect())
}

/// The user row a person means (SPEC §2): the one in the account with `company_id` when
/// given, else the one in their partner account, else their only (oldest) one.
pub fn choose_account<'a>(
    candidates: &'a [(user::Model, account::Model)],
    company_id: Option<&CompanyId>,
) -> Option<&'a (user::Model, account::Model)> {
    match company_id {
        Some(cid) => candidates
            .iter()
            .find(|(_, a)| a.company_id == cid.as_str()),
        None => candidates
            .iter()
            .find(|(_, a)| a.kind == AccountKind::Partner)
            .or(candidates.first()),
    }
}

/// The partner whose audit log shows events in `acc`: itself for a partner account, the
/// partner that lists it for a client account.
pub async fn partner_of<C: ConnectionTrait>(
    conn: &C,
    acc: &account::Model,
) -> Result<Option<i64>, DbErr> {
    if acc.kind == AccountKind::Partner {
        return Ok(Some(acc.id));
    }
    Ok(client::Entity::find()
        .filter(client::Column::ClientAccountId.eq(acc.id))
        .one(conn)
        .await?
        .map(|c| c.partner_account_id))
}
