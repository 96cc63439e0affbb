//! sea-orm entities, one module per table. Kept free of product logic.

pub mod account;
pub mod delivery;
pub mod session;
pub mod user;
