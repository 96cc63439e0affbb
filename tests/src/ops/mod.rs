//! The GraphQL operations the tests send, each written once, and one helper per common
//! operation on [`TestApp`](crate::TestApp), by area: `accounts` (sign-up, log-in,
//! users, passwords), `clients` (inviting, the list, its row actions, subscribing),
//! `audit_log`, `partner_connect` (connecting and upgrades), `access` (grants and the
//! client's access log). A helper sends its
//! operation, panics unless it succeeded, and returns the object the operation answers;
//! a test that checks a refusal sends the operation itself (`app.gql`, `app.error_code`).
//!
//! Where tests need different fields of one operation, its selection is the union of
//! them: a field more in the answer changes no value a test asserts. Where a test
//! compares a whole object, the operation it sends keeps exactly the fields compared, as
//! its own const. Documents that are themselves what a test examines (the authorization
//! table, the fuzz cases, the GraphQL limits, selections the list must answer exactly)
//! stay in their tests.

use serde_json::Value;

mod access;
mod accounts;

mod audit_log;
mod clients;
mod partner_connect;

// Accounts, users and sessions (SPEC §1–2).

pub const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    token expiresAt user { id email name role active account { id companyId name kind platform } } } }";

pub const LOG_IN: &str = "mutation($email: String!, $password: String!, $companyId: String) {
    logIn(email: $email, password: $password, companyId: $companyId) {
    token expiresAt secondFactorRequired secondFactorKinds user { id email role account { companyId kind } } } }";

// Second factors (SPEC §12).

pub const BEGIN_TOTP: &str = "mutation { beginTotpEnrolment { secret otpauthUri qrSvg } }";

pub const CONFIRM_TOTP: &str = "mutation($code: String!, $label: String) {
    confirmTotpEnrolment(code: $code, label: $label) }";

pub const VERIFY_SECOND_FACTOR: &str = "mutation($code: String) {
    verifySecondFactor(code: $code) { token expiresAt secondFactorRequired user { email account { kind } } } }";

pub const STEP_UP: &str = "mutation($code: String) { stepUp(code: $code) { token } }";

pub const MY_FACTORS: &str = "{ me { secondFactors { id kind label lastUsedAt } } }";

pub const REMOVE_FACTOR: &str = "mutation($id: ID!) { removeSecondFactor(id: $id) }";

pub const REGENERATE_CODES: &str = "mutation { regenerateRecoveryCodes }";

pub const SET_FIRM_POLICY: &str = "mutation($from: DateTime) {
    setFirmPolicy(input: { secondFactorRequiredFrom: $from }) { secondFactorRequiredFrom } }";

pub const RESET_FACTORS: &str = "mutation($id: ID!) { resetSecondFactors(userId: $id) { email } }";

pub const LOG_OUT: &str = "mutation { logOut }";

/// A signed-in person changes their own password (SPEC §12).
pub const CHANGE_PASSWORD: &str = "mutation($current: String!, $new: String!) {
    changePassword(currentPassword: $current, newPassword: $new) }";

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

/// Bulk invites (`inviteClients`), counts only.
pub const INVITE_CLIENTS: &str = "mutation($rows: [BulkInviteRow!]!) {
    inviteClients(rows: $rows) { invited skipped invalid } }";

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
    client(id: $id) { id companyId name email status availableActions lastInviteSentAt trialEndsAt inviteState partnerAccess } }";

pub const STATUS_COUNTS: &str =
    "{ clientStatusCounts { invited trial trialExpired paying total } }";

/// The counts per status, with exactly the fields a test compares whole.
pub const STATUS_COUNTS_WITHOUT_TOTAL: &str =
    "{ clientStatusCounts { invited trial trialExpired paying } }";

// Actions from the client list, users, subscribing, the audit log (SPEC §5).

pub const RESEND_INVITE: &str = "mutation($id: ID!) { resendInvite(clientId: $id) { id status lastInviteSentAt availableActions } }";

pub const REVOKE_INVITE: &str =
    "mutation($id: ID!) { revokeInvite(clientId: $id) { id inviteState availableActions } }";

/// Removes a client row that never accepted its invite.
pub const REMOVE_CLIENT: &str = "mutation($id: ID!) { removeClient(clientId: $id) }";

/// What an emailed link is, before its form is filled in.
pub const LINK: &str = "query($token: String!, $kind: LinkKind!) {
    link(token: $token, kind: $kind) { kind state firmName email companyName expiresAt } }";

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

/// The emails of the rows of a client list page, in order: a `clients` connection (as
/// [`TestApp::clients`](crate::TestApp::clients) answers it), or data holding one.
pub fn listed_emails(page: &Value) -> Vec<String> {
    let connection = page.get("clients").unwrap_or(page);
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page of the client list: {page}"))
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
        .collect()
}

// Access the client controls (SPEC §13).

/// Rosa, of Ledger & Line.
pub const ROSA: &str = "rosa@ledgerline.example";
/// Bea, the owner of Bakers (a client of Rosa's firm).
pub const BEA: &str = "bea@bakers.example";

pub const REQUEST_ACCESS: &str = "mutation($id: ID!, $role: Role!, $days: Int, $reason: String!) {
    requestClientAccess(clientId: $id, role: $role, days: $days, reason: $reason) {
      id status role reason expiresAt person { email } firm { name } client { name } } }";
pub const ACCESS_GRANTS: &str = "{ accessGrants { id status role reason expiresAt decidedAt person { email name } firm { name } } }";
pub const APPROVE_ACCESS: &str = "mutation($id: ID!, $role: Role, $until: DateTime) {
    approveAccessRequest(grantId: $id, role: $role, expiresAt: $until) { id status role expiresAt } }";
pub const DECLINE_ACCESS: &str =
    "mutation($id: ID!) { declineAccessRequest(grantId: $id) { status } }";
pub const REVOKE_ACCESS: &str = "mutation($id: ID!) { revokeAccess(grantId: $id) { status } }";
pub const PARTNER_ACCESS_LOG: &str = "{ partnerAccessLog(first: 10) { edges { node {
    person { email name } firm { name } startedAt endedAt reason ip actions { action detail } } } } }";
