//! GraphQL output types, built from entities (never the entities themselves).

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{account, user};

/// What an account is for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AccountKind")]
pub enum AccountKind {
    /// An accounting or bookkeeping firm: it has a client list.
    Partner,
    /// A business using the product, invited by a partner or signed up alone.
    Client,
    /// the operator's own support staff
    Staff,
}

/// Which generation of the product an account lives on.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Platform")]
pub enum Platform {
    /// The legacy platform: imported accounts, upgraded to V2 through Partner Connect.
    V1,
    /// The current platform.
    V2,
}

/// A user's role in their account.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Role")]
pub enum Role {
    /// The account's one owner: everything ADMIN can, plus the audit log; cannot be
    /// changed or deactivated.
    Owner,
    /// Manages the account's users; in a partner account, sees and acts on clients.
    Admin,
    /// Day-to-day work; no user management.
    Manager,
    /// The least access.
    Employee,
}

/// A company: a partner firm or a client business.
#[derive(SimpleObject, Clone, Debug)]
pub struct Account {
    /// The account's internal id.
    pub id: ID,
    /// Public Company ID: three letters and four digits, e.g. FZR4371.
    pub company_id: String,
    /// The company's name.
    pub name: String,
    /// Partner firm or client business.
    pub kind: AccountKind,
    /// V1 (legacy) or V2.
    pub platform: Platform,
    /// The plan (`plans`) a client account pays for; null until it subscribes, and for
    /// partner firms (free).
    pub plan: Option<String>,
    /// When the client account subscribed; null until it does.
    pub subscribed_at: Option<DateTime<Utc>>,
    /// When a client account's free trial ends (or ended); null for partner firms.
    pub trial_ends_at: Option<DateTime<Utc>>,
}

impl From<&account::Model> for Account {
    fn from(a: &account::Model) -> Self {
        Account {
            id: ID(a.id.to_string()),
            company_id: a.company_id.clone(),
            name: a.name.clone(),
            kind: a.kind.into(),
            platform: a.platform.into(),
            plan: a.plan.clone(),
            subscribed_at: a.subscribed_at,
            trial_ends_at: a.trial_ends_at,
        }
    }
}

/// A person's user row inside one account.
#[derive(SimpleObject, Clone, Debug)]
pub struct User {
    /// The user's id (one person has one user per account).
    pub id: ID,
    /// The email the user logs in with, lower-cased.
    pub email: String,
    /// The person's name.
    pub name: String,
    /// Their role in `account`.
    pub role: Role,
    /// False once deactivated: an inactive user cannot log in.
    pub active: bool,
    /// The account this user belongs to.
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
    /// The session token; a secret, shown once.
    pub token: String,
    /// When the session ends (sessions also end at log-out, a password change or
    /// deactivation).
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
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

/// A new account and its owner.
#[derive(InputObject, Debug)]
pub struct SignUpInput {
    /// The company's name (1–200 characters).
    pub company_name: String,
    /// The owner's name (1–200 characters).
    pub name: String,
    /// The owner's email; they log in with it.
    pub email: String,
    /// At least 10 characters, at most 128.
    pub password: String,
    /// True for an accounting or bookkeeping firm (a PARTNER account); false for a
    /// business (a CLIENT account on a free trial).
    pub is_accountant_or_bookkeeper: bool,
    /// code from a partner's unique invite link
    pub partner_code: Option<String>,
}

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
}

