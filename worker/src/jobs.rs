//! Job types. Each is defined once, here, and lives in an explicitly named queue.

use serde::{Deserialize, Serialize};

/// Send one email of the outbox. Idempotent on `delivery_id`: a job for a delivery that
/// was already sent does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendEmail {
    pub delivery_id: i64,
}

impl SendEmail {
    pub const QUEUE: &'static str = "partner-dashboard.mail";
}
