//! The GraphQL operations the tests send, each written once, and one helper per common
//! operation on [`TestApp`].
//!
//! Where tests need different fields of one operation, its selection is the union of
//! them: a field more in the answer changes no value a test asserts. Where a test
//! compares a whole object, the operation it sends keeps exactly the fields compared, as
//! its own const. Documents that are themselves what a test examines (the authorization
//! table, the fuzz cases, the GraphQL limits, selections the list must answer exactly)
//! stay in their tests.

use crate::{TestApp, token_of};
use serde_json::{Value, json};

// Accounts, users and sessions (SPEC §1–2).

pub const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    token expiresAt user { id email name role active account { id companyId name kind platform } } } }";

pub const LOG_IN: &str = "mutation($email: String!, $password: String!, $companyId: String) {
    logIn(email: $email, password: $password, companyId: $companyId) {
    token expiresAt user { id email role account { companyId kind } } } }";

pub const LOG_OUT: &str = "mutation { logOut }";

pub const ME: &str =
    "{ me { id email name role active account { id companyId name kind platform } } }";

/// `me` with its email only: the smallest question about the session.
pub const ME_EMAIL: &str = "{ me { email } }";

/// The users of the caller's account.
pub const USERS: &str = "{ users { id email role account { name } } }";

/// The users of the caller's account, with exactly the fields a test compares whole.
pub const USERS_EMAIL_ROLE: &str = "{ users { email role } }";

// Inviting clients (SPEC §3).

pub const INVITE: &str = "mutation($email: String!, $company: String) {
    inviteClientByEmail(email: $email, companyName: $company) {
      id companyId name email status invitedVia invitedAt lastInviteSentAt trialEndsAt availableActions } }";

pub const ACCEPT_INVITE: &str = "mutation($token: String!, $input: AcceptInviteInput!) {
    acceptInvite(token: $token, input: $input) { token user { email role account { companyId kind platform name } } } }";

pub const INVITE_LINK: &str = "{ inviteLink { code url } }";

pub const REGENERATE_INVITE_LINK: &str = "mutation { regenerateInviteLink { code url } }";

/// The sign-up form.
pub const CREATE_CLIENT: &str = "mutation($input: CreateClientAccountInput!) {
    createClientAccount(input: $input) { id companyId name email status invitedVia trialEndsAt availableActions } }";

// The client list (SPEC §4).

pub const CLIENTS: &str = "query($first: Int, $after: String, $last: Int, $before: String, $status: ClientStatus, $search: String, $orderBy: ClientOrder) {
    clients(first: $first, after: $after, last: $last, before: $before, status: $status, search: $search, orderBy: $orderBy) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name email status invitedVia availableActions companyId trialEndsAt } } } }";

/// How many clients the list has.
pub const CLIENTS_TOTAL: &str = "query($first: Int) { clients(first: $first) { totalCount } }";

/// The list with exactly the fields of a row a test compares whole.
pub const CLIENTS_BRIEF: &str =
    "{ clients { totalCount edges { node { companyId name email status } } } }";

pub const CLIENT: &str = "query($id: ID!) {
    client(id: $id) { id companyId name email status availableActions lastInviteSentAt trialEndsAt } }";

pub const STATUS_COUNTS: &str =
    "{ clientStatusCounts { invited trial trialExpired paying total } }";

/// The counts per status, with exactly the fields a test compares whole.
pub const STATUS_COUNTS_WITHOUT_TOTAL: &str =
    "{ clientStatusCounts { invited trial trialExpired paying } }";

// Actions from the client list, users, subscribing, the audit log (SPEC §5).

pub const RESEND_INVITE: &str = "mutation($id: ID!) { resendInvite(clientId: $id) { id status lastInviteSentAt availableActions } }";

pub const REVOKE_INVITE: &str =
    "mutation($id: ID!) { revokeInvite(clientId: $id) { id inviteState availableActions } }";

pub const SUPPORT_RETRY: &str = "mutation($id: ID!, $r: String!) { supportRetryDelivery(deliveryId: $id, reason: $r) { id kind to status attempts lastError } }";

pub const LOG_IN_TO_CLIENT: &str = "mutation($id: ID!) { logInToClient(clientId: $id) { token expiresAt user { id email role account { companyId kind } } } }";

pub const RESET_CLIENT_PASSWORD: &str = "mutation($id: ID!) { resetClientPassword(clientId: $id) }";

pub const REQUEST_PASSWORD_RESET: &str = "mutation($email: String!, $companyId: String) {
    requestPasswordReset(email: $email, companyId: $companyId) }";

pub const RESET_PASSWORD: &str =
    "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";

pub const ADD_USER: &str = "mutation($input: AddUserInput!) { addUser(input: $input) { id email role active account { companyId } } }";

pub const SET_USER_ROLE: &str =
    "mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }";

pub const SET_USER_ACTIVE: &str =
    "mutation($id: ID!, $a: Boolean!) { setUserActive(userId: $id, active: $a) { id active } }";

