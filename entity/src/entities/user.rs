use crate::domain::Role;
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

/// A person's membership of one account. The same person can have rows in several
/// accounts; `email` is stored lower-cased and unique per account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub name: String,
    /// argon2id PHC string; `None` until the person sets a password.
    pub password_hash: Option<String>,
    pub role: crate::domain::Role,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// In a client account: the partner firm deactivated this person, so this row does
    /// not work either until the firm reactivates them. The client's own decision is
    /// `active`.
    pub suspended_by_partner: bool,
    /// A partner firm's member: which of the firm's clients they see (SPEC §13). The
    /// owner sees all whatever it says.
    pub client_scope: crate::domain::ClientScope,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Whether the row can be used to log in: active, and not suspended by the partner.
    pub fn can_sign_in(&self) -> bool {
        self.active && !self.suspended_by_partner
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }
}

/// A new active user row, the one way every crate builds it. `email` is the parsed,
/// lower-cased address; `password_hash` is `None` until the person sets a password.
pub fn new_row(
    account_id: i64,
    email: &crate::Email,
    name: &str,
    password_hash: Option<String>,
    role: Role,
    now: DateTimeUtc,
) -> ActiveModel {
    ActiveModel {
        account_id: Set(account_id),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        password_hash: Set(password_hash),
        role: Set(role),
        active: Set(true),
        created_at: Set(now),
        suspended_by_partner: Set(false),
        ..Default::default()
    }
}

/// Inserts `row`; `None` when the account already has a user with that email.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    row: ActiveModel,
) -> Result<Option<Model>, DbErr> {
    super::insert_unless_exists(conn, row, [Column::AccountId, Column::Email]).await
}

// Which account a log-in picks (SPEC §2).

/// Active user rows with this email, each with its account; oldest first.
pub async fn candidates_for<C: ConnectionTrait>(
    db: &C,
    email: &crate::Email,
) -> Result<Vec<(Model, crate::account::Model)>, DbErr> {
    let users = Entity::find()
        .filter(Column::Email.eq(email.as_str()))
        .filter(Column::Active.eq(true))
        .filter(Column::SuspendedByPartner.eq(false))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = users.iter().map(|u| u.account_id).collect();
    let accounts = crate::account::Entity::find()
        .filter(crate::account::Column::Id.is_in(ids))
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
    candidates: &'a [(Model, crate::account::Model)],
    company_id: Option<&crate::CompanyId>,
) -> Option<&'a (Model, crate::account::Model)> {
    match company_id {
        Some(cid) => candidates
            .iter()
            .find(|(_, a)| a.company_id == cid.as_str()),
        None => candidates
            .iter()
            .find(|(_, a)| a.kind == crate::AccountKind::Partner)
            .or(candidates.first()),
    }
}

// One identity per person (SPEC §12).

/// The firm person a seat belongs to, with the firm's account: for a row of a client
/// account other than its owner, the user of the client's partner firm with the same
/// email. A seat has no password of its own: signing in there checks this person's
/// password, and works only while they are active in the firm as OWNER or ADMIN.
/// `None` for any other row.
pub async fn person_behind_seat<C: ConnectionTrait>(
    conn: &C,
    seat: &Model,
    account: &crate::account::Model,
) -> Result<Option<(Model, crate::account::Model)>, DbErr> {
    if account.kind != crate::AccountKind::Client || seat.role == Role::Owner {
        return Ok(None);
    }
    let Some(firm_id) = crate::client::partner_of(conn, account).await? else {
        return Ok(None);
    };
    let Some(person) = Entity::find()
        .filter(Column::AccountId.eq(firm_id))
        .filter(Column::Email.eq(&seat.email))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(crate::account::Entity::find_by_id(firm_id)
        .one(conn)
        .await?
        .map(|firm| (person, firm)))
}

/// The user row whose password a sign-in to `u` checks, with its account: the person
/// behind a seat, else the row itself.
pub async fn whose_password<C: ConnectionTrait>(
    conn: &C,
    u: &Model,
    account: &crate::account::Model,
) -> Result<(Model, crate::account::Model), DbErr> {
    Ok(person_behind_seat(conn, u, account)
        .await?
        .unwrap_or_else(|| (u.clone(), account.clone())))
}
