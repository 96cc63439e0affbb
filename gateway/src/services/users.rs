//! Account administrators manage their account's users (SPEC §5): add one (who sets a
//! password through an emailed link), change a role, make one active or inactive. The
//! caller is an OWNER or ADMIN of `v.account`: the resolvers check it
//! (`graphql::context::require_account_admin`).

use super::After;
use super::AppState;
use super::accounts::insert_user;
use super::audit::{self, Entry, RequestMeta};
use super::passwords;
use crate::auth::{ViewerUser, session};
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::AuditAction;
use entity::client::partner_of;
use entity::{AccountKind, Email, PersonName, Role, client, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

async fn same_account_user<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
    user_id: i64,
) -> ApiResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::AccountId.eq(v.account.id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such user in this account".into()))
}

/// The client rows that list `v`'s account when it is a client account: a change to its
/// users can change what their partners' lists show (`partnerAccess`), so they are told.
async fn rows_listing<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
) -> ApiResult<Vec<worker::ClientEvent>> {
    if v.account.kind != AccountKind::Client {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, i64)> = client::Entity::find()
        .select_only()
        .column(client::Column::PartnerAccountId)
        .column(client::Column::Id)
        .filter(client::Column::ClientAccountId.eq(v.account.id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(partner, id)| worker::ClientEvent::updated(partner, id))
        .collect())
}

/// Adds a user (not an OWNER: there is exactly one) who is emailed a link to set a password.
pub async fn add_user(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    email: Email,
    name: PersonName,
    role: Role,
) -> ApiResult<user::Model> {
    if role == Role::Owner {
        return Err(ApiError::bad_input(
            "role",
            "an account has exactly one OWNER: add the user as ADMIN, MANAGER or EMPLOYEE",
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let u = insert_user(&txn, v.account.id, &email, name.as_str(), None, role).await?;
    // A person of the client's own partner firm gets a seat: they sign in with the one
    // password they have (SPEC §12), so no link to set another.
    match user::person_behind_seat(&txn, &u, &v.account).await? {
        // A client admin adding the person makes an ACTIVE grant for them (SPEC §13).
        Some((person, firm)) => {
            entity::access_grant::activate(
                &txn,
                v.account.id,
                firm.id,
                person.id,
                role,
                Some(v.user.id),
                now,
            )
            .await?;
        }
        None => {
            passwords::send_set_password(&txn, state, &u, &v.account.name, None, now).await?;
        }
    }
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            account_id: Some(v.account.id),
            partner_account_id: partner_of(&txn, &v.account).await?,
            detail: Some(format!(
                "added {} as {} in {}",
                u.email,
                role.as_api_str(),
                v.account.name
            )),
            ..Entry::of(AuditAction::UserAdded)
        },
    )
    .await?;
    let listing = rows_listing(&txn, v).await?;
    state
        .commit(
            txn,
            After {
                clients: listing,
                ..Default::default()
            },
        )
        .await?;
    Ok(u)
}

/// Changes a user's role. The OWNER keeps its role, and nobody else becomes OWNER.
pub async fn set_user_role(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    user_id: i64,
    role: Role,
) -> ApiResult<user::Model> {
    let txn = entity::db::begin_write(&state.db).await?;
    let target = same_account_user(&txn, v, user_id).await?;
    if target.role == Role::Owner {
        return Err(ApiError::bad_input(
            "userId",
            "the account owner's role cannot be changed",
        ));
    }
    if role == Role::Owner {
        return Err(ApiError::bad_input(
            "role",
            "an account has exactly one OWNER",
        ));
    }
    user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(role))
        .filter(user::Column::Id.eq(target.id))
        .exec(&txn)
        .await?;
    let mut ended = vec![target.id];
    if v.account.kind == AccountKind::Partner && target.role.is_admin() && !role.is_admin() {
        // Only a firm's OWNER and ADMINs enter its clients' accounts: a demoted person's
        // sessions there end with the demotion.
        ended.extend(session::end_client_sessions(&txn, v.account.id, &target).await?);
    }
    if target.active && target.role.is_admin() && !role.is_admin() {
        let what = format!(
            "changed the role of {} to {}",
            target.email,
            role.in_words()
        );
        tell_partner_of_lost_access(&txn, v, &target, &what).await?;
    }
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            account_id: Some(v.account.id),
            partner_account_id: partner_of(&txn, &v.account).await?,
            detail: Some(format!(
                "{}: {} → {}",
                target.email,
                target.role.as_api_str(),
                role.as_api_str()
            )),
            ..Entry::of(AuditAction::UserRoleChanged)
        },
    )
    .await?;
    let listing = rows_listing(&txn, v).await?;
    state
        .commit(
            txn,
            After {
                clients: listing,
                sessions: ended,
            },
        )
        .await?;
    Ok(user::Model { role, ..target })
}