pub const SUBSCRIBE: &str =
    "mutation($plan: String!) { subscribe(plan: $plan) { id companyId kind } }";

pub const AUDIT_LOG: &str = "query($first: Int, $after: String) { auditLog(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { action detail ip requestId actor { email account { kind } } onBehalfOf { email } targetClient { email } } } } }";

// Partner Connect, upgrades, the discount tier (SPEC §6).

pub const CONNECT_LEGACY_PARTNER: &str = "mutation($c: String!, $e: String!) { connectLegacyPartner(companyId: $c, ownerEmail: $e) { status companyId message requestedAt completedAt } }";

pub const LEGACY_CONNECTION: &str = "{ legacyConnection { status companyId message completedAt } }";

pub const UPGRADE_TAB: &str =
    "{ upgradeTab { candidates { deadline upgraded client { id companyId name email status } } } }";

pub const UPGRADE_CLIENT: &str = "mutation($id: ID!) { upgradeClient(clientId: $id) { upgraded deadline client { companyId } } }";

pub const DISCOUNT_TIER: &str = "{ discountTier { activeClients percentOff clientsToNextTier } }";

/// The emails of the rows of a [`CLIENTS`] page, in order.
pub fn listed_emails(page: &Value) -> Vec<String> {
    page["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
        .collect()
}

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

    /// Logs in (without a Company ID) and returns the session token.
    pub async fn log_in(&self, email: &str, password: &str) -> String {
        self.ok(
            None,
            LOG_IN,
            json!({ "email": email, "password": password }),
        )
        .await["logIn"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Invites a client by email, with a company name or none; returns the client row.
    pub async fn invite(&self, token: &str, email: &str, company: Option<&str>) -> Value {
        self.ok(
            Some(token),
            INVITE,
            json!({ "email": email, "company": company }),
        )
        .await["inviteClientByEmail"]
            .clone()
    }

    /// Creates a client account with the sign-up form; returns the client row.
    pub async fn create_client(
        &self,
        token: &str,
        company: &str,
        contact: &str,
        contact_email: &str,
    ) -> Value {
        self.ok(
            Some(token),
            CREATE_CLIENT,
            json!({ "input": {
                "companyName": company, "contactName": contact, "contactEmail": contact_email } }),
        )
        .await["createClientAccount"]
            .clone()
    }

    /// Sets the password of a user who was emailed a set-password link, with that link.
    pub async fn set_password_from_mail(&self, email: &str, password: &str) {
        let link = self
            .wait_for_mail(email, "set your password")
            .await
            .link("http://app.test/reset-password/")
            .expect("a set-password link in the email");
        self.ok(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": password }),
        )
        .await;
    }

    /// Sets `email`'s password the way a person who forgot it does: asks for a reset
    /// link and follows the newest one emailed.
    pub async fn reset_password_by_mail(&self, email: &str, password: &str) {
        let before = self
            .mails()
            .iter()
            .filter(|m| m.to == email && m.subject.contains("Reset your password"))
            .count();
        self.ok(None, REQUEST_PASSWORD_RESET, json!({ "email": email }))
            .await;
        let link = self
            .newest_mail(email, "Reset your password", before + 1)
            .await
            .link("http://app.test/reset-password/")
            .expect("a reset link in the email");
        self.ok(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": password }),
        )
        .await;
    }

    /// Adds a support staff user with `gateway staff add`, sets their password with the
    /// link it prints, and logs them in: returns the session token.
    pub async fn staff(&self, email: &str, name: &str) -> String {
        let out = self
            .gateway_cli(&["staff", "add", "--email", email, "--name", name])
            .await;
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "gateway staff add: {out:?}");
        let link = said
            .split_whitespace()
            .find(|w| w.starts_with("http://app.test/reset-password/"))
            .unwrap_or_else(|| panic!("no set-password link printed: {said}"));
        let password = "staff-pass-12345";
        self.ok(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(link), "p": password }),
        )
        .await;
        self.log_in(email, password).await
    }

    /// [`set_password_from_mail`](Self::set_password_from_mail), then logs in: returns the
    /// session token.
    pub async fn activate(&self, email: &str, password: &str) -> String {
        self.set_password_from_mail(email, password).await;
        self.log_in(email, password).await
    }

    /// Opens a session as the partner's own user in a client account; returns its token.
    pub async fn log_in_to_client(&self, token: &str, client_id: impl serde::Serialize) -> String {
        self.ok(Some(token), LOG_IN_TO_CLIENT, json!({ "id": client_id }))
            .await["logInToClient"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Adds a user to the caller's account (who is emailed a set-password link); returns it.
    pub async fn add_user(&self, token: &str, email: &str, name: &str, role: &str) -> Value {
        self.ok(
            Some(token),
            ADD_USER,
            json!({ "input": { "email": email, "name": name, "role": role } }),
        )
        .await["addUser"]
            .clone()
    }

    /// The id of a user of the caller's account, by email.
    pub async fn user_id(&self, token: &str, email: &str) -> Value {
        let users = self.ok(Some(token), USERS, json!({})).await;
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .clone()
    }
}
