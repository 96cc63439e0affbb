//! Issue 25 item 2 (SPEC §12): passkeys as a second factor, through the API. The
//! options a browser gets name this site and the person; what comes back is refused
//! clearly when it is not a WebAuthn answer, when its challenge is unknown, used, of
//! another session or missing; a pending token may verify with a passkey but not enrol
//! one; a wrong passkey answer counts against the pending token like a wrong code. A
//! passkey made and used by a real authenticator is `web_passkeys` (Chromium's virtual
//! authenticator).

use e2e::{TestApp, code_of, totp_code};
use serde_json::{Value, json};

const ROSA: &str = "rosa@ledgerline.example";
const PW: &str = "correct-horse-1";

const BEGIN_ENROLMENT: &str = "mutation { beginPasskeyEnrolment { challengeId optionsJson } }";
const FINISH_ENROLMENT: &str = "mutation($id: ID!, $json: String!) {
    finishPasskeyEnrolment(challengeId: $id, credentialJson: $json) { id kind label } }";
const BEGIN_VERIFICATION: &str =
    "mutation { beginPasskeyVerification { challengeId optionsJson } }";
const VERIFY: &str = "mutation($code: String, $id: ID, $json: String) {
    verifySecondFactor(code: $code, challengeId: $id, assertionJson: $json) { token } }";

/// A credential as a browser would send it, but signed by nobody.
fn forged() -> String {
    json!({
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "attestationObject": "AAAA",
            "clientDataJSON": "AAAA",
            "authenticatorData": "AAAA",
            "signature": "AAAA",
        },
    })
    .to_string()
}

fn field_of(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn enrolment_options_name_this_site_and_the_person_and_bad_answers_are_refused() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    let begun =
        app.ok(Some(&rosa), BEGIN_ENROLMENT, json!({})).await["beginPasskeyEnrolment"].clone();
    let options: Value = serde_json::from_str(begun["optionsJson"].as_str().unwrap()).unwrap();
    // The harness' PUBLIC_URL is http://app.test.
    assert_eq!(options["publicKey"]["rp"]["id"], "app.test", "{options}");
    assert_eq!(options["publicKey"]["user"]["name"], ROSA);
    assert!(options["publicKey"]["challenge"].as_str().unwrap().len() >= 20);
    let id = begun["challengeId"].clone();

    // Not a WebAuthn answer at all.
    let junk = app
        .gql(
            Some(&rosa),
            FINISH_ENROLMENT,
            json!({ "id": id, "json": "{\"hello\": 1}" }),
        )
        .await;
    assert_eq!(code_of(&junk), "BAD_USER_INPUT", "{junk}");
    assert_eq!(field_of(&junk), "credentialJson", "{junk}");
    // The challenge was used up by that attempt.
    let again = app
        .gql(
            Some(&rosa),
            FINISH_ENROLMENT,
            json!({ "id": id, "json": forged() }),
        )
        .await;
    assert_eq!(field_of(&again), "challengeId", "{again}");

    // A well-formed answer that proves nothing.
    let id = app.ok(Some(&rosa), BEGIN_ENROLMENT, json!({})).await["beginPasskeyEnrolment"]
        ["challengeId"]
        .clone();
    let forged_answer = app
        .gql(
            Some(&rosa),
            FINISH_ENROLMENT,
            json!({ "id": id, "json": forged() }),
        )
        .await;
    assert_eq!(code_of(&forged_answer), "BAD_USER_INPUT", "{forged_answer}");

    // Another session of the same person cannot finish what this one began.
    let id = app.ok(Some(&rosa), BEGIN_ENROLMENT, json!({})).await["beginPasskeyEnrolment"]
        ["challengeId"]
        .clone();
    let other = app.log_in_as(ROSA, PW, None).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = app
        .gql(
            Some(&other),
            FINISH_ENROLMENT,
            json!({ "id": id, "json": forged() }),
        )
        .await;
    assert_eq!(field_of(&elsewhere), "challengeId", "{elsewhere}");

    // Nothing was added, and no email went out.
    let factors = app
        .ok(Some(&rosa), "{ me { secondFactors { kind } } }", json!({}))
        .await;
    assert_eq!(factors["me"]["secondFactors"], json!([]));
    // Without a passkey there is nothing to verify with.
    let none = app.gql(Some(&rosa), BEGIN_VERIFICATION, json!({})).await;
    assert_eq!(code_of(&none), "BAD_USER_INPUT", "{none}");
}

