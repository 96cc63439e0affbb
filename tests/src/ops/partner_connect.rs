//! Partner Connect and client upgrades (SPEC §6).

use super::*;
use crate::TestApp;
use crate::waits::{eventually, secs};
use serde_json::{Value, json};

impl TestApp {
    /// Asks to connect the caller's V1 account to the V2 partner account with this
    /// Company ID and owner; returns `connectLegacyPartner` (PENDING until a worker checks).
    pub async fn connect_legacy_partner(
        &self,
        token: &str,
        company_id: &str,
        owner_email: &str,
    ) -> Value {
        let vars = json!({ "c": company_id, "e": owner_email });
        let answer = self.ok(Some(token), CONNECT_LEGACY_PARTNER, vars).await;
        answer["connectLegacyPartner"].clone()
    }

    /// The caller's Partner Connect request (null for none).
    pub async fn legacy_connection(&self, token: &str) -> Value {
        let answer = self.ok(Some(token), LEGACY_CONNECTION, json!({})).await;
        answer["legacyConnection"].clone()
    }

    /// Waits (up to 15 s) until the worker has settled `token`'s account's connect
    /// request; returns the `legacyConnection`.
    pub async fn wait_connection_settled(&self, token: &str) -> Value {
        eventually("the connect request to be settled", secs(15), async || {
            let c = self.legacy_connection(token).await;
            if c["status"] != "PENDING" {
                Ok(c)
            } else {
                Err(c)
            }
        })
        .await
    }

    /// The upgrade tab: `{ candidates }`, or null when the caller has nothing to upgrade.
    pub async fn upgrade_tab(&self, token: &str) -> Value {
        self.ok(Some(token), UPGRADE_TAB, json!({})).await["upgradeTab"].clone()
    }

    /// The upgrade tab's candidate with this V1 Company ID.
    pub async fn upgrade_candidate(&self, token: &str, company_id: &str) -> Value {
        let tab = self.upgrade_tab(token).await;
        let candidates = tab["candidates"].as_array().unwrap();
        let found = candidates
            .iter()
            .find(|c| c["client"]["companyId"] == company_id);
        found
            .unwrap_or_else(|| panic!("no candidate {company_id} in {tab}"))
            .clone()
    }

    /// Starts upgrading a V1 client; returns `upgradeClient`.
    pub async fn upgrade_client(&self, token: &str, client_id: &Value) -> Value {
        let vars = json!({ "id": client_id });
        self.ok(Some(token), UPGRADE_CLIENT, vars).await["upgradeClient"].clone()
    }
}
