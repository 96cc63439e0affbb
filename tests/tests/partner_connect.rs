//! SPEC §6, Partner Connect: the owner of a V1 partner account connects it, once, to a V2
//! partner dashboard; the worker checks the request and settles it.

use e2e::{CONNECT_LEGACY_PARTNER, TestApp, code_of, legacy_example, message_of, try_code_of};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::Duration;

/// The V1 owner's token, and the V2 partner's Company ID (its owner: rosa@v2firm.example).
async fn setup(app: &TestApp) -> (String, String) {
    let p = app.legacy_partners(&legacy_example()).await;
    (p.v1_owner, p.v2_company_id)
}

/// Wrong owner email: answered at once as PENDING, then FAILED with a readable message;
/// support is told why.
async fn a_wrong_owner_email_fails(app: &TestApp, v1: &str, v2_cid: &str) {
    let r = app
        .connect_legacy_partner(v1, &v2_cid.to_lowercase(), "someone@else.example")
        .await;
    assert_eq!(r["status"], "PENDING");
    assert_eq!(r["companyId"], v2_cid);
    let failed = app.wait_connection_settled(v1).await;
    assert_eq!(failed["status"], "FAILED");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("do not match a V2 partner account"),
        "{failed}"
    );
    assert!(failed["completedAt"].is_string());
    let mail = app
        .wait_for_mail(
            "support@partner-dashboard.localhost",
            "Partner Connect failed",
        )
        .await;
    assert!(
        mail.text.contains("LGC1024")
            && mail.text.contains("someone@else.example is not the owner"),
        "{}",
        mail.text
    );
}

#[tokio::test]
async fn a_failed_then_a_successful_connect_through_the_worker() {
    let app = TestApp::spawn().await;
    let (v1, v2_cid) = setup(&app).await;
    assert_eq!(app.legacy_connection(&v1).await, Value::Null);
    a_wrong_owner_email_fails(&app, &v1, &v2_cid).await;

    // After FAILED the owner may try again; the right email (any case) connects.
    let r = app
        .connect_legacy_partner(&v1, &v2_cid, "ROSA@v2firm.example")
        .await;
    assert_eq!(r["status"], "PENDING");
    let ok = app.wait_connection_settled(&v1).await;
    assert_eq!(ok["status"], "CONNECTED", "{ok}");
    assert!(ok["message"].as_str().unwrap().contains("V2 Firm"));
    // Once is enough.
    assert_eq!(
        app.error_code(
            Some(&v1),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "rosa@v2firm.example" })
        )
        .await,
        "CONFLICT"
    );

    // It moved no data, and the V1 account keeps working.
    assert_eq!(app.client_count(&v1).await, 2);
    app.invite(&v1, "new@client.example", None).await;
    let v2 = app.log_in("rosa@v2firm.example", "correct-horse-1").await;
    assert_eq!(app.client_count(&v2).await, 0);
    // The request is in the V1 owner's audit log.
    let actions = app.audit_actions(&v1).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "partner.connect_requested")
            .count(),
        2,
        "{actions:?}"
    );
}

/// `connectLegacyPartner` with this Company ID and owner email, as `token` (or nobody):
/// the error code it is refused with.
async fn refused(app: &TestApp, token: Option<&str>, company_id: &str, email: &str) -> String {
    let vars = json!({ "c": company_id, "e": email });
    app.error_code(token, CONNECT_LEGACY_PARTNER, vars).await
}

#[tokio::test]
async fn only_a_v1_partners_owner_may_connect() {
    let app = TestApp::spawn().await;
    let (_, v2_cid) = setup(&app).await;
    let staff = app
        .log_in("staff@ledgerline.example", "legacy-staff-pass-1")
        .await;
    let b = app
        .gql(
            Some(&staff),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "rosa@v2firm.example" }),
        )
        .await;
    assert_eq!(code_of(&b), "FORBIDDEN");
    assert!(message_of(&b).contains("only the account owner"), "{b}");
    let v2 = app.log_in("rosa@v2firm.example", "correct-horse-1").await;
    assert_eq!(
        refused(&app, Some(&v2), &v2_cid, "rosa@v2firm.example").await,
        "FORBIDDEN"
    );
    assert_eq!(app.legacy_connection(&v2).await, Value::Null);
    let client = app
        .sign_up("Shop", "Sam", "sam@shop.example", "sam-password-1", false)
        .await;
    let client = client["token"].as_str();
    assert_eq!(
        refused(&app, client, &v2_cid, "x@y.example").await,
        "FORBIDDEN"
    );
    assert_eq!(
        refused(&app, None, &v2_cid, "x@y.example").await,
        "UNAUTHENTICATED"
    );
    let v1 = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    assert_eq!(
        refused(&app, Some(&v1), "nope", "rosa@v2firm.example").await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        refused(&app, Some(&v1), &v2_cid, "not-an-email").await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.legacy_connection(&v1).await,
        Value::Null,
        "refusals change nothing"
    );
}

