//! Starting points that several test files share.

use crate::{TestApp, token_of};
use serde_json::{Value, json};

/// A partner (rosa@ledgerline.example) with one client created by the sign-up form
/// (Corner Shop), whose owner (cora@cornershop.example) has set a password.
pub struct PartnerWithClient {
    /// The partner owner's session.
    pub partner: String,
    pub client_id: Value,
    pub company_id: String,
    /// The client owner's session.
    pub client_owner: String,
}

impl TestApp {
    /// Sets up a [`PartnerWithClient`].
    pub async fn partner_with_client(&self) -> PartnerWithClient {
        let partner = self.partner("rosa@ledgerline.example").await;
        let c = self
            .create_client(&partner, "Corner Shop", "Cora", "cora@cornershop.example")
            .await;
        let client_owner = self
            .activate("cora@cornershop.example", "cora-password-1")
            .await;
        PartnerWithClient {
            partner,
            client_id: c["id"].clone(),
            company_id: c["companyId"].as_str().unwrap().to_owned(),
            client_owner,
        }
    }
}

/// The variables of [`ACCEPT_INVITE`](crate::ACCEPT_INVITE) with which Bea accepts the
/// invite `link` for Bakers.
pub fn bea_accepts(link: &str) -> Value {
    json!({ "token": token_of(link), "input": {
        "companyName": "Bakers", "name": "Bea", "password": "bea-password-1" } })
}
