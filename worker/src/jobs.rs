//! Job types. Each is defined once, here, and lives in an explicitly named queue:
//! `{QUEUE_NAMESPACE}.{QUEUE}` (see [`crate::WorkerConfig::queue_name`]).

use serde::{Deserialize, Serialize};

/// Send one email of the outbox. Idempotent on `delivery_id`: a job for a delivery that
/// was already sent does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendEmail {
    pub delivery_id: i64,
}

impl SendEmail {
    pub const QUEUE: &'static str = "mail";
}

/// Check a Partner Connect request and settle it as CONNECTED or FAILED. Idempotent on
/// `connection_id`: a request that is no longer PENDING is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckPartnerConnect {
    pub connection_id: i64,
}

impl CheckPartnerConnect {
    pub const QUEUE: &'static str = "connect";
}

/// Upgrade a V1 client to V2 under the connected V2 partner. Idempotent on `client_id`:
/// an upgraded client is left alone, and the upgrade is claimed inside its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeClient {
    pub client_id: i64,
}

impl UpgradeClient {
    pub const QUEUE: &'static str = "upgrade";
}
