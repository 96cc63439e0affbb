//! Domain services: one function per domain operation, one transaction each.

pub mod accounts;
pub mod clients;

use crate::auth::PasswordHasher;
use crate::config::Config;
use sea_orm::DatabaseConnection;
use worker::{JobQueue, Nudge};

/// What every service needs; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub hasher: PasswordHasher,
    pub config: std::sync::Arc<Config>,
    pub nudge: Nudge,
    pub queue: JobQueue,
}
