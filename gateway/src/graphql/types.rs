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

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ClientStatus")]
pub enum ClientStatus {
    Invited,
    Trial,
    TrialExpired,
    Paying,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::InviteMethod")]
pub enum InviteMethod {
    /// Invited by email (`inviteClientByEmail`), accepted with the emailed link
    Email,
    /// Signed up through the partner's unique invite link
    Link,
    /// Created by the partner with the sign-up form (`createClientAccount`)
    Form,
    /// Created by a Partner Connect upgrade of a V1 client
    Upgrade,
}

/// What a partner can do with a client right now.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClientAction {
    ResendInvite,
    LogIn,
    ResetPassword,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClientOrderField {
    Name,
    Status,
    InvitedAt,
    TrialEndsAt,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

#[derive(InputObject, Debug, Clone, Copy)]
pub struct ClientOrder {
    pub field: ClientOrderField,
    pub direction: OrderDirection,
}

impl From<ClientOrder> for crate::services::client_list::ListOrder {
    fn from(o: ClientOrder) -> Self {
        use crate::services::client_list::OrderField;
        let field = match o.field {
            ClientOrderField::Name => OrderField::Name,
            ClientOrderField::Status => OrderField::Status,
            ClientOrderField::InvitedAt => OrderField::InvitedAt,
            ClientOrderField::TrialEndsAt => OrderField::TrialEndsAt,
        };
        Self {
            field,
            ascending: o.direction == OrderDirection::Asc,
        }
    }
}

// `serial`: every field is a value already in hand, so resolving them one after another
// gives the same answer without async-graphql's set of concurrent field futures for each
// object. The list's rows themselves are built in one pass (`super::client_list`).
/// A row of the partner's client list.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct Client {
    pub id: ID,
    /// Company ID of the client's account; null while INVITED
    pub company_id: Option<String>,
    pub name: Option<String>,
    pub email: String,
    pub status: ClientStatus,
    pub invited_via: InviteMethod,
    pub invited_at: DateTime<Utc>,
    pub last_invite_sent_at: Option<DateTime<Utc>>,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub available_actions: Vec<ClientAction>,
}

impl Client {
    /// A client read whole (outside the list's page).
    pub fn of(c: &entity::client::Model, partner_user: Option<entity::PartnerSeat>) -> Self {
        Self::new(&c.into(), partner_user)
    }

    /// The row as a partner on `platform` sees it: a V1 partner's clients are moved to V2
    /// by Partner Connect's upgrade, never re-invited, so they offer no RESEND_INVITE.
    pub fn on(mut self, platform: entity::Platform) -> Self {
        if platform == entity::Platform::V1 {
            self.available_actions
                .retain(|a| *a != ClientAction::ResendInvite);
        }
        self
    }

    /// `partner_user`: the calling partner user's own user row in the client account, if
    /// any. Log in needs it active and OWNER/ADMIN; Reset password needs it active.
    pub fn new(c: &entity::client::ListRow, partner_user: Option<entity::PartnerSeat>) -> Self {
        let mut actions = Vec::new();
        if c.status == entity::ClientStatus::Invited {
            actions.push(ClientAction::ResendInvite);
        }
        let access =
            entity::PartnerAccess::of(partner_user.filter(|_| c.client_account_id.is_some()));
        if access.can_log_in() {
            actions.push(ClientAction::LogIn);
        }
        if access.can_reset_password() {
            actions.push(ClientAction::ResetPassword);
        }
        Client {
            id: ID(c.id.to_string()),
            company_id: c.company_id.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
            status: c.status.into(),
            invited_via: c.invited_via.into(),
            invited_at: c.invited_at,
            last_invite_sent_at: c.last_invite_sent_at,
            trial_ends_at: c.trial_ends_at,
            available_actions: actions,
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct ClientEdge {
    pub cursor: String,
    pub node: Client,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ClientStatusCounts {
    pub invited: i32,
    pub trial: i32,
    pub trial_expired: i32,
    pub paying: i32,
    pub total: i32,
}

/// A partner's unique invite link.
#[derive(SimpleObject, Clone, Debug)]
pub struct InviteLink {
    pub code: String,
    pub url: String,
}

#[derive(InputObject, Debug)]
pub struct AcceptInviteInput {
    pub company_name: String,
    pub name: String,
    pub password: String,
}

#[derive(InputObject, Debug)]
pub struct CreateClientAccountInput {
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: String,
}

/// Clamps a count into GraphQL's Int.
pub fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(InputObject, Debug)]
pub struct AddUserInput {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// Something a user did, as the partner owner's audit log shows it.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEvent {
    pub id: ID,
    pub at: DateTime<Utc>,
    /// e.g. `client.invited`, `client.log_in`, `user.role_changed`.
    pub action: String,
    /// Who did it; null for the system or an anonymous request.
    pub actor: Option<User>,
    pub target_client: Option<Client>,
    pub detail: Option<String>,
    /// The partner user behind a session opened with `logInToClient`, when it was one.
    pub on_behalf_of: Option<User>,
    /// Where the request came from.
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEventEdge {
    pub cursor: String,
    pub node: AuditEvent,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEventConnection {
    pub edges: Vec<AuditEventEdge>,
    pub page_info: PageInfo,
}

/// A partner's discount, which follows its number of active clients.
#[derive(SimpleObject, Clone, Debug)]
pub struct DiscountTier {
    /// Clients in TRIAL or PAYING.
    pub active_clients: i32,
    pub percent_off: i32,
    /// active clients still needed for the next tier; null at the top tier
    pub clients_to_next_tier: Option<i32>,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ConnectStatus")]
pub enum ConnectStatus {
    Pending,
    Connected,
    Failed,
}

/// A V1 partner account's connection to a V2 partner dashboard.
#[derive(SimpleObject, Clone, Debug)]
pub struct LegacyConnection {
    pub status: ConnectStatus,
    /// Company ID of the V2 partner account
    pub company_id: String,
    /// What happened, for the partner to read.
    pub message: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&entity::legacy_connection::Model> for LegacyConnection {
    fn from(c: &entity::legacy_connection::Model) -> Self {
        LegacyConnection {
            status: c.status.into(),
            company_id: c.company_id.clone(),
            message: c.message.clone(),
            requested_at: c.requested_at,
            completed_at: c.completed_at,
        }
    }
}

/// An eligible V1 client on the upgrade tab.
#[derive(SimpleObject, Clone, Debug)]
pub struct UpgradeCandidate {
    pub client: Client,
    pub deadline: DateTime<Utc>,
    /// True once the client's V2 account exists (the upgrade runs as a worker job).
    pub upgraded: bool,
}

impl UpgradeCandidate {
    pub fn new(c: &entity::client::Model) -> Self {
        UpgradeCandidate {
            client: Client::of(c, None).on(entity::Platform::V1),
            deadline: c.upgrade_deadline.unwrap_or(c.invited_at),
            upgraded: c.upgraded_at.is_some(),
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct UpgradeTab {
    pub candidates: Vec<UpgradeCandidate>,
}
