//! Access the client controls (SPEC §13): asking, the client's answers, its access log.

use super::*;
use crate::TestApp;
use serde_json::{Value, json};

impl TestApp {
    /// Rosa's firm with Bakers, a client that came by email (Rosa has no access there):
    /// Rosa's session, the row's id, and Bea's (the client owner's) session.
    pub async fn bakers(&self) -> (String, Value, String) {
        let rosa = self.partner(ROSA).await;
        let row = self.invite(&rosa, BEA, Some("Bakers")).await;
        let link = self.invite_link_mailed_to(BEA).await;
        let bea = self
            .accept_invite(&link, "Bakers", "Bea", "bea-password-1")
            .await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        (rosa, row["id"].clone(), bea)
    }

    /// `token`'s person asks for access to the client row `id` as `role` (for `days`),
    /// with a reason: the grant as answered.
    pub async fn ask_access(
        &self,
        token: &str,
        id: &Value,
        role: &str,
        days: Option<i32>,
    ) -> Value {
        let vars =
            json!({ "id": id, "role": role, "days": days, "reason": "Year-end payroll check" });
        self.ok(Some(token), REQUEST_ACCESS, vars).await["requestClientAccess"].clone()
    }
}