impl From<entity::PartnerAccess> for PartnerAccess {
    fn from(a: entity::PartnerAccess) -> Self {
        match a {
            entity::PartnerAccess::Ok => PartnerAccess::Ok,
            entity::PartnerAccess::Missing => PartnerAccess::Missing,
            entity::PartnerAccess::Inactive => PartnerAccess::Inactive,
            entity::PartnerAccess::NotAdmin(_) => PartnerAccess::NotAdmin,
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
// object. The list's rows themselves are built in one pass (`super::client_list`).
/// A row of the partner's client list.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
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
}

impl Client {
    /// A client read whole (outside the list's page); see [`Client::new`].
    pub fn of(
        c: &entity::client::Model,
        partner_user: Option<entity::PartnerSeat>,
        platform: entity::Platform,
    ) -> Self {
        Self::new(&c.into(), partner_user, platform)
    }

    /// The row as the partner user whose own user in the client account is
    /// `partner_user` sees it, in a partner account on `platform`: its actions follow the
    /// one rule of `entity::ClientAction::available`.
    pub fn new(
        c: &entity::client::ListRow,
        partner_user: Option<entity::PartnerSeat>,
        platform: entity::Platform,
    ) -> Self {
        let now = Utc::now();
        let invite_state = c.invite_state(now);
        let access = c.partner_access(partner_user);
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

/// A partner's unique invite link.
#[derive(SimpleObject, Clone, Debug)]
pub struct InviteLink {
    /// The link's code (`partnerCode` in `signUp`).
    pub code: String,
    /// The whole link to share: `PUBLIC_URL/join/{code}`.
    pub url: String,
}

/// The invitee's new account.
#[derive(InputObject, Debug)]
pub struct AcceptInviteInput {
    /// The client's company name (1–200 characters).
    pub company_name: String,
    /// The invitee's name (1–200 characters).
    pub name: String,
    /// At least 10 characters, at most 128.
    pub password: String,
}

/// The client account the sign-up form creates.
#[derive(InputObject, Debug)]
pub struct CreateClientAccountInput {
    /// The client's company name (1–200 characters).
    pub company_name: String,
    /// The client contact's name; they become the account's owner.
    pub contact_name: String,
    /// The client contact's email; they are emailed a link to set a password.
    pub contact_email: String,
}

/// A plan a client account can subscribe to (configured with `PLANS`).
#[derive(SimpleObject, Clone, Debug)]
pub struct Plan {
    /// What `subscribe(plan:)` takes, e.g. `monthly`.
    pub id: String,
    /// Its name, to show.
    pub name: String,
    /// What it is, in a sentence.
    pub description: Option<String>,
}

impl From<&entity::Plan> for Plan {
    fn from(p: &entity::Plan) -> Self {
        Plan {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
        }
    }
}

/// One row of a bulk invite.
#[derive(InputObject, Debug)]
pub struct BulkInviteRow {
    /// The client's email.
    pub email: String,
    /// The client's company name, if known.
    pub company_name: Option<String>,
}

/// What happened to one row of a bulk invite.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum BulkInviteOutcome {
    /// Invited: listed as INVITED, its invite email on the way.
    Invited,
    /// A dry run: this row would be invited.
    WouldInvite,
    /// Already one of your clients: not invited again.
    AlreadyClient,
    /// A later copy of an email earlier in the batch (compared case-insensitively).
    DuplicateInBatch,
    /// Not invited: `message` says what is wrong.
    Invalid,
}

/// One row's result.
#[derive(SimpleObject, Clone, Debug)]
pub struct BulkInviteResult {
    /// 1-based position of the row in the request
    pub row: i32,
    /// The row's email (lower-cased when valid).
    pub email: String,
    /// What happened.
    pub outcome: BulkInviteOutcome,
    /// For INVALID rows, what is wrong; for skipped ones, why.
    pub message: Option<String>,
    /// The client row: the new one (INVITED) or the one already listed (ALREADY_CLIENT).
    pub client: Option<Client>,
}

/// The outcome of `inviteClients`, row by row and counted.
#[derive(SimpleObject, Clone, Debug)]
pub struct BulkInviteReport {
    /// One per row, in request order.
    pub results: Vec<BulkInviteResult>,
    /// Rows invited (0 in a dry run).
    pub invited: i32,
    /// Rows a dry run would invite (0 in a real run).
    pub would_invite: i32,
    /// Rows not invited because they are already clients or repeat an earlier row.
    pub skipped: i32,
    /// Rows refused as invalid.
    pub invalid: i32,
}

impl BulkInviteReport {
    pub fn new(
        rows: Vec<crate::services::bulk_invites::RowResult>,
        platform: entity::Platform,
    ) -> Self {
        use crate::services::bulk_invites::Outcome as O;
        let mut report = BulkInviteReport {
            results: Vec::with_capacity(rows.len()),
            invited: 0,
            would_invite: 0,
            skipped: 0,
            invalid: 0,
        };
        for r in rows {
            let (outcome, message, client) = match r.outcome {
                O::Invited(c) => {
                    report.invited += 1;
                    (BulkInviteOutcome::Invited, None, Some(c))
                }
                O::WouldInvite => {
                    report.would_invite += 1;
                    (BulkInviteOutcome::WouldInvite, None, None)
                }
                O::AlreadyClient(c) => {
                    report.skipped += 1;
                    let why = format!("{} is already one of your clients", c.email);
                    (BulkInviteOutcome::AlreadyClient, Some(why), Some(c))
                }
                O::DuplicateInBatch => {
                    report.skipped += 1;
                    let why = "the same email is on an earlier row".to_owned();
                    (BulkInviteOutcome::DuplicateInBatch, Some(why), None)
                }
                O::Invalid(why) => {
                    report.invalid += 1;
                    (BulkInviteOutcome::Invalid, Some(why), None)
                }
            };
            report.results.push(BulkInviteResult {
                row: int(r.row as u64),
                email: r.email,
                outcome,
                message,
                client: client.map(|c| Client::of(&c, None, platform)),
            });
        }
        report
    }
}

/// Clamps a count into GraphQL's Int.
pub fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A new user of your account.
#[derive(InputObject, Debug)]
pub struct AddUserInput {
    /// Their email; they are emailed a link to set a password.
    pub email: String,
    /// Their name (1–200 characters).
    pub name: String,
    /// ADMIN, MANAGER or EMPLOYEE (an account has one OWNER).
    pub role: Role,
}

/// Something a user did, as the partner owner's audit log shows it.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEvent {
    /// The entry's id.
    pub id: ID,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// e.g. `client.invited`, `client.log_in`, `user.role_changed`.
    pub action: String,
    /// Who did it; null for the system or an anonymous request.
    pub actor: Option<User>,
    /// The client it was about, if any.
    pub target_client: Option<Client>,
    /// More about it, e.g. the new role or the invitee's email.
    pub detail: Option<String>,
    /// The partner user behind a session opened with `logInToClient`, when it was one.
    pub on_behalf_of: Option<User>,
    /// Where the request came from.
    pub ip: Option<String>,
    /// The request's id (`x-request-id`), to find it in the gateway's logs.
    pub request_id: Option<String>,
}

/// One audit entry with its cursor.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEventEdge {
    /// Opaque; pass as `after`.
    pub cursor: String,
    /// The entry.
    pub node: AuditEvent,
}

/// A page of the audit log, newest first.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEventConnection {
    /// The entries of this page.
    pub edges: Vec<AuditEventEdge>,
    /// Where the page sits.
    pub page_info: PageInfo,
}

