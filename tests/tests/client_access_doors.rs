//! Issue 26, found in review (SPEC §13): the other door into a firm person's seat, and
//! two answers at once. `logIn` with the client's Company ID (here with a second step)
//! opens a session that ends with the grant and is in the client's access log; two
//! admins answering one request (or revoking one grant) at the same moment: one answer
//! counts, the other is told CONFLICT and changes nothing.

use chrono::{Duration, Utc};
use e2e::{
    ACCESS_GRANTS as GRANTS, APPROVE_ACCESS as APPROVE, BEA, DECLINE_ACCESS as DECLINE,
    PARTNER_ACCESS_LOG as LOG, REVOKE_ACCESS as REVOKE, ROSA, TestApp, code_of,
};
use serde_json::{Value, json};

#[tokio::test]
async fn a_seat_opened_by_log_in_with_the_company_id_is_in_the_access_log_and_ends_with_the_grant()
{
    // The other door into a seat: `logIn` with the client's Company ID, here with a
    // second step. The session after the second step ends no later than the grant, and
    // the client reads the visit in its access log as for `logInToClient`.
    let app = TestApp::spawn().await;
    let (rosa, id, bea) = app.bakers().await;
    let (_, codes) = app.enrol_totp(&rosa).await;
    app.ask_access(&rosa, &id, "ADMIN", Some(30)).await;
    let gid = app.ok(Some(&bea), GRANTS, json!({})).await["accessGrants"][0]["id"].clone();
    let until = Utc::now() + Duration::hours(2);
    app.ok(
        Some(&bea),
        APPROVE,
        json!({ "id": gid, "until": until.to_rfc3339() }),
    )
    .await;
    let bakers_id = app.company_id(&bea).await;
    let pending = app
        .log_in_as(ROSA, "correct-horse-1", Some(&bakers_id))
        .await;
    assert_eq!(pending["secondFactorRequired"], true, "{pending}");
    // Waiting for the second step, it is not a visit yet.
    let log = app.ok(Some(&bea), LOG, json!({})).await;
    assert_eq!(log["partnerAccessLog"]["edges"], json!([]), "{log}");
    let done = app
        .ok(
            pending["token"].as_str(),
            e2e::VERIFY_SECOND_FACTOR,
            json!({ "code": codes[0] }),
        )
        .await["verifySecondFactor"]
        .clone();
    let ends = chrono::DateTime::parse_from_rfc3339(done["expiresAt"].as_str().unwrap()).unwrap();
    assert!(
        ends <= until + Duration::seconds(1),
        "the session ends with the grant ({until}), not at {ends}"
    );
    assert_eq!(done["user"]["account"]["kind"], "CLIENT", "{done}");
    let log = app.ok(Some(&bea), LOG, json!({})).await;
    let visits = log["partnerAccessLog"]["edges"].as_array().unwrap();
    assert_eq!(visits.len(), 1, "{log}");
    assert_eq!(visits[0]["node"]["person"]["email"], ROSA);
    assert_eq!(visits[0]["node"]["reason"], Value::Null);
    assert!(visits[0]["node"]["endedAt"].is_null(), "{log}");
    // Revoked, the visit ends in the log too.
    app.ok(Some(&bea), REVOKE, json!({ "id": gid })).await;
    let log = app.ok(Some(&bea), LOG, json!({})).await;
    assert!(
        log["partnerAccessLog"]["edges"][0]["node"]["endedAt"].is_string(),
        "{log}"
    );
}

#[tokio::test]
async fn two_answers_at_once_only_one_counts() {
    // Two admins of the client (here two sessions of its owner) answer the same request
    // at the same moment: one answer wins, the other is told CONFLICT and changes
    // nothing; the same for two revocations of one grant.
    let app = TestApp::spawn().await;
    let (rosa, id, bea) = app.bakers().await;
    let other_bea = app.log_in(BEA, "bea-password-1").await;
    for round in 0..4 {
        app.ask_access(&rosa, &id, "ADMIN", None).await;
        let gid = app.ok(Some(&bea), GRANTS, json!({})).await["accessGrants"][0]["id"].clone();
        let (approved, declined) = tokio::join!(
            app.gql(Some(&bea), APPROVE, json!({ "id": gid })),
            app.gql(Some(&other_bea), DECLINE, json!({ "id": gid })),
        );
        let won: Vec<&str> = [(&approved, "ACTIVE"), (&declined, "DECLINED")]
            .iter()
            .filter(|(answer, _)| answer["errors"].is_null())
            .map(|(_, status)| *status)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {approved} {declined}");
        for lost in [&approved, &declined] {
            if !lost["errors"].is_null() {
                assert_eq!(code_of(lost), "CONFLICT", "round {round}: {lost}");
            }
        }
        let now = app.ok(Some(&bea), GRANTS, json!({})).await["accessGrants"][0].clone();
        assert_eq!(
            now["status"], won[0],
            "round {round}: the winner's answer stands"
        );
        if won[0] == "ACTIVE" {
            let (a, b) = tokio::join!(
                app.gql(Some(&bea), REVOKE, json!({ "id": gid })),
                app.gql(Some(&other_bea), REVOKE, json!({ "id": gid })),
            );
            let codes: Vec<String> = [&a, &b]
                .iter()
                .filter(|r| !r["errors"].is_null())
                .map(|r| code_of(r).to_owned())
                .collect();
            assert_eq!(codes, ["CONFLICT"], "round {round}: {a} {b}");
        }
    }
    // One decision audited per answer that counted.
    let revoked = app.audit_entries(&bea, "access.revoked").await.len();
    let approved = app.audit_entries(&bea, "access.approved").await.len();
    let declined = app.audit_entries(&bea, "access.declined").await.len();
    assert_eq!(
        (approved + declined, revoked),
        (4, approved),
        "{approved} {declined} {revoked}"
    );
}