#[tokio::test]
async fn a_pending_token_verifies_but_does_not_enrol_and_a_wrong_passkey_counts_as_a_try() {
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    let (secret, _) = app.enrol_totp(&rosa).await;
    let pending = app.log_in_as(ROSA, PW, None).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let enrol = app.gql(Some(&pending), BEGIN_ENROLMENT, json!({})).await;
    assert_eq!(code_of(&enrol), "SECOND_FACTOR_REQUIRED", "{enrol}");
    // Rosa has no passkey: the pending token may ask, and is told so.
    let begin = app.gql(Some(&pending), BEGIN_VERIFICATION, json!({})).await;
    assert_eq!(code_of(&begin), "BAD_USER_INPUT", "{begin}");

    for (vars, field) in [
        (
            json!({ "code": "123456", "id": "x", "json": forged() }),
            "code",
        ),
        (json!({ "id": "x" }), "assertionJson"),
        (json!({ "json": forged() }), "challengeId"),
        (json!({}), "code"),
    ] {
        let refused = app.gql(Some(&pending), VERIFY, vars.clone()).await;
        assert_eq!(code_of(&refused), "BAD_USER_INPUT", "{vars}: {refused}");
        assert_eq!(field_of(&refused), field, "{vars}: {refused}");
    }
    // An answer for a challenge that does not exist: a wrong try, said as a passkey's.
    let wrong = app
        .gql(
            Some(&pending),
            VERIFY,
            json!({ "id": "00000000-0000-0000-0000-000000000000", "json": forged() }),
        )
        .await;
    assert_eq!(field_of(&wrong), "assertionJson", "{wrong}");
    // The code still works after it.
    let done = app
        .ok(
            Some(&pending),
            VERIFY,
            json!({ "code": totp_code(&secret) }),
        )
        .await;
    let full = done["verifySecondFactor"]["token"].as_str().unwrap();
    // The wrong passkey was counted on the pending token, and audited.
    let failed = app.audit_entries(full, "user.second_factor_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
}

#[tokio::test]
async fn asking_again_and_again_keeps_a_handful_of_ceremonies() {
    // A session (a pending token, say) that begins ceremony after ceremony keeps the
    // newest five: the rows do not pile up until they expire, and the newest still work.
    let app = TestApp::spawn().await;
    let rosa = app.partner(ROSA).await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        ids.push(
            app.ok(Some(&rosa), BEGIN_ENROLMENT, json!({})).await["beginPasskeyEnrolment"]
                ["challengeId"]
                .clone(),
        );
    }
    use sea_orm::ConnectionTrait;
    let kept = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT COUNT(*) AS n FROM passkey_challenges",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(kept, 5, "the newest five ceremonies are kept");
    // The oldest is gone; the newest is there (its answer, junk, is what is refused).
    let oldest = app
        .gql(
            Some(&rosa),
            FINISH_ENROLMENT,
            json!({ "id": ids[0], "json": forged() }),
        )
        .await;
    assert_eq!(field_of(&oldest), "challengeId", "{oldest}");
    let newest = app
        .gql(
            Some(&rosa),
            FINISH_ENROLMENT,
            json!({ "id": ids[7], "json": forged() }),
        )
        .await;
    assert_eq!(field_of(&newest), "credentialJson", "{newest}");
}