/// A partner's owner gets at most one email a client's changes to its access per this
/// period; further changes fold into the one waiting.
pub const ACCESS_NOTICE_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// A client took away a partner user's access to its account (`what` it did): when
/// `target` is the user of one of the listing partner's own people, the partner's owner
/// is emailed, in the change's transaction, which client did what and who there can undo
/// it. Access the partner ends itself (offboarding) is not reported back to it.
async fn tell_partner_of_lost_access<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
    target: &user::Model,
    what: &str,
) -> ApiResult<()> {
    if v.account.kind != AccountKind::Client {
        return Ok(());
    }
    let Some(partner_id) = partner_of(conn, &v.account).await? else {
        return Ok(());
    };
    let partner_users = user::Entity::find()
        .filter(user::Column::AccountId.eq(partner_id))
        .all(conn)
        .await?;
    if !partner_users.iter().any(|u| u.email == target.email) {
        return Ok(());
    }
    let Some(owner) = partner_users.iter().find(|u| u.role == Role::Owner) else {
        return Ok(());
    };
    let Some(partner) = entity::account::Entity::find_by_id(partner_id)
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    // Who can undo it: the client's active OWNER and ADMINs other than the target.
    let admins: Vec<String> = user::Entity::find()
        .filter(user::Column::AccountId.eq(v.account.id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in([Role::Owner, Role::Admin]))
        .filter(user::Column::Id.ne(target.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| format!("{} <{}>", u.name, u.email))
        .collect();
    // At most one such email per client and partner an hour: later changes fold into it.
    entity::delivery::fold_mail(
        conn,
        Some(partner_id),
        &format!("partner-access:{partner_id}:{}", v.account.id),
        ACCESS_NOTICE_EVERY,
        &entity::mail::Mail::PartnerAccessChanged {
            to: owner.email.clone(),
            partner_name: partner.name,
            client_name: v.account.name.clone(),
            changed_by: v.user.email.clone(),
            what: what.to_owned(),
            can_undo: admins,
            later: Vec::new(),
        },
    )
    .await?;
    Ok(())
}

/// A partner firm's decision about one of its people reaches the client accounts: their
/// user rows there (same email, in the firm's clients' accounts) are suspended with them,
/// every session opened on those rows or through `logInToClient` ends; reactivating lifts
/// the suspension. A row the client itself deactivated stays inactive. Returns the rows.
async fn offboard_in_client_accounts<C: ConnectionTrait>(
    conn: &C,
    partner_account_id: i64,
    person: &user::Model,
    active: bool,
) -> ApiResult<Vec<i64>> {
    let ids = session::seats_of(conn, partner_account_id, person).await?;
    if ids.is_empty() && active {
        return Ok(ids);
    }
    user::Entity::update_many()
        .col_expr(user::Column::SuspendedByPartner, Expr::value(!active))
        .filter(user::Column::Id.is_in(ids.clone()))
        .exec(conn)
        .await?;
    if !active {
        session::end_client_sessions(conn, partner_account_id, person).await?;
    }
    Ok(ids)
}

/// Makes a user active or inactive; deactivating ends its sessions. The OWNER stays active.
pub async fn set_user_active(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    user_id: i64,
    active: bool,
) -> ApiResult<user::Model> {
    let txn = entity::db::begin_write(&state.db).await?;
    let target = same_account_user(&txn, v, user_id).await?;
    if target.role == Role::Owner && !active {
        return Err(ApiError::bad_input(
            "userId",
            "the account owner cannot be made inactive",
        ));
    }
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(active))
        .filter(user::Column::Id.eq(target.id))
        .exec(&txn)
        .await?;
    if !active {
        session::close_all_of(&txn, target.id, None).await?;
    }
    if target.active && !active && v.account.kind == AccountKind::Client {
        let what = format!("made {} inactive", target.email);
        tell_partner_of_lost_access(&txn, v, &target, &what).await?;
    }
    let mut ended = vec![target.id];
    if v.account.kind == AccountKind::Partner {
        ended.extend(offboard_in_client_accounts(&txn, v.account.id, &target, active).await?);
    }
    audit::record(
        &txn,
        Some(v),
        meta,
        Entry {
            account_id: Some(v.account.id),
            partner_account_id: partner_of(&txn, &v.account).await?,
            detail: Some(format!(
                "{} made {}",
                target.email,
                if active { "active" } else { "inactive" }
            )),
            ..Entry::of(if active {
                AuditAction::UserActivated
            } else {
                AuditAction::UserDeactivated
            })
        },
    )
    .await?;
    let listing = rows_listing(&txn, v).await?;
    state
        .commit(
            txn,
            After {
                clients: listing,
                sessions: ended,
            },
        )
        .await?;
    Ok(user::Model { active, ..target })
}
