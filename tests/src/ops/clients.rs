//! Inviting clients, the client list and its row actions, subscribing (SPEC §3–5).

use super::*;
use crate::{TestApp, token_of};
use serde_json::{Value, json};

impl TestApp {
    /// Invites a client by email, with a company name or none; returns the client row.
    pub async fn invite(&self, token: &str, email: &str, company: Option<&str>) -> Value {
        let vars = json!({ "email": email, "company": company });
        self.ok(Some(token), INVITE, vars).await["inviteClientByEmail"].clone()
    }

    /// Invites `n` clients at once (`client1@many.example`, … named `Client 001`, …), as
    /// a bulk invite does; panics unless every one was invited.
    pub async fn invite_many(&self, token: &str, n: usize) {
        let rows: Vec<Value> = (1..=n)
            .map(|i| json!({ "email": format!("client{i}@many.example"), "companyName": format!("Client {i:03}") }))
            .collect();
        let done = self
            .ok(Some(token), INVITE_CLIENTS, json!({ "rows": rows }))
            .await;
        assert_eq!(done["inviteClients"]["invited"], n, "{done}");
    }

    /// Creates a client account with the sign-up form; returns the client row.
    pub async fn create_client(
        &self,
        token: &str,
        company: &str,
        contact: &str,
        contact_email: &str,
    ) -> Value {
        let input = json!({ "input": {
            "companyName": company, "contactName": contact, "contactEmail": contact_email } });
        self.ok(Some(token), CREATE_CLIENT, input).await["createClientAccount"].clone()
    }

    /// Accepts the invite `link` (or its token) as a person filling in the form does;
    /// returns `acceptInvite` (the new owner's session and user).
    pub async fn accept_invite(
        &self,
        link: &str,
        company: &str,
        name: &str,
        password: &str,
    ) -> Value {
        let vars = json!({ "token": token_of(link), "input": {
            "companyName": company, "name": name, "password": password } });
        self.ok(None, ACCEPT_INVITE, vars).await["acceptInvite"].clone()
    }

    /// Sends the client's invite again; returns the row.
    pub async fn resend_invite(&self, token: &str, client_id: &Value) -> Value {
        let vars = json!({ "id": client_id });
        self.ok(Some(token), RESEND_INVITE, vars).await["resendInvite"].clone()
    }

    /// Revokes the client's invite; returns the row.
    pub async fn revoke_invite(&self, token: &str, client_id: &Value) -> Value {
        let vars = json!({ "id": client_id });
        self.ok(Some(token), REVOKE_INVITE, vars).await["revokeInvite"].clone()
    }

    /// Removes a client row that never accepted its invite.
    pub async fn remove_client(&self, token: &str, client_id: &Value) {
        let vars = json!({ "id": client_id });
        let answer = self.ok(Some(token), REMOVE_CLIENT, vars).await;
        assert_eq!(answer["removeClient"], true, "{answer}");
    }

    /// `link(token, kind)` as a page asks it, with no session: `LinkInfo` or null.
    pub async fn link_info(&self, token: &str, kind: &str) -> Value {
        let vars = json!({ "token": token, "kind": kind });
        self.ok(None, LINK, vars).await["link"].clone()
    }

    /// The partner's unique invite link: `{ code url }`.
    pub async fn invite_link(&self, token: &str) -> Value {
        self.ok(Some(token), INVITE_LINK, json!({})).await["inviteLink"].clone()
    }

    /// A new unique invite link, ending the old one: `{ code url }`.
    pub async fn regenerate_invite_link(&self, token: &str) -> Value {
        let answer = self
            .ok(Some(token), REGENERATE_INVITE_LINK, json!({}))
            .await;
        answer["regenerateInviteLink"].clone()
    }

    /// A page of the client list for these variables of [`CLIENTS`] (`first`, `after`,
    /// `status`, `search`, `orderBy`, …): the `clients` connection.
    pub async fn clients(&self, token: &str, vars: Value) -> Value {
        self.ok(Some(token), CLIENTS, vars).await["clients"].clone()
    }

    /// How many clients the caller's list has.
    pub async fn client_count(&self, token: &str) -> u64 {
        let answer = self.ok(Some(token), CLIENTS_TOTAL, json!({})).await;
        answer["clients"]["totalCount"].as_u64().unwrap()
    }

    /// One row of the list, `client(id:)` (null when it is not the caller's).
    pub async fn client(&self, token: &str, client_id: &Value) -> Value {
        let vars = json!({ "id": client_id });
        self.ok(Some(token), CLIENT, vars).await["client"].clone()
    }

    /// The list's counts per status, with the total.
    pub async fn status_counts(&self, token: &str) -> Value {
        let answer = self.ok(Some(token), STATUS_COUNTS, json!({})).await;
        answer["clientStatusCounts"].clone()
    }

    /// Opens a session as the partner's own user in a client account; returns its token.
    pub async fn log_in_to_client(&self, token: &str, client_id: impl serde::Serialize) -> String {
        self.ok(Some(token), LOG_IN_TO_CLIENT, json!({ "id": client_id }))
            .await["logInToClient"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Emails the partner a link to reset its own user's password in the client account.
    pub async fn reset_client_password(&self, token: &str, client_id: &Value) {
        let vars = json!({ "id": client_id });
        let answer = self.ok(Some(token), RESET_CLIENT_PASSWORD, vars).await;
        assert_eq!(answer["resetClientPassword"], true, "{answer}");
    }

    /// Subscribes the caller's client account to `plan`; returns `subscribe` (the account).
    pub async fn subscribe(&self, token: &str, plan: &str) -> Value {
        let vars = json!({ "plan": plan });
        self.ok(Some(token), SUBSCRIBE, vars).await["subscribe"].clone()
    }
}
