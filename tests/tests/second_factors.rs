//! Issue 25 items 2–5 (SPEC §12): second factors. An authenticator app enrolled with a
//! QR code and confirmed with a code (the secret encrypted at rest); the log-in in two
//! steps with a code or a recovery code (each works once); a pending token good for
//! nothing else; wrong codes counted like wrong passwords; the firm's policy and its
//! enrol-only session; support staff enrolling at first log-in; step-up before entering
//! a client; the owner's reset; removing the last factor; adding another factor.

use chrono::Duration;
use e2e::{
    BEGIN_TOTP, CHANGE_PASSWORD, CLIENTS_BRIEF, CONFIRM_TOTP, LOG_IN, ME, MY_FACTORS,
    REGENERATE_CODES, REMOVE_FACTOR, RESET_FACTORS, SET_FIRM_POLICY, STEP_UP, TestApp,
    VERIFY_SECOND_FACTOR, code_of, totp_code,
};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const ROSA: &str = "rosa@ledgerline.example";
const PW: &str = "correct-horse-1";

/// `logIn` as Rosa: the whole answer.
async fn rosa_logs_in(app: &TestApp) -> Value {
    app.gql(None, LOG_IN, json!({ "email": ROSA, "password": PW }))
        .await
}

/// The pending token of a right password.
async fn pending(app: &TestApp, email: &str, password: &str) -> String {
    let answer = app.log_in_as(email, password, None).await;
    assert_eq!(answer["secondFactorRequired"], true, "{answer}");
    answer["token"].as_str().unwrap().to_owned()
}

fn code(c: &str) -> Value {
    json!({ "code": c })
}

#[tokio::test]
async fn enrolling_an_authenticator_app_takes_a_code_from_it_and_keeps_its_secret_sealed() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    // The enrolment: a secret, its otpauth URI and QR code; a wrong code confirms nothing.
    let begun = app.ok(Some(&rosa), e2e::BEGIN_TOTP, json!({})).await["beginTotpEnrolment"].clone();
    let secret = begun["secret"].as_str().unwrap().to_owned();
    let uri = begun["otpauthUri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Partner%20Dashboard:rosa%40ledgerline.example?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(begun["qrSvg"].as_str().unwrap().contains("<svg"), "{begun}");
    let wrong = app
        .gql(Some(&rosa), e2e::CONFIRM_TOTP, json!({ "code": "000000" }))
        .await;
    assert_eq!(code_of(&wrong), "BAD_USER_INPUT", "{wrong}");
    assert_eq!(
        rosa_logs_in(&app).await["data"]["logIn"]["secondFactorRequired"],
        false
    );
    // At rest the secret is neither its base32 nor its bytes.
    let db = app.db();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT secret FROM second_factors",
        ))
        .await
        .unwrap();
    let stored: String = rows[0].try_get("", "secret").unwrap();
    assert!(!stored.contains(&secret) && stored.len() > 40, "{stored}");

    let vars = json!({ "code": totp_code(&secret), "label": "Rosa's phone" });
    let codes = app.ok(Some(&rosa), e2e::CONFIRM_TOTP, vars).await["confirmTotpEnrolment"].clone();
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    assert_eq!(codes.len(), 10);
    let factors = app.ok(Some(&rosa), MY_FACTORS, json!({})).await["me"]["secondFactors"].clone();
    assert_eq!(factors[0]["kind"], "TOTP");
    assert_eq!(factors[0]["label"], "Rosa's phone");
    assert_eq!(factors[1]["kind"], "RECOVERY_CODE");
    assert_eq!(factors[1]["label"], "Recovery codes: 10 of 10 left");
    app.wait_for_mail(ROSA, "A second factor was added: \"Rosa's phone\"")
        .await;
}