#[tokio::test]
async fn a_client_account_or_unknown_company_id_fails() {
    let app = TestApp::spawn().await;
    let (v1, _) = setup(&app).await;
    let client = app
        .sign_up("Shop", "Sam", "sam@shop.example", "sam-password-1", false)
        .await;
    let client_cid = client["user"]["account"]["companyId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.connect_legacy_partner(&v1, &client_cid, "sam@shop.example")
        .await;
    assert_eq!(app.wait_connection_settled(&v1).await["status"], "FAILED");
    let mail = app
        .wait_for_mail(
            "support@partner-dashboard.localhost",
            "Partner Connect failed",
        )
        .await;
    assert!(
        mail.text.contains("is not a V2 partner account"),
        "{}",
        mail.text
    );
    app.connect_legacy_partner(&v1, "ZZZ9999", "sam@shop.example")
        .await;
    assert_eq!(app.wait_connection_settled(&v1).await["status"], "FAILED");
}

#[tokio::test]
async fn a_pending_request_is_a_conflict_and_a_worker_started_later_settles_it() {
    let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    let (v1, v2_cid) = setup(&app).await;
    app.connect_legacy_partner(&v1, &v2_cid, "rosa@v2firm.example")
        .await;
    assert_eq!(
        refused(&app, Some(&v1), &v2_cid, "rosa@v2firm.example").await,
        "CONFLICT"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.legacy_connection(&v1).await["status"], "PENDING");

    // A second job for the same request besides the one the dispatcher hands out (an
    // orphan re-run, a duplicate push) must be harmless.
    let connection_id = entity::legacy_connection::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    app.queue()
        .await
        .push_connect(vec![worker::jobs::CheckPartnerConnect { connection_id }])
        .await
        .unwrap();
    let runtime = app.start_worker().await;
    assert_eq!(
        app.wait_connection_settled(&v1).await["status"],
        "CONNECTED"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    runtime.shutdown().await;
    assert_eq!(app.legacy_connection(&v1).await["status"], "CONNECTED");
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.subject.contains("Partner Connect failed"))
    );
    assert_eq!(app.me(Some(&v1)).await["account"]["platform"], "V1");
}

/// Two connect requests at once (a double click): one is recorded, the other is a
/// CONFLICT, never an internal error, on every backend.
#[tokio::test]
async fn two_connect_requests_at_once_give_one_request_and_one_conflict() {
    let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    let (v1, v2_cid) = setup(&app).await;
    for _round in 0..5 {
        let vars = json!({ "c": v2_cid, "e": "rosa@v2firm.example" });
        let (a, b) = tokio::join!(
            app.gql(Some(&v1), CONNECT_LEGACY_PARTNER, vars.clone()),
            app.gql(Some(&v1), CONNECT_LEGACY_PARTNER, vars.clone()),
        );
        let mut outcomes: Vec<String> = [&a, &b]
            .iter()
            .map(|r| {
                try_code_of(r).map_or_else(
                    || r["data"]["connectLegacyPartner"]["status"].to_string(),
                    str::to_owned,
                )
            })
            .collect();
        outcomes.sort();
        assert_eq!(outcomes, ["\"PENDING\"", "CONFLICT"], "{a} {b}");
        // Back to FAILED, as after a failed check, for the next round.
        entity::legacy_connection::Entity::update_many()
            .col_expr(
                entity::legacy_connection::Column::Status,
                sea_orm::sea_query::Expr::value(entity::ConnectStatus::Failed),
            )
            .exec(app.db())
            .await
            .unwrap();
    }
}
