//! Issue 26 items 2–4 (SPEC §13): access the client controls. A firm person asks a
//! client for access; the client's owner approves it with a narrower role or an earlier
//! end, or declines it; a revocation ends the person's sessions in the same request; a
//! grant stops working exactly at its end; the worker's sweep expires requests and
//! grants and warns both sides 14 and 3 days before an end, once; the client reads
//! every partner session in its access log, with its reason, address, actions and end
//! (also when nobody logged out); the firm can require a reason.

use chrono::{Duration, Utc};
use e2e::live::LiveClient;
use e2e::{
    ACCESS_GRANTS as GRANTS, APPROVE_ACCESS as APPROVE, BEA, DECLINE_ACCESS as DECLINE,
    PARTNER_ACCESS_LOG as LOG, REQUEST_ACCESS as REQUEST, REVOKE_ACCESS as REVOKE, ROSA, TestApp,
    code_of,
};
use serde_json::{Value, json};

const ROW: &str = "query($id: ID!) { client(id: $id) { partnerAccess availableActions accessGrant { status role expiresAt } } }";
const ENTER: &str = "mutation($id: ID!, $reason: String) { logInToClient(clientId: $id, reason: $reason) { token expiresAt } }";
async fn row(app: &TestApp, token: &str, id: &Value) -> Value {
    app.ok(Some(token), ROW, json!({ "id": id })).await["client"].clone()
}

