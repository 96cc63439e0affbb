//! Closed sets of values stored as text in the database.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AccountKind {
    #[sea_orm(string_value = "PARTNER")]
    Partner,
    #[sea_orm(string_value = "CLIENT")]
    Client,
    /// The operator's own support staff (one account, made by `gateway staff add`).
    #[sea_orm(string_value = "STAFF")]
    Staff,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Platform {
    #[sea_orm(string_value = "V1")]
    V1,
    #[sea_orm(string_value = "V2")]
    V2,
}

/// A user's role inside one account. The order is the order of authority.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "OWNER")]
    Owner,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "MANAGER")]
    Manager,
    #[sea_orm(string_value = "EMPLOYEE")]
    Employee,
}

impl Role {
    /// The role as the API and the audit log spell it.
    pub fn as_api_str(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Admin => "ADMIN",
            Role::Manager => "MANAGER",
            Role::Employee => "EMPLOYEE",
        }
    }

    /// The role as an email or a page says it to a person ("Employee").
    pub fn in_words(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Employee => "Employee",
        }
    }

    /// OWNER and ADMIN administer an account (in a partner account: the client administrators).
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// Where an outgoing email stands in the transactional outbox.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Written with the domain change; waiting for the dispatcher.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Handed to the job queue; a send job will pick it up.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Gave up: a permanent refusal, or too many temporary failures.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// Where a client stands in a partner's client list (SPEC §4).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ClientStatus {
    #[sea_orm(string_value = "INVITED")]
    Invited,
    #[sea_orm(string_value = "TRIAL")]
    Trial,
    #[sea_orm(string_value = "TRIAL_EXPIRED")]
    TrialExpired,
    #[sea_orm(string_value = "PAYING")]
    Paying,
}

impl ClientStatus {
    /// Position in the dashboard's status order, stored beside the status for sorting.
    pub fn rank(self) -> i16 {
        match self {
            ClientStatus::Invited => 0,
            ClientStatus::Trial => 1,
            ClientStatus::TrialExpired => 2,
            ClientStatus::Paying => 3,
        }
    }
}

/// How a client came to a partner (SPEC §3).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum InviteMethod {
    #[sea_orm(string_value = "EMAIL")]
    Email,
    #[sea_orm(string_value = "LINK")]
    Link,
    #[sea_orm(string_value = "FORM")]
    Form,
    /// A V1 client upgraded through Partner Connect.
    #[sea_orm(string_value = "UPGRADE")]
    Upgrade,
}

/// Where a Partner Connect request stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ConnectStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "CONNECTED")]
    Connected,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// A kind of background work other than email (SPEC §7), recorded in `tasks`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TaskKind {
    /// Check a Partner Connect request (subject: the `legacy_connections` row).
    #[sea_orm(string_value = "partner_connect_check")]
    PartnerConnectCheck,
    /// Upgrade a V1 client to V2 (subject: the V1 `clients` row).
    #[sea_orm(string_value = "client_upgrade")]
    ClientUpgrade,
}

/// Where a piece of background work stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TaskStatus {
    /// Recorded with the mutation, or put back after a failure or a lost job; waiting for
    /// the dispatcher (not before `next_attempt_at`).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Handed to the job queue.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    #[sea_orm(string_value = "DONE")]
    Done,
    /// Gave up: a permanent failure, or too many temporary ones. `last_error` says why.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// Which of a partner firm's clients a member sees (SPEC §13).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ClientScope {
    /// Every client of the firm (the default; the owner always).
    #[sea_orm(string_value = "ALL_CLIENTS")]
    AllClients,
    /// Only the clients the member is assigned to.
    #[sea_orm(string_value = "ASSIGNED_CLIENTS")]
    AssignedClients,
}

/// Where an access grant stands (SPEC §13).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum GrantStatus {
    /// Asked for; the client has not answered.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Approved (or made by the sign-up form or the client adding the person).
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// Reached its end, or a request nobody answered in 30 days.
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
    #[sea_orm(string_value = "REVOKED")]
    Revoked,
}
