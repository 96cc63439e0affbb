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

/// A V1 partner imported from a legacy export, beside a V2 partner firm (V2 Firm, its
/// owner rosa@v2firm.example) it may connect to.
pub struct LegacyPartners {
    /// The V1 owner's session (owner@ledgerline.example).
    pub v1_owner: String,
    /// The V2 owner's session.
    pub v2_owner: String,
    pub v2_company_id: String,
}

impl TestApp {
    /// Signs up the V2 partner firm a V1 partner connects to (V2 Firm, owner
    /// rosa@v2firm.example): its owner's session and its Company ID.
    pub async fn v2_firm(&self) -> (String, String) {
        let v2 = self
            .sign_up(
                "V2 Firm",
                "Rosa",
                "rosa@v2firm.example",
                "correct-horse-1",
                true,
            )
            .await;
        let token = v2["token"].as_str().unwrap().to_owned();
        let company_id = v2["user"]["account"]["companyId"]
            .as_str()
            .unwrap()
            .to_owned();
        (token, company_id)
    }

    /// Imports `export`, signs up the V2 firm and logs the V1 owner in.
    pub async fn legacy_partners(&self, export: &str) -> LegacyPartners {
        self.import_legacy(export).await.unwrap();
        let (v2_owner, v2_company_id) = self.v2_firm().await;
        let v1_owner = self
            .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
            .await;
        LegacyPartners {
            v1_owner,
            v2_owner,
            v2_company_id,
        }
    }
}
