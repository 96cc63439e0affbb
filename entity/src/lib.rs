//! Database entities (sea-orm) and the small pure domain types that every crate shares.
//!
//! The domain types parse once at the edge: everything behind the edge takes the newtype,
//! never a raw `String`.

pub mod db;
pub mod domain;
pub mod entities;
pub mod mail;

pub use domain::*;
pub use entities::*;
