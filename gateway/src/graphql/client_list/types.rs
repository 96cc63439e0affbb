//! The client list's types: a row (`Client`) with its status, invite state, partner
//! access and actions, its edges and the counts for the tabs.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

/// Where a client stands, as the client list shows it.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ClientStatus")]
pub enum ClientStatus {
    /// Invited by email; no account yet.
    Invited,
    /// Has an account on a free trial.
    Trial,
    /// The trial ended without a subscription.
    TrialExpired,
    /// Subscribed to a paid plan.
    Paying,
}

/// How a client came onto the partner's list.
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
#[graphql(remote = "entity::ClientAction")]
pub enum ClientAction {
    /// `resendInvite`: the client is INVITED (V2 partners only).
    ResendInvite,
    /// `logInToClient`: your own user in the client's account is active and OWNER or ADMIN.
    LogIn,
    /// `resetClientPassword`: your own user in the client's account is active.
    ResetPassword,
    /// `revokeInvite`: the client's invite link works (inviteState SENT).
    RevokeInvite,
    /// `removeClient`: the client is INVITED (it never accepted): the row can be removed
    /// (V2 partners only).
    Remove,
    /// the calling person has no access and can ask for it
    RequestAccess,
}

/// Where an INVITED client's invite link stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::InviteState")]
pub enum InviteState {
    /// The link works until `inviteExpiresAt`.
    Sent,
    /// The link's time passed unused; `resendInvite` sends a fresh one.
    Expired,
    /// You revoked the invite; `resendInvite` sends a fresh one.
    Revoked,
}

/// Whether you can log in to a client's account now, and if not, why (the reasons
/// `logInToClient` refuses with).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PartnerAccess {
    /// Your user there is active and OWNER or ADMIN.
    Ok,
    /// You have no user there (or the client has no account yet): PARTNER_USER_MISSING.
    Missing,
    /// The client made your user inactive: PARTNER_USER_INACTIVE.
    Inactive,
    /// The client changed your user's role below ADMIN: PARTNER_USER_NOT_ADMIN.
    NotAdmin,
    /// a request waits for the client's answer
    Pending,
    /// the grant reached its end
    Expired,
    /// the client revoked the grant
    Revoked,
}

impl From<entity::PartnerAccess> for PartnerAccess {
    fn from(a: entity::PartnerAccess) -> Self {
        match a {
            entity::PartnerAccess::Ok => PartnerAccess::Ok,
            entity::PartnerAccess::Missing => PartnerAccess::Missing,
            entity::PartnerAccess::Inactive => PartnerAccess::Inactive,
            entity::PartnerAccess::NotAdmin(_) => PartnerAccess::NotAdmin,
            entity::PartnerAccess::Pending => PartnerAccess::Pending,
            entity::PartnerAccess::Expired => PartnerAccess::Expired,
            entity::PartnerAccess::Revoked => PartnerAccess::Revoked,
        }
    }
}

/// What the client list is sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClientOrderField {
    /// The client's name (its email while it has none).
    Name,
    /// INVITED, TRIAL, TRIAL_EXPIRED, PAYING, in that order.
    Status,
    /// When the client was added.
    InvitedAt,
    /// When the trial ends; rows without a trial end come last.
    TrialEndsAt,
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest first (A to Z, oldest first).
    Asc,
    /// Largest first (Z to A, newest first).
    Desc,
}

/// The order of the client list; ties are broken by id, so pages never overlap.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ClientOrder {
    /// What to sort by.
    pub field: ClientOrderField,
    /// Ascending or descending.
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
// object. The list's rows themselves are built in one pass ([`edges`]).
/// A row of the partner's client list.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial, complex)]
pub struct Client {
    /// The row's id, for the client actions.
    pub id: ID,
    /// Company ID of the client's account; null while INVITED
    pub company_id: Option<String>,
    /// The client's company name; null while INVITED without one.
    pub name: Option<String>,
    /// The client's email (the invitee, or the account owner's).
    pub email: String,
    /// Invited, Trial, Trial Expired or Paying.
    pub status: ClientStatus,
    /// How the client came onto the list.
    pub invited_via: InviteMethod,
    /// When the client was added to the list.
    pub invited_at: DateTime<Utc>,
    /// When the last invite email was sent; null when none was.
    pub last_invite_sent_at: Option<DateTime<Utc>>,
    /// When the trial ends (TRIAL) or ended (TRIAL_EXPIRED); null otherwise.
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// What you can do with this client now.
    pub available_actions: Vec<ClientAction>,
    /// when the current invite link stops working; null unless INVITED
    pub invite_expires_at: Option<DateTime<Utc>>,
    /// null unless INVITED
    pub invite_state: Option<InviteState>,
    /// whether the calling partner user can log in to this client now, and if not, why
    pub partner_access: PartnerAccess,
    /// the last time one of the partner's users logged in to this client
    pub last_partner_login_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub(crate) row_id: i64,
    #[graphql(skip)]
    pub(crate) client_account_id: Option<i64>,
    /// The assignees, when the list read them for every row at once.
    #[graphql(skip)]
    pub(crate) assignees_read: Option<Vec<super::super::accounts::User>>,
    /// The caller's grant, when the list read them for every row at once.
    #[graphql(skip)]
    pub(crate) grant_read: Option<Option<crate::services::access::GrantView>>,
}

impl Client {
    /// A client read whole (outside the list's page); see [`Client::new`].
    pub fn of(
        c: &entity::client::Model,
        partner_user: entity::SeatAccess,
        platform: entity::Platform,
    ) -> Self {
        Self::new(&c.into(), partner_user, platform)
    }

    /// The row as the person whose seat and grant in the client account are
    /// `partner_user` sees it, in a partner account on `platform`: its actions follow the
    /// one rule of `entity::ClientAction::available`.
    pub fn new(
        c: &entity::client::ListRow,
        partner_user: entity::SeatAccess,
        platform: entity::Platform,
    ) -> Self {
        let now = Utc::now();
        let invite_state = c.invite_state(now);
        let access = c.partner_access(partner_user, now);
        let actions = c
            .actions(partner_user, platform, now)
            .into_iter()
            .map(Into::into)
            .collect();
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
            invite_expires_at: c
                .invite_expires_at
                .filter(|_| c.status == entity::ClientStatus::Invited),
            invite_state: invite_state.map(Into::into),
            partner_access: access.into(),
            last_partner_login_at: c.last_partner_login_at,
            row_id: c.id,
            client_account_id: c.client_account_id,
            assignees_read: None,
            grant_read: None,
        }
    }
}

/// Where a page of a cursor connection sits (Relay's PageInfo).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct PageInfo {
    /// More rows follow `endCursor`.
    pub has_next_page: bool,
    /// Rows come before `startCursor`.
    pub has_previous_page: bool,
    /// The first row's cursor; null on an empty page.
    pub start_cursor: Option<String>,
    /// The last row's cursor (pass it as `after`); null on an empty page.
    pub end_cursor: Option<String>,
}

/// One row of the client list with its cursor.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct ClientEdge {
    /// Opaque; pass as `after` or `before`.
    pub cursor: String,
    /// The client.
    pub node: Client,
}

/// How many of the partner's clients are in each status.
#[derive(SimpleObject, Clone, Debug)]
pub struct ClientStatusCounts {
    /// INVITED clients.
    pub invited: i32,
    /// Clients in TRIAL.
    pub trial: i32,
    /// TRIAL_EXPIRED clients.
    pub trial_expired: i32,
    /// PAYING clients.
    pub paying: i32,
    /// All clients.
    pub total: i32,
}
