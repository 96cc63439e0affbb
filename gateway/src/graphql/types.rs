//! GraphQL output types, built from entities (never the entities themselves).

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{account, user};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AccountKind")]
pub enum AccountKind {
    Partner,
    Client,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Platform")]
pub enum Platform {
    V1,
    V2,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Role")]
pub enum Role {
    Owner,
    Admin,
    Manager,
    Employee,
}

/// A company: a partner firm or a client business.
#[derive(SimpleObject, Clone, Debug)]
pub struct Account {
    pub id: ID,
    /// Public Company ID: three letters and four digits, e.g. FZR4371.
    pub company_id: String,
    pub name: String,
    pub kind: AccountKind,
    pub platform: Platform,
}

impl From<&account::Model> for Account {
    fn from(a: &account::Model) -> Self {
        Account {
            id: ID(a.id.to_string()),
            company_id: a.company_id.clone(),
            name: a.name.clone(),
            kind: a.kind.into(),
            platform: a.platform.into(),
        }
    }
}

/// A person's user row inside one account.
#[derive(SimpleObject, Clone, Debug)]
pub struct User {
    pub id: ID,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub account: Account,
}

impl User {
    pub fn new(u: &user::Model, account: &account::Model) -> Self {
        User {
            id: ID(u.id.to_string()),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.into(),
            active: u.active,
            account: account.into(),
        }
    }
}

/// A new session: send `token` as `Authorization: Bearer <token>`.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuthPayload {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

impl From<crate::services::accounts::SignedIn> for AuthPayload {
    fn from(s: crate::services::accounts::SignedIn) -> Self {
        AuthPayload {
            token: s.token.expose().to_owned(),
            expires_at: s.expires_at,
            user: User::new(&s.user, &s.account),
        }
    }
}

#[derive(InputObject, Debug)]
pub struct SignUpInput {
    pub company_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub is_accountant_or_bookkeeper: bool,
    /// code from a partner's unique invite link
    pub partner_code: Option<String>,
}
