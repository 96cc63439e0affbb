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

/// Check a Partner Connect request and settle it as CONNECTED or FAILED. Idempotent on
/// `connection_id`: a request that is no longer PENDING is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckPartnerConnect {
    pub connection_id: i64,
}

impl CheckPartnerConnect {
    pub const QUEUE: &'static str = "partner-dashboard.connect";
}
