//! The authorization matrix (SPEC §8, issue 7): every query and mutation of the served
//! schema × every kind of caller → allowed (`ok`, or `null` where the answer is "nothing
//! of yours"), or the exact error code. The operations are read from the schema, so a new
//! one without a row here fails the test.

use e2e::{TestApp, UPGRADE_TAB, legacy_example, try_code_of};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The callers, in the order of the table's columns.
const CALLERS: [&str; 10] = [
    "anonymous",
    "partner OWNER",
    "partner ADMIN",
    "other partner's OWNER",
    "client OWNER",
    "client EMPLOYEE",
    "logInToClient session",
    "V1 partner OWNER",
    "V1 partner ADMIN",
    "support STAFF",
];

const UNAUTH: &str = "UNAUTHENTICATED";
const FORBID: &str = "FORBIDDEN";

struct Fixture {
    tokens: Vec<Option<String>>,
    /// Partner A's client created with the sign-up form (A's owner has an ADMIN user there).
    client: String,
    /// Partner A's invited client.
    invited: String,
    /// Partner A's ADMIN user.
    a_admin_user: String,
    /// A V1 client of the V1 partner.
    v1_client: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let a_owner = app.partner("alice@firm-a.example").await;
    let added = app
        .add_user(&a_owner, "adam@firm-a.example", "Adam", "ADMIN")
        .await;
    let a_admin_user = added["id"].as_str().unwrap().to_owned();
    let a_admin = app.activate("adam@firm-a.example", "adam-pass-123").await;
    let other = app.partner("bob@firm-b.example").await;
    let created = app
        .create_client(&a_owner, "Form Co", "Fay", "fay@form.example")
        .await;
    let client = created["id"].as_str().unwrap().to_owned();
    let c_owner = app.activate("fay@form.example", "fay-pass-1234").await;
    app.add_user(&c_owner, "eve@form.example", "Eve", "EMPLOYEE")
        .await;
    let c_employee = app.activate("eve@form.example", "eve-pass-1234").await;
    let session = app.log_in_to_client(&a_owner, &client).await;
    let invited = app.invite(&a_owner, "ivy@invited.example", None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.import_legacy(&legacy_example()).await.unwrap();
    let v1_owner = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    let v1_admin = app
        .log_in("staff@ledgerline.example", "legacy-staff-pass-1")
        .await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    let tab = app.ok(Some(&v1_owner), UPGRADE_TAB, json!({})).await;
    let v1_client = tab["upgradeTab"]["candidates"][0]["client"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        tokens: vec![
            None,
            Some(a_owner),
            Some(a_admin),
            Some(other),
            Some(c_owner),
            Some(c_employee),
            Some(session),
            Some(v1_owner),
            Some(v1_admin),
            Some(staff),
        ],
        client,
        invited,
        a_admin_user,
        v1_client,
    }
}

/// One row: the root field, the document (with `{CLIENT}`, `{INVITED}`, `{ADMIN_USER}`,
/// `{V1_CLIENT}` and `{N}` (the caller's column) filled in), and the expected outcome for
/// each caller.
type Row = (&'static str, &'static str, [&'static str; 10]);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // Queries. (anonymous, p OWNER, p ADMIN, other p OWNER, c OWNER, c EMPLOYEE, client session, V1 OWNER, V1 ADMIN, STAFF)
    ("me", "{ me { id } }",
        ["null", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]),
    ("users", "{ users { id } }",
        [UNAUTH, "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]),
    ("clients", "{ clients(first: 5) { totalCount } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    ("client", "{ client(id: \"{CLIENT}\") { id } }",
        [UNAUTH, "ok", "ok", "null", FORBID, FORBID, FORBID, "null", "null", FORBID]),
    ("clientStatusCounts", "{ clientStatusCounts { total } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    ("inviteLink", "{ inviteLink { url } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    // Each account's owner reads its own log: a partner firm's, or a client's (issue 22).
    ("auditLog", "{ auditLog(first: 5) { edges { node { id } } } }",
        [UNAUTH, "ok", FORBID, "ok", "ok", FORBID, FORBID, "ok", FORBID, FORBID]),
    ("discountTier", "{ discountTier { percentOff } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    // Null: a V2 partner has no connection and nothing to upgrade.
    ("legacyConnection", "{ legacyConnection { status } }",
        [UNAUTH, "null", "null", "null", FORBID, FORBID, FORBID, "null", "null", FORBID]),
    // Public: what an emailed link is (null: no such link).
    ("link", "{ link(token: \"not-a-token\", kind: INVITE) { state } }",
        ["null", "null", "null", "null", "null", "null", "null", "null", "null", "null"]),
    // Public: what a client can subscribe to.
    ("plans", "{ plans { id } }",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]),
    ("upgradeTab", "{ upgradeTab { candidates { upgraded } } }",
        [UNAUTH, "null", "null", "null", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    // Mutations that need no session.
    ("signUp", "mutation { signUp(input: { companyName: \"New {N}\", name: \"N\", email: \"new{N}@new.example\", password: \"correct-horse-1\", isAccountantOrBookkeeper: true }) { token } }",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]),
    ("logIn", "mutation { logIn(email: \"alice@firm-a.example\", password: \"not-the-password\") { token } }",
        [UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH]),
    ("acceptInvite", "mutation { acceptInvite(token: \"not-a-token\", input: { companyName: \"C\", name: \"N\", password: \"correct-horse-1\" }) { token } }",
        ["BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT"]),
    ("requestPasswordReset", "mutation { requestPasswordReset(email: \"nobody{N}@nowhere.example\") }",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]),
    ("resetPassword", "mutation { resetPassword(token: \"not-a-token\", newPassword: \"correct-horse-1\") }",
        ["BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT"]),
    // Partner work.
    ("inviteClientByEmail", "mutation { inviteClientByEmail(email: \"inv{N}@client.example\") { id } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    ("createClientAccount", "mutation { createClientAccount(input: { companyName: \"Co {N}\", contactName: \"C\", contactEmail: \"form{N}@client.example\" }) { id } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    ("inviteClients", "mutation { inviteClients(rows: [{ email: \"bulk{N}@client.example\" }], dryRun: true) { wouldInvite } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    ("regenerateInviteLink", "mutation { regenerateInviteLink { url } }",
        [UNAUTH, "ok", "ok", "ok", FORBID, FORBID, FORBID, "ok", "ok", FORBID]),
    // Allowed for partner A's owner and admin: both pass authorization and meet the
    // 5-minute throttle of a just-sent invite.
    ("resendInvite", "mutation { resendInvite(clientId: \"{INVITED}\") { id } }",
        [UNAUTH, "RATE_LIMITED", "RATE_LIMITED", "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", "NOT_FOUND", FORBID]),
    // Allowed for partner A's owner and admin: the first revokes, the second finds it
    // already revoked.
    ("revokeInvite", "mutation { revokeInvite(clientId: \"{INVITED}\") { id } }",
        [UNAUTH, "ok", "BAD_USER_INPUT", "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", "NOT_FOUND", FORBID]),
    // Allowed for partner A's owner and admin: the first removes, the second finds it gone.
    ("removeClient", "mutation { removeClient(clientId: \"{INVITED}\") }",
        [UNAUTH, "ok", "NOT_FOUND", "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", "NOT_FOUND", FORBID]),
    ("logInToClient", "mutation { logInToClient(clientId: \"{CLIENT}\") { token } }",
        [UNAUTH, "ok", "PARTNER_USER_MISSING", "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", "NOT_FOUND", FORBID]),
    // Account administration.
    ("addUser", "mutation { addUser(input: { email: \"user{N}@people.example\", name: \"U\", role: EMPLOYEE }) { id } }",
        [UNAUTH, "ok", "ok", "ok", "ok", FORBID, "ok", "ok", "ok", FORBID]),
    ("setUserRole", "mutation { setUserRole(userId: \"{ADMIN_USER}\", role: ADMIN) { id } }",
        [UNAUTH, "ok", "ok", "NOT_FOUND", "NOT_FOUND", FORBID, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", FORBID]),
    ("setUserActive", "mutation { setUserActive(userId: \"{ADMIN_USER}\", active: true) { id } }",
        [UNAUTH, "ok", "ok", "NOT_FOUND", "NOT_FOUND", FORBID, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", FORBID]),
    // The client session is allowed: it reaches "already paying" (the client's owner
    // subscribed one column earlier).
    ("subscribe", "mutation { subscribe(plan: \"monthly\") { id } }",
        [UNAUTH, FORBID, FORBID, FORBID, "ok", FORBID, "BAD_USER_INPUT", FORBID, FORBID, FORBID]),
    // Legacy partners.
    ("connectLegacyPartner", "mutation { connectLegacyPartner(companyId: \"ZZZ9999\", ownerEmail: \"x@y.example\") { status } }",
        [UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, "ok", FORBID, FORBID]),
    // V1 users are allowed; this account is not connected yet, which they are told.
    ("upgradeClient", "mutation { upgradeClient(clientId: \"{V1_CLIENT}\") { upgraded } }",
        [UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, "BAD_USER_INPUT", "BAD_USER_INPUT", FORBID]),
    // Support staff only (null: no account has this Company ID; NOT_FOUND: no such email).
    ("supportSearch", "{ supportSearch(query: \"ledger\", reason: \"ticket 1\") { companyId } }",
        [UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, "ok"]),
    ("supportAccount", "{ supportAccount(companyId: \"QQQ0000\", reason: \"ticket 1\") { account { id } } }",
        [UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, "null"]),
    ("supportRetryDelivery", "mutation { supportRetryDelivery(deliveryId: \"999999\", reason: \"ticket 1\") { id } }",
        [UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID, "NOT_FOUND"]),
    // A new password too short: refused before anything is checked or changed.
    ("changePassword", "mutation { changePassword(currentPassword: \"not-the-password\", newPassword: \"short\") }",
        [UNAUTH, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT"]),
    // Second factors (SPEC §12). No caller holds a pending token.
    ("verifySecondFactor", "mutation { verifySecondFactor(code: \"000000\") { token } }",
        [UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH]),
    // Only support staff have a factor (their first log-in enrolled one): a wrong code.
    ("stepUp", "mutation { stepUp(code: \"000000\") { token } }",
        [UNAUTH, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", FORBID, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT"]),
    ("beginTotpEnrolment", "mutation { beginTotpEnrolment { secret } }",
        [UNAUTH, "ok", "ok", "ok", "ok", "ok", FORBID, "ok", "ok", "ok"]),
    ("confirmTotpEnrolment", "mutation { confirmTotpEnrolment(code: \"000000\") }",
        [UNAUTH, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", FORBID, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT"]),
    ("beginPasskeyEnrolment", "mutation { beginPasskeyEnrolment { challengeId } }",
        [UNAUTH, "ok", "ok", "ok", "ok", "ok", FORBID, "ok", "ok", "ok"]),
    // No such ceremony: refused before anything is checked or kept.
    ("finishPasskeyEnrolment", "mutation { finishPasskeyEnrolment(challengeId: \"x\", credentialJson: \"{}\") { id } }",
        [UNAUTH, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", FORBID, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT"]),
    // Nobody here has a passkey.
    ("beginPasskeyVerification", "mutation { beginPasskeyVerification { challengeId } }",
        [UNAUTH, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", FORBID, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT"]),
    ("removeSecondFactor", "mutation { removeSecondFactor(id: \"999999\") }",
        [UNAUTH, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", FORBID, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]),
    // Staff verified their factor when they enrolled it: new codes for them.
    ("regenerateRecoveryCodes", "mutation { regenerateRecoveryCodes }",
        [UNAUTH, "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", FORBID, "BAD_USER_INPUT", "BAD_USER_INPUT", "ok"]),
    // No field given: nothing changes.
    ("setFirmPolicy", "mutation { setFirmPolicy(input: {}) { id } }",
        [UNAUTH, "ok", FORBID, "ok", FORBID, FORBID, FORBID, "ok", FORBID, FORBID]),
    ("resetSecondFactors", "mutation { resetSecondFactors(userId: \"999999\") { id } }",
        [UNAUTH, "NOT_FOUND", FORBID, "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", FORBID, FORBID]),
    // Access the client controls (SPEC §13). Partner A's owner has an ACTIVE grant in
    // Form Co (the form made it); A's admin has none and may ask.
    ("accessGrants", "{ accessGrants { id } }",
        [UNAUTH, FORBID, FORBID, FORBID, "ok", FORBID, FORBID, FORBID, FORBID, FORBID]),
    ("partnerAccessLog", "{ partnerAccessLog { edges { cursor } } }",
        [UNAUTH, FORBID, FORBID, FORBID, "ok", FORBID, FORBID, FORBID, FORBID, FORBID]),
    ("partnerSessionsNow", "{ partnerSessionsNow { id } }",
        [UNAUTH, "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]),
    ("requestClientAccess", "mutation { requestClientAccess(clientId: \"{CLIENT}\", role: ADMIN, reason: \"audit\") { id } }",
        [UNAUTH, "CONFLICT", "ok", "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", "NOT_FOUND", FORBID]),
    ("approveAccessRequest", "mutation { approveAccessRequest(grantId: \"999999\") { id } }",
        [UNAUTH, FORBID, FORBID, FORBID, "NOT_FOUND", FORBID, FORBID, FORBID, FORBID, FORBID]),
    ("declineAccessRequest", "mutation { declineAccessRequest(grantId: \"999999\") { id } }",
        [UNAUTH, FORBID, FORBID, FORBID, "NOT_FOUND", FORBID, FORBID, FORBID, FORBID, FORBID]),
    ("revokeAccess", "mutation { revokeAccess(grantId: \"999999\") { id } }",
        [UNAUTH, FORBID, FORBID, FORBID, "NOT_FOUND", FORBID, FORBID, FORBID, FORBID, FORBID]),
    // ALL_CLIENTS: what A's admin sees already, so later rows are unchanged.
    ("setClientScope", "mutation { setClientScope(userId: \"{ADMIN_USER}\", scope: ALL_CLIENTS) { id } }",
        [UNAUTH, "ok", FORBID, "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", FORBID, FORBID]),
    ("setClientAssignees", "mutation { setClientAssignees(clientId: \"{CLIENT}\", userIds: []) { id } }",
        [UNAUTH, "ok", "ok", "NOT_FOUND", FORBID, FORBID, FORBID, "NOT_FOUND", "NOT_FOUND", FORBID]),
    // Near the end: partner A's owner asking ends their sessions in that client account
    // (SPEC §12), the logInToClient session among them, before its own column runs.
    // A's admin asked for access above: not answered yet.
    ("resetClientPassword", "mutation { resetClientPassword(clientId: \"{CLIENT}\") }",
        [UNAUTH, "ok", "ACCESS_PENDING", "NOT_FOUND", FORBID, FORBID, UNAUTH, "NOT_FOUND", "NOT_FOUND", FORBID]),
    // Last: it ends the caller's session.
    ("logOut", "mutation { logOut }",
        [UNAUTH, "ok", "ok", "ok", "ok", "ok", UNAUTH, "ok", "ok", "ok"]),
];

fn outcome(body: &Value, field: &str) -> String {
    if let Some(code) = try_code_of(body) {
        return code.to_owned();
    }
    if body.get("errors").is_some() {
        return format!("error without a code: {body}");
    }
    if body["data"][field].is_null() {
        "null".into()
    } else {
        "ok".into()
    }
}

/// Root fields of Query and Mutation, as the gateway serves them.
async fn served_operations(app: &TestApp) -> BTreeSet<String> {
    let q = "{ q: __type(name: \"Query\") { fields { name } } m: __type(name: \"Mutation\") { fields { name } } }";
    let d = app.ok(None, q, json!({})).await;
    ["q", "m"]
        .iter()
        .flat_map(|k| d[k]["fields"].as_array().unwrap().clone())
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_operation_times_every_caller_gives_the_expected_answer() {
    let app = TestApp::spawn().await;
    let served = served_operations(&app).await;
    let listed: BTreeSet<String> = TABLE.iter().map(|r| r.0.to_owned()).collect();
    assert_eq!(
        served.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "operations without a row in the authorization table"
    );
    assert_eq!(
        listed.difference(&served).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "rows for operations the schema does not have"
    );

    let fx = fixture(&app).await;
    let mut wrong = Vec::new();
    for (field, doc, expected) in TABLE {
        for (col, caller) in CALLERS.iter().enumerate() {
            let doc = doc
                .replace("{CLIENT}", &fx.client)
                .replace("{INVITED}", &fx.invited)
                .replace("{ADMIN_USER}", &fx.a_admin_user)
                .replace("{V1_CLIENT}", &fx.v1_client)
                .replace("{N}", &col.to_string());
            let body = app.gql(fx.tokens[col].as_deref(), &doc, json!({})).await;
            let got = outcome(&body, field);
            if got != expected[col] {
                wrong.push(format!(
                    "{field} as {caller}: expected {}, got {got}",
                    expected[col]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cells differ:\n{}",
        wrong.len(),
        TABLE.len() * CALLERS.len(),
        wrong.join("\n")
    );
}