/// A partner's discount, which follows its number of active clients.
#[derive(SimpleObject, Clone, Debug)]
pub struct DiscountTier {
    /// Clients in TRIAL or PAYING.
    pub active_clients: i32,
    /// The discount on the partner's own subscription, in percent.
    pub percent_off: i32,
    /// active clients still needed for the next tier; null at the top tier
    pub clients_to_next_tier: Option<i32>,
}

/// Where a Partner Connect request stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ConnectStatus")]
pub enum ConnectStatus {
    /// Being checked by a worker.
    Pending,
    /// Linked: the V1 partner's eligible clients can be upgraded.
    Connected,
    /// Not linked; `message` says why.
    Failed,
}

/// A V1 partner account's connection to a V2 partner dashboard.
#[derive(SimpleObject, Clone, Debug)]
pub struct LegacyConnection {
    /// Pending, connected or failed.
    pub status: ConnectStatus,
    /// Company ID of the V2 partner account
    pub company_id: String,
    /// What happened, for the partner to read.
    pub message: Option<String>,
    /// When the request was made.
    pub requested_at: DateTime<Utc>,
    /// When it was connected or failed; null while PENDING.
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
    /// The V1 client.
    pub client: Client,
    /// The last moment the client can be upgraded.
    pub deadline: DateTime<Utc>,
    /// True once the client's V2 account exists (the upgrade runs as a worker job).
    pub upgraded: bool,
}

impl UpgradeCandidate {
    pub fn new(c: &entity::client::Model) -> Self {
        UpgradeCandidate {
            client: Client::of(c, None, entity::Platform::V1),
            deadline: c.upgrade_deadline.unwrap_or(c.invited_at),
            upgraded: c.upgraded_at.is_some(),
        }
    }
}

/// A connected V1 partner's clients that can move to V2.
#[derive(SimpleObject, Clone, Debug)]
pub struct UpgradeTab {
    /// Eligible clients, soonest deadline first.
    pub candidates: Vec<UpgradeCandidate>,
}
