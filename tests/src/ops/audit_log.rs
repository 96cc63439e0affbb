//! The audit log an account's owner reads (SPEC §5).

use super::*;
use crate::TestApp;
use serde_json::{Value, json};

impl TestApp {
    /// The newest 100 entries of the audit log `token`'s owner reads, newest first.
    pub async fn audit_log(&self, token: &str) -> Vec<Value> {
        let log = self
            .ok(Some(token), AUDIT_LOG, json!({ "first": 100 }))
            .await;
        log["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect()
    }

    /// The actions of [`audit_log`](Self::audit_log), newest first.
    pub async fn audit_actions(&self, token: &str) -> Vec<String> {
        let log = self.audit_log(token).await;
        log.iter()
            .map(|n| n["action"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The entries of [`audit_log`](Self::audit_log) with this action, newest first.
    pub async fn audit_entries(&self, token: &str, action: &str) -> Vec<Value> {
        let log = self.audit_log(token).await;
        log.into_iter().filter(|n| n["action"] == action).collect()
    }
}