#[tokio::test]
async fn a_pending_token_is_good_only_for_the_second_step_and_each_code_works_once() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    let (secret, codes) = app.enrol_totp(&rosa).await;
    // The password alone gives a pending token, good for nothing but the second step.
    let first = rosa_logs_in(&app).await["data"]["logIn"].clone();
    assert_eq!(first["secondFactorRequired"], true);
    assert_eq!(first["secondFactorKinds"], json!(["TOTP", "RECOVERY_CODE"]));
    let token = first["token"].as_str().unwrap();
    for (what, query) in [("me", ME), ("the client list", CLIENTS_BRIEF)] {
        let refused = app.gql(Some(token), query, json!({})).await;
        assert_eq!(
            code_of(&refused),
            "SECOND_FACTOR_REQUIRED",
            "{what}: {refused}"
        );
    }
    let invite = app
        .gql(Some(token), e2e::INVITE, json!({ "email": "x@y.example" }))
        .await;
    assert_eq!(code_of(&invite), "SECOND_FACTOR_REQUIRED", "{invite}");
    let change = json!({ "current": PW, "new": "another-pass-1" });
    assert_eq!(
        code_of(&app.gql(Some(token), CHANGE_PASSWORD, change).await),
        "SECOND_FACTOR_REQUIRED"
    );
    // A wrong code is refused without saying which factor; the right one signs in.
    let wrong = app
        .gql(Some(token), VERIFY_SECOND_FACTOR, code("123456"))
        .await;
    assert_eq!(code_of(&wrong), "BAD_USER_INPUT", "{wrong}");
    assert_eq!(wrong["errors"][0]["message"], "that code is not right");
    let now_code = totp_code(&secret);
    let done = app
        .ok(Some(token), VERIFY_SECOND_FACTOR, code(&now_code))
        .await["verifySecondFactor"]
        .clone();
    assert_eq!(done["secondFactorRequired"], false);
    let full = done["token"].as_str().unwrap();
    assert_eq!(app.me(Some(full)).await["email"], ROSA);
    // The pending token ended with it; the same code does not work twice.
    assert_eq!(
        code_of(
            &app.gql(Some(token), VERIFY_SECOND_FACTOR, code(&now_code))
                .await
        ),
        "UNAUTHENTICATED"
    );
    let again = pending(&app, ROSA, PW).await;
    assert_eq!(
        code_of(
            &app.gql(Some(&again), VERIFY_SECOND_FACTOR, code(&now_code))
                .await
        ),
        "BAD_USER_INPUT"
    );

    // A recovery code works once, typed in capitals with spaces or not.
    let recovery = codes[3].to_uppercase().replace('-', " ");
    let by_code = app
        .ok(Some(&again), VERIFY_SECOND_FACTOR, code(&recovery))
        .await;
    assert_eq!(
        app.me(by_code["verifySecondFactor"]["token"].as_str())
            .await["email"],
        ROSA
    );
    let third = pending(&app, ROSA, PW).await;
    let reused = app
        .gql(Some(&third), VERIFY_SECOND_FACTOR, code(&codes[3]))
        .await;
    assert_eq!(code_of(&reused), "BAD_USER_INPUT", "{reused}");
    let factors = app.ok(Some(full), MY_FACTORS, json!({})).await["me"]["secondFactors"].clone();
    assert_eq!(factors[1]["label"], "Recovery codes: 9 of 10 left");
}

#[tokio::test]
async fn five_wrong_codes_end_the_pending_token_and_count_as_failed_log_ins() {
    // The default limit of failed log-ins per email (the harness lifts it elsewhere).
    let app = TestApp::spawn_with_args(&["--rate-limit-login-email", "10/15m"]).await;
    let rosa = app.partner(ROSA).await;
    let (secret, codes) = app.enrol_totp(&rosa).await;
    let token = pending(&app, ROSA, PW).await;
    for i in 1..=4 {
        let wrong = app
            .gql(Some(&token), VERIFY_SECOND_FACTOR, code("000000"))
            .await;
        assert_eq!(code_of(&wrong), "BAD_USER_INPUT", "try {i}: {wrong}");
    }
    let fifth = app
        .gql(Some(&token), VERIFY_SECOND_FACTOR, code("000000"))
        .await;
    assert_eq!(code_of(&fifth), "UNAUTHENTICATED", "{fifth}");
    // The token is gone: even a right code does nothing with it.
    let right = app
        .gql(Some(&token), VERIFY_SECOND_FACTOR, code(&codes[0]))
        .await;
    assert_eq!(code_of(&right), "UNAUTHENTICATED", "{right}");
    // Each failed second step is in the firm's audit log.
    let full = app.log_in_with_code(ROSA, PW, &totp_code(&secret)).await;
    let failed = app.audit_entries(&full, "user.second_factor_failed").await;
    assert_eq!(failed.len(), 5, "{failed:?}");
    // Wrong codes count against the log-in limit of this email (10 in 15 minutes by
    // default): 5 more, and even the right password is refused for a while.
    let token = pending(&app, ROSA, PW).await;
    for _ in 0..5 {
        app.gql(Some(&token), VERIFY_SECOND_FACTOR, code("000000"))
            .await;
    }
    let limited = rosa_logs_in(&app).await;
    assert_eq!(code_of(&limited), "RATE_LIMITED", "{limited}");
}