async fn sweep(app: &TestApp) -> worker::access_sweep::AccessReport {
    let events = app.events().await;
    worker::access_sweep::sweep(app.db(), &events)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_request_approved_with_an_earlier_end_lets_the_person_in_until_then() {
    let app = TestApp::spawn().await;
    let (rosa, id, bea) = app.bakers().await;
    let before = row(&app, &rosa, &id).await;
    assert_eq!(before["partnerAccess"], "MISSING");
    assert_eq!(before["availableActions"], json!(["REQUEST_ACCESS"]));

    let asked = app.ask_access(&rosa, &id, "ADMIN", Some(30)).await;
    assert_eq!(asked["status"], "PENDING", "{asked}");
    assert_eq!(asked["person"]["email"], ROSA);
    assert_eq!(asked["client"]["name"], "Bakers");
    let pending = row(&app, &rosa, &id).await;
    assert_eq!(pending["partnerAccess"], "PENDING");
    assert_eq!(pending["availableActions"], json!([]));
    assert_eq!(
        app.error_code(Some(&rosa), ENTER, json!({ "id": id }))
            .await,
        "ACCESS_PENDING"
    );
    // Asking twice is refused.
    let again = app
        .gql(
            Some(&rosa),
            REQUEST,
            json!({ "id": id, "role": "ADMIN", "reason": "x" }),
        )
        .await;
    assert_eq!(code_of(&again), "CONFLICT", "{again}");
    // The client's owner is told, and sees the request with its reason.
    let mail = app
        .wait_for_mail(BEA, "Access requested to your account")
        .await;
    assert!(
        mail.text.contains("Year-end payroll check"),
        "{}",
        mail.text
    );
    let grants = app.ok(Some(&bea), GRANTS, json!({})).await["accessGrants"].clone();
    assert_eq!(grants[0]["status"], "PENDING");
    assert_eq!(grants[0]["reason"], "Year-end payroll check");
    assert_eq!(grants[0]["firm"]["name"], "Ledger & Line");

    // A higher role than asked, or a later end, is refused; an earlier end is fine.
    let gid = grants[0]["id"].clone();
    let late = (Utc::now() + Duration::days(60)).to_rfc3339();
    let refused = app
        .gql(Some(&bea), APPROVE, json!({ "id": gid, "until": late }))
        .await;
    assert_eq!(code_of(&refused), "BAD_USER_INPUT", "{refused}");
    let refused = app
        .gql(Some(&bea), APPROVE, json!({ "id": gid, "role": "OWNER" }))
        .await;
    assert_eq!(code_of(&refused), "BAD_USER_INPUT", "{refused}");
    let until = Utc::now() + Duration::days(10);
    let approved = app
        .ok(
            Some(&bea),
            APPROVE,
            json!({ "id": gid, "until": until.to_rfc3339() }),
        )
        .await["approveAccessRequest"]
        .clone();
    assert_eq!(approved["status"], "ACTIVE", "{approved}");
    app.wait_for_mail(ROSA, "Your access was approved").await;

    let now_row = row(&app, &rosa, &id).await;
    assert_eq!(now_row["partnerAccess"], "OK", "{now_row}");
    assert_eq!(now_row["accessGrant"]["status"], "ACTIVE");
    let entered = app
        .ok(
            Some(&rosa),
            ENTER,
            json!({ "id": id, "reason": "Checking payroll" }),
        )
        .await["logInToClient"]
        .clone();
    assert!(entered["token"].is_string());

    ends_exactly_at_its_end(&app, &rosa, &id).await;
}

/// Rosa's grant to Bakers reaches its end: it stops at once, the sweep marks it (once)
/// and tells Rosa, and the row offers to ask again.
async fn ends_exactly_at_its_end(app: &TestApp, rosa: &str, id: &Value) {
    // At its end it stops, exactly: moved to a second ago.
    app.grants_end_at(Utc::now() - Duration::seconds(1)).await;
    assert_eq!(row(app, rosa, id).await["partnerAccess"], "EXPIRED");
    assert_eq!(
        app.error_code(Some(rosa), ENTER, json!({ "id": id })).await,
        "ACCESS_EXPIRED"
    );
    let swept = sweep(app).await;
    assert_eq!(swept.grants_expired, 1, "{swept:?}");
    app.wait_for_mail(ROSA, "Your access ended").await;
    assert_eq!(
        sweep(app).await.grants_expired,
        0,
        "a second sweep changes nothing"
    );
    // Ended, it can be asked for again.
    assert_eq!(
        row(app, rosa, id).await["availableActions"],
        json!(["REQUEST_ACCESS"])
    );
}

#[tokio::test]
async fn a_narrower_role_a_decline_and_a_revocation_that_ends_sessions_at_once() {
    let app = TestApp::spawn().await;
    let (rosa, id, bea) = app.bakers().await;
    app.ask_access(&rosa, &id, "ADMIN", None).await;
    let gid = app.ok(Some(&bea), GRANTS, json!({})).await["accessGrants"][0]["id"].clone();
    // Declined: the row offers to ask again.
    let declined = app.ok(Some(&bea), DECLINE, json!({ "id": gid })).await;
    assert_eq!(declined["declineAccessRequest"]["status"], "DECLINED");
    app.wait_for_mail(ROSA, "Your access request was declined")
        .await;
    assert_eq!(
        row(&app, &rosa, &id).await["availableActions"],
        json!(["REQUEST_ACCESS"])
    );
    assert_eq!(
        app.error_code(Some(&bea), APPROVE, json!({ "id": gid }))
            .await,
        "CONFLICT",
        "an answered request cannot be approved"
    );

    // Asked again and approved as MANAGER: Rosa may not log in as a manager.
    app.ask_access(&rosa, &id, "ADMIN", None).await;
    let narrower = app
        .ok(Some(&bea), APPROVE, json!({ "id": gid, "role": "MANAGER" }))
        .await;
    assert_eq!(narrower["approveAccessRequest"]["role"], "MANAGER");
    assert_eq!(row(&app, &rosa, &id).await["partnerAccess"], "NOT_ADMIN");

    // Asked again as ADMIN after a revoke: approved, entered, then revoked.
    let revoked = app.ok(Some(&bea), REVOKE, json!({ "id": gid })).await;
    assert_eq!(revoked["revokeAccess"]["status"], "REVOKED");
    assert_eq!(row(&app, &rosa, &id).await["partnerAccess"], "REVOKED");
    app.ask_access(&rosa, &id, "ADMIN", None).await;
    app.ok(Some(&bea), APPROVE, json!({ "id": gid })).await;
    // With the grant, her seat also opens by logIn with the client's Company ID.
    let bakers_id = app.company_id(&bea).await;
    let by_company = app
        .log_in_as(ROSA, "correct-horse-1", Some(&bakers_id))
        .await;
    assert_eq!(
        by_company["user"]["account"]["companyId"],
        bakers_id.as_str()
    );
    let inside = app.log_in_to_client(&rosa, &id).await;
    app.ok(Some(&inside), "{ me { email } }", json!({})).await;
    // A live connection of that session, on the other gateway in scale-out.
    let base = app.next_url_all().last().unwrap().clone();
    let mut socket = LiveClient::connect(&base, &inside).await.unwrap();
    app.ok(Some(&bea), REVOKE, json!({ "id": gid })).await;
    let ((code, _), _) = socket.closed(std::time::Duration::from_secs(5)).await;
    assert_eq!(code, 4401, "the revoked session's connection closed");
    // The same request ended the session.
    assert_eq!(
        app.error_code(Some(&inside), "{ me { email } }", json!({}))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.error_code(Some(&rosa), ENTER, json!({ "id": id }))
            .await,
        "ACCESS_REVOKED"
    );
    // Nor does logIn with the Company ID open the seat a revoked grant stands behind.
    let by_company = app
        .gql(
            None,
            e2e::LOG_IN,
            json!({ "email": ROSA, "password": "correct-horse-1", "companyId": bakers_id }),
        )
        .await;
    assert_eq!(code_of(&by_company), "ACCESS_REVOKED", "{by_company}");
    app.wait_for_mail(ROSA, "Your access was revoked").await;
    // Only the client's own owner and admins answer: not Rosa, not an employee.
    assert_eq!(
        app.error_code(Some(&rosa), REVOKE, json!({ "id": gid }))
            .await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn the_client_reads_each_partner_session_with_its_reason_actions_and_end() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let owner_of_firm = &s.partner;
    require_a_reason(&app, owner_of_firm, &s.client_id).await;
    let inside = app
        .ok(
            Some(owner_of_firm),
            ENTER,
            json!({ "id": s.client_id, "reason": "Fixing the March pay run" }),
        )
        .await["logInToClient"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Something done under it.
    app.add_user(&inside, "pat@cornershop.example", "Pat", "EMPLOYEE")
        .await;
    let now = app
        .ok(
            Some(&s.client_owner),
            "{ partnerSessionsNow { person { email } reason } }",
            json!({}),
        )
        .await;
    assert_eq!(
        now["partnerSessionsNow"][0]["reason"],
        "Fixing the March pay run"
    );
    app.log_out(&inside).await;

    let log = app.ok(Some(&s.client_owner), LOG, json!({})).await;
    let entry = &log["partnerAccessLog"]["edges"][0]["node"];
    assert_eq!(entry["person"]["email"], ROSA, "{log}");
    assert_eq!(entry["firm"]["name"], "Ledger & Line");
    assert_eq!(entry["reason"], "Fixing the March pay run");
    assert_eq!(entry["ip"], "127.0.0.1");
    assert!(
        entry["endedAt"].is_string(),
        "the log-out ended it: {entry}"
    );
    let actions: Vec<&str> = entry["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.added"), "{actions:?}");
    let now = app
        .ok(
            Some(&s.client_owner),
            "{ partnerSessionsNow { reason } }",
            json!({}),
        )
        .await;
    assert_eq!(now["partnerSessionsNow"], json!([]));

    // A session nobody ended gets its end when it expires.
    app.ok(
        Some(owner_of_firm),
        ENTER,
        json!({ "id": s.client_id, "reason": "A quick look" }),
    )
    .await;
    app.expire_partner_sessions_in_clients().await;
    let log = app.ok(Some(&s.client_owner), LOG, json!({})).await;
    let newest = &log["partnerAccessLog"]["edges"][0]["node"];
    assert_eq!(newest["reason"], "A quick look");
    assert!(
        newest["endedAt"].is_string(),
        "an expired session has its end: {newest}"
    );
    // The partner and the client's employees may not read it.
    assert_eq!(
        app.error_code(Some(owner_of_firm), LOG, json!({})).await,
        "FORBIDDEN"
    );
}

/// The firm's owner requires a reason: entering without one is refused, saying which
/// field.
async fn require_a_reason(app: &TestApp, owner_of_firm: &str, client_id: &Value) {
    // The firm requires a reason.
    let policy = "mutation { setFirmPolicy(input: { accessReasonRequired: true }) { accessReasonRequired } }";
    let set = app.ok(Some(owner_of_firm), policy, json!({})).await;
    assert_eq!(set["setFirmPolicy"]["accessReasonRequired"], true);
    let missing = app
        .gql(Some(owner_of_firm), ENTER, json!({ "id": client_id }))
        .await;
    assert_eq!(code_of(&missing), "BAD_USER_INPUT", "{missing}");
    assert_eq!(missing["errors"][0]["extensions"]["field"], "reason");
}

#[tokio::test]
async fn warnings_go_14_and_3_days_before_the_end_once_each_and_requests_expire() {
    let app = TestApp::spawn().await;
    let (rosa, id, bea) = app.bakers().await;
    app.ask_access(&rosa, &id, "ADMIN", Some(60)).await;
    let gid = app.ok(Some(&bea), GRANTS, json!({})).await["accessGrants"][0]["id"].clone();
    app.ok(Some(&bea), APPROVE, json!({ "id": gid })).await;
    assert_eq!(
        sweep(&app).await.warnings,
        0,
        "60 days left: nothing to say"
    );

    app.grants_end_at(Utc::now() + Duration::days(10)).await;
    // Two sweeps at once (two workers): one sends it.
    let (a, b) = tokio::join!(sweep(&app), sweep(&app));
    assert_eq!(a.warnings + b.warnings, 1, "{a:?} {b:?}");
    assert_eq!(sweep(&app).await.warnings, 0, "sent once");
    app.wait_for_mail(ROSA, "Your access to a client ends soon")
        .await;
    app.wait_for_mail(BEA, "A partner's access to your account ends soon")
        .await;
    app.grants_end_at(Utc::now() + Duration::days(2)).await;
    assert_eq!(sweep(&app).await.warnings, 1, "the 3-day warning");
    assert_eq!(sweep(&app).await.warnings, 0);

    // A request nobody answers for 30 days expires.
    app.ok(Some(&bea), REVOKE, json!({ "id": gid })).await;
    app.ask_access(&rosa, &id, "ADMIN", None).await;
    app.requests_made(Duration::days(31)).await;
    assert_eq!(sweep(&app).await.requests_expired, 1);
    app.wait_for_mail(ROSA, "Your request for access expired")
        .await;
    assert_eq!(
        app.error_code(Some(&bea), APPROVE, json!({ "id": gid }))
            .await,
        "CONFLICT"
    );
    assert_eq!(row(&app, &rosa, &id).await["partnerAccess"], "EXPIRED");
}

#[tokio::test]
async fn a_client_admin_adding_the_firms_person_gives_them_access_with_no_end() {
    let app = TestApp::spawn().await;
    let (rosa, id, bea) = app.bakers().await;
    app.add_user(&bea, ROSA, "Rosa Ledger", "ADMIN").await;
    let now = row(&app, &rosa, &id).await;
    assert_eq!(now["partnerAccess"], "OK", "{now}");
    assert_eq!(now["accessGrant"]["status"], "ACTIVE");
    assert_eq!(now["accessGrant"]["expiresAt"], Value::Null);
    app.log_in_to_client(&rosa, &id).await;
    let grants = app.ok(Some(&bea), GRANTS, json!({})).await["accessGrants"].clone();
    assert_eq!(grants[0]["person"]["email"], ROSA);
}
