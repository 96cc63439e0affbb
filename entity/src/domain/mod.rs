//! Pure domain types: parsed once at the edge, valid by construction.

mod audit_action;
mod client_actions;
mod company_id;
mod discount;
mod duration;
mod email;
mod enums;
mod invite_state;
pub mod link_state;
mod name;
mod parse_error;
mod partner_access;
mod password;
mod plans;
mod token;

pub use audit_action::AuditAction;
pub use client_actions::ClientAction;
pub use company_id::CompanyId;
pub use discount::{DiscountTiers, TierStanding};
pub use duration::{DurationError, human_duration, parse_duration};
pub use email::Email;
pub use enums::{
    AccountKind, ClientScope, ClientStatus, ConnectStatus, DeliveryStatus, GrantStatus,
    InviteMethod, Platform, Role, TaskKind, TaskStatus,
};
pub use invite_state::InviteState;
pub use link_state::LinkState;
pub use name::{CompanyName, MAX_NAME_CHARS, NameError, PersonName};
pub use parse_error::ParseError;
pub use partner_access::{GrantState, PartnerAccess, PartnerSeat, SeatAccess};
pub use password::{MIN_PASSWORD_LEN, Password};
pub use plans::{DEFAULT_PLANS, Plan, Plans};
pub use token::{SecretToken, TokenHash};
