//! sea-orm entities, one module per table. Kept free of product logic.

pub mod account;
pub mod audit_event;
pub mod client;
pub mod delivery;
pub mod invite;
pub mod legacy_connection;
pub mod password_reset_request;
pub mod password_token;
pub mod session;
pub mod user;