#[tokio::test]
async fn the_firms_policy_gives_a_member_without_a_factor_a_session_that_can_only_enrol() {
    let app = TestApp::spawn().await;
    let owner = app.partner(ROSA).await;
    app.add_user(&owner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    // A required date still to come changes nothing yet.
    let later = (chrono::Utc::now() + Duration::days(7)).to_rfc3339();
    app.ok(Some(&owner), SET_FIRM_POLICY, json!({ "from": later }))
        .await;
    app.ok(Some(&sam), CLIENTS_BRIEF, json!({})).await;
    let sam = app
        .log_in("sam@ledgerline.example", "sam-password-12")
        .await;
    app.ok(Some(&sam), CLIENTS_BRIEF, json!({})).await;

    let from = (chrono::Utc::now() - Duration::minutes(1)).to_rfc3339();
    let set = app
        .ok(Some(&owner), SET_FIRM_POLICY, json!({ "from": from }))
        .await;
    assert!(
        set["setFirmPolicy"]["secondFactorRequiredFrom"].is_string(),
        "{set}"
    );
    let enrol_only = app
        .log_in("sam@ledgerline.example", "sam-password-12")
        .await;
    assert_eq!(
        app.me(Some(&enrol_only)).await["email"],
        "sam@ledgerline.example"
    );
    let refused = app.gql(Some(&enrol_only), CLIENTS_BRIEF, json!({})).await;
    assert_eq!(
        code_of(&refused),
        "SECOND_FACTOR_ENROLMENT_REQUIRED",
        "{refused}"
    );
    app.enrol_totp(&enrol_only).await;
    app.ok(Some(&enrol_only), CLIENTS_BRIEF, json!({})).await;
    // The policy is in the audit log; turning it off takes null.
    let changes = app.audit_entries(&owner, "partner.policy_changed").await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    let off = app
        .ok(Some(&owner), SET_FIRM_POLICY, json!({ "from": null }))
        .await;
    assert!(
        off["setFirmPolicy"]["secondFactorRequiredFrom"].is_null(),
        "{off}"
    );
}

#[tokio::test]
async fn support_staff_enrol_a_factor_at_their_first_log_in() {
    let app = TestApp::spawn().await;
    let out = app
        .gateway_cli(&[
            "staff",
            "add",
            "--email",
            "sam@support.example",
            "--name",
            "Sam",
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    app.set_password_from_mail("sam@support.example", "staff-pass-12345")
        .await;
    let first = app.log_in("sam@support.example", "staff-pass-12345").await;
    let search = json!({ "q": "ledger" });
    let refused = app
        .gql(
            Some(&first),
            "query($q: String!) { supportSearch(query: $q, reason: \"ticket 1\") { companyId } }",
            search.clone(),
        )
        .await;
    assert_eq!(
        code_of(&refused),
        "SECOND_FACTOR_ENROLMENT_REQUIRED",
        "{refused}"
    );
    let (secret, _) = app.enrol_totp(&first).await;
    app.ok(
        Some(&first),
        "query($q: String!) { supportSearch(query: $q, reason: \"ticket 1\") { companyId } }",
        search,
    )
    .await;
    // From then on, every log-in takes the second step.
    app.log_in_with_code(
        "sam@support.example",
        "staff-pass-12345",
        &totp_code(&secret),
    )
    .await;
}

#[tokio::test]
async fn entering_a_client_needs_a_factor_verified_in_the_last_15_minutes() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let (secret, codes) = app.enrol_totp(&s.partner).await;
    // A recovery code this time (the app's code was just used for the enrolment).
    let rosa = app.log_in_with_code(ROSA, PW, &codes[0]).await;
    app.log_in_to_client(&rosa, &s.client_id).await;

    app.age_second_factors(Duration::minutes(16)).await;
    let stale = app
        .gql(
            Some(&rosa),
            e2e::LOG_IN_TO_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(code_of(&stale), "STEP_UP_REQUIRED", "{stale}");
    let wrong = app.gql(Some(&rosa), STEP_UP, code("000000")).await;
    assert_eq!(code_of(&wrong), "BAD_USER_INPUT", "{wrong}");
    let stepped = app
        .ok(Some(&rosa), STEP_UP, code(&totp_code(&secret)))
        .await;
    // The same session, verified now: open pages and live lists carry on.
    assert_eq!(stepped["stepUp"]["token"], rosa.as_str());
    app.log_in_to_client(&rosa, &s.client_id).await;
    app.ok(Some(&rosa), ME, json!({})).await;
}

#[tokio::test]
async fn the_owner_resets_a_members_factors_and_the_members_sessions_end() {
    let app = TestApp::spawn().await;
    let owner = app.partner(ROSA).await;
    let added = app
        .add_user(&owner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    app.enrol_totp(&sam).await;
    // The owner sees Sam's factors; Sam does not see the owner's.
    let users = app
        .ok(
            Some(&owner),
            "{ users { email secondFactors { kind } } }",
            json!({}),
        )
        .await;
    let listed = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "sam@ledgerline.example")
        .unwrap()
        .clone();
    assert_eq!(listed["secondFactors"][0]["kind"], "TOTP", "{listed}");

    app.ok(Some(&owner), RESET_FACTORS, json!({ "id": added["id"] }))
        .await;
    assert_eq!(
        code_of(&app.gql(Some(&sam), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    let fresh = app
        .log_in_as("sam@ledgerline.example", "sam-password-12", None)
        .await;
    assert_eq!(fresh["secondFactorRequired"], false, "{fresh}");
    app.wait_for_mail(
        "sam@ledgerline.example",
        "Rosa Ledger removed your second factors",
    )
    .await;
    let entries = app.audit_entries(&owner, "user.second_factors_reset").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    // Not one's own.
    let me = app.me(Some(&owner)).await;
    let own = app
        .gql(Some(&owner), RESET_FACTORS, json!({ "id": me["id"] }))
        .await;
    assert_eq!(code_of(&own), "BAD_USER_INPUT", "{own}");
}

#[tokio::test]
async fn removing_the_last_factor_needs_a_fresh_second_factor_and_takes_the_recovery_codes() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    let (secret, _) = app.enrol_totp(&rosa).await;
    let factors = app.ok(Some(&rosa), MY_FACTORS, json!({})).await["me"]["secondFactors"].clone();
    let id = factors[0]["id"].clone();
    app.age_second_factors(Duration::minutes(16)).await;
    let stale = app
        .gql(Some(&rosa), REMOVE_FACTOR, json!({ "id": id }))
        .await;
    assert_eq!(code_of(&stale), "STEP_UP_REQUIRED", "{stale}");
    assert_eq!(
        code_of(&app.gql(Some(&rosa), REGENERATE_CODES, json!({})).await),
        "STEP_UP_REQUIRED"
    );
    let stepped = app
        .ok(Some(&rosa), STEP_UP, code(&totp_code(&secret)))
        .await;
    assert_eq!(stepped["stepUp"]["token"], rosa.as_str());
    let codes =
        app.ok(Some(&rosa), REGENERATE_CODES, json!({})).await["regenerateRecoveryCodes"].clone();
    assert_eq!(codes.as_array().unwrap().len(), 10);
    app.ok(Some(&rosa), REMOVE_FACTOR, json!({ "id": id }))
        .await;
    let left = app.ok(Some(&rosa), MY_FACTORS, json!({})).await["me"]["secondFactors"].clone();
    assert_eq!(left, json!([]));
    app.wait_for_mail(ROSA, "A second factor was removed: \"Phone\"")
        .await;
    assert_eq!(
        rosa_logs_in(&app).await["data"]["logIn"]["secondFactorRequired"],
        false
    );
}

#[tokio::test]
async fn adding_another_factor_needs_a_fresh_second_factor() {
    // A session left open past STEP_UP_WINDOW must not add an authenticator of its own
    // (adding one counts as verifying one, so it would step up by it).
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    let (secret, _) = app.enrol_totp(&rosa).await;
    app.age_second_factors(Duration::minutes(16)).await;
    for (what, query, vars) in [
        ("beginTotpEnrolment", BEGIN_TOTP, json!({})),
        (
            "beginPasskeyEnrolment",
            "mutation { beginPasskeyEnrolment { challengeId } }",
            json!({}),
        ),
        (
            "confirmTotpEnrolment",
            CONFIRM_TOTP,
            json!({ "code": "123456" }),
        ),
        (
            "finishPasskeyEnrolment",
            "mutation($c: ID!) { finishPasskeyEnrolment(challengeId: $c, credentialJson: \"{}\") { id } }",
            json!({ "c": "00000000-0000-0000-0000-000000000000" }),
        ),
    ] {
        let stale = app.gql(Some(&rosa), query, vars).await;
        assert_eq!(code_of(&stale), "STEP_UP_REQUIRED", "{what}: {stale}");
    }
    let factors = app.ok(Some(&rosa), MY_FACTORS, json!({})).await["me"]["secondFactors"].clone();
    let kinds: Vec<&str> = factors
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["TOTP", "RECOVERY_CODE"], "nothing added: {factors}");
    // With the factor given again, another can be added.
    app.ok(Some(&rosa), STEP_UP, code(&totp_code(&secret)))
        .await;
    let begun = app.ok(Some(&rosa), BEGIN_TOTP, json!({})).await;
    assert!(begun["beginTotpEnrolment"]["secret"].is_string(), "{begun}");
    app.ok(
        Some(&rosa),
        "mutation { beginPasskeyEnrolment { challengeId } }",
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn a_seat_in_a_client_account_asks_for_the_persons_second_factor() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let (secret, _) = app.enrol_totp(&s.partner).await;
    let seat = app.log_in_as(ROSA, PW, Some(&s.company_id)).await;
    assert_eq!(seat["secondFactorRequired"], true, "{seat}");
    let token = seat["token"].as_str().unwrap();
    let done = app
        .ok(Some(token), VERIFY_SECOND_FACTOR, code(&totp_code(&secret)))
        .await;
    assert_eq!(
        done["verifySecondFactor"]["user"]["account"]["kind"],
        "CLIENT"
    );
}
