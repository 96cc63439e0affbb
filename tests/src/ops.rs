//! The GraphQL operations the tests send, each written once, and one helper per common
//! operation on [`TestApp`].

use crate::TestApp;
use serde_json::{Value, json};

pub const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    token expiresAt user { id email name role active account { id companyId name kind platform } } } }";

pub const LOG_IN: &str = "mutation($email: String!, $password: String!, $companyId: String) {
    logIn(email: $email, password: $password, companyId: $companyId) {
    token expiresAt user { id email role account { companyId kind } } } }";

pub const ME: &str =
    "{ me { id email name role active account { id companyId name kind platform } } }";

impl TestApp {
    pub async fn sign_up(
        &self,
        company: &str,
        name: &str,
        email: &str,
        password: &str,
        partner: bool,
    ) -> Value {
        self.ok(
            None,
            SIGN_UP,
            json!({ "input": {
                "companyName": company, "name": name, "email": email,
                "password": password, "isAccountantOrBookkeeper": partner
            }}),
        )
        .await["signUp"]
            .clone()
    }

    /// Signs up a partner firm and returns its owner's session token.
    pub async fn partner(&self, email: &str) -> String {
        let p = self
            .sign_up(
                "Ledger & Line",
                "Rosa Ledger",
                email,
                "correct-horse-1",
                true,
            )
            .await;
        p["token"].as_str().unwrap().to_owned()
    }
}
