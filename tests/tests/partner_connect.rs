//! SPEC §6, Partner Connect: the owner of a V1 partner account connects it, once, to a V2
//! partner dashboard; the worker checks the request and settles it.

use e2e::{
    AUDIT_LOG, CLIENTS, CLIENTS_TOTAL, CONNECT_LEGACY_PARTNER, LEGACY_CONNECTION, LOG_IN, ME,
    Options, TestApp, UPGRADE_CLIENT, UPGRADE_TAB, legacy_example,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The V1 owner's token, and the V2 partner's Company ID (its owner: rosa@v2firm.example).
async fn setup(app: &TestApp) -> (String, String) {
    app.import_legacy(&legacy_example()).await.unwrap();
    let v2 = app
        .sign_up(
            "V2 Firm",
            "Rosa",
            "rosa@v2firm.example",
            "correct-horse-1",
            true,
        )
        .await;
    let v2_cid = v2["user"]["account"]["companyId"]
        .as_str()
        .unwrap()
        .to_owned();
    (
        app.log_in("owner@ledgerline.example", "legacy-owner-pass-1")
            .await,
        v2_cid,
    )
}

async fn wait_settled(app: &TestApp, token: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let c = app.ok(Some(token), LEGACY_CONNECTION, json!({})).await["legacyConnection"].clone();
        if c["status"] != "PENDING" {
            return c;
        }
        assert!(
            Instant::now() < deadline,
            "the connect request was never settled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_failed_then_a_successful_connect_through_the_worker() {
    let app = TestApp::spawn().await;
    let (v1, v2_cid) = setup(&app).await;
    assert_eq!(
        app.ok(Some(&v1), LEGACY_CONNECTION, json!({})).await["legacyConnection"],
        Value::Null
    );

    // Wrong owner email: answered at once as PENDING, then FAILED with a readable message.
    let r = app
        .ok(
            Some(&v1),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid.to_lowercase(), "e": "someone@else.example" }),
        )
        .await;
    assert_eq!(r["connectLegacyPartner"]["status"], "PENDING");
    assert_eq!(r["connectLegacyPartner"]["companyId"], v2_cid.as_str());
    let failed = wait_settled(&app, &v1).await;
    assert_eq!(failed["status"], "FAILED");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("do not match a V2 partner account"),
        "{failed}"
    );
    assert!(failed["completedAt"].is_string());
    // Support is told why.
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

    // After FAILED the owner may try again; the right email (any case) connects.
    let r = app
        .ok(
            Some(&v1),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "ROSA@v2firm.example" }),
        )
        .await;
    assert_eq!(r["connectLegacyPartner"]["status"], "PENDING");
    let ok = wait_settled(&app, &v1).await;
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
    let list = app.ok(Some(&v1), CLIENTS_TOTAL, json!({})).await;
    assert_eq!(list["clients"]["totalCount"], 2);
    app.invite(&v1, "new@client.example", None).await;
    let v2 = app.log_in("rosa@v2firm.example", "correct-horse-1").await;
    assert_eq!(
        app.ok(Some(&v2), CLIENTS_TOTAL, json!({})).await["clients"]["totalCount"],
        0
    );
    // The request is in the V1 owner's audit log.
    let log = app.ok(Some(&v1), AUDIT_LOG, json!({})).await;
    let actions: Vec<&str> = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "partner.connect_requested")
            .count(),
        2,
        "{actions:?}"
    );
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
    assert_eq!(b["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("only the account owner"),
        "{b}"
    );
    let v2 = app.log_in("rosa@v2firm.example", "correct-horse-1").await;
    assert_eq!(
        app.error_code(
            Some(&v2),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "rosa@v2firm.example" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.ok(Some(&v2), LEGACY_CONNECTION, json!({})).await["legacyConnection"],
        Value::Null
    );
    let client = app
        .sign_up("Shop", "Sam", "sam@shop.example", "sam-password-1", false)
        .await;
    assert_eq!(
        app.error_code(
            client["token"].as_str(),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "x@y.example" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            None,
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "x@y.example" })
        )
        .await,
        "UNAUTHENTICATED"
    );
    let v1 = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    assert_eq!(
        app.error_code(
            Some(&v1),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": "nope", "e": "rosa@v2firm.example" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&v1),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "not-an-email" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.ok(Some(&v1), LEGACY_CONNECTION, json!({})).await["legacyConnection"],
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
    app.ok(
        Some(&v1),
        CONNECT_LEGACY_PARTNER,
        json!({ "c": client_cid, "e": "sam@shop.example" }),
    )
    .await;
    assert_eq!(wait_settled(&app, &v1).await["status"], "FAILED");
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
    app.ok(
        Some(&v1),
        CONNECT_LEGACY_PARTNER,
        json!({ "c": "ZZZ9999", "e": "sam@shop.example" }),
    )
    .await;
    assert_eq!(wait_settled(&app, &v1).await["status"], "FAILED");
}

#[tokio::test]
async fn a_pending_request_is_a_conflict_and_a_worker_started_later_settles_it() {
    let app = TestApp::spawn_with(Options {
        extra_args: vec!["--embedded-worker".into(), "false".into()],
        ..Default::default()
    })
    .await;
    let (v1, v2_cid) = setup(&app).await;
    app.ok(
        Some(&v1),
        CONNECT_LEGACY_PARTNER,
        json!({ "c": v2_cid, "e": "rosa@v2firm.example" }),
    )
    .await;
    assert_eq!(
        app.error_code(
            Some(&v1),
            CONNECT_LEGACY_PARTNER,
            json!({ "c": v2_cid, "e": "rosa@v2firm.example" })
        )
        .await,
        "CONFLICT"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.ok(Some(&v1), LEGACY_CONNECTION, json!({})).await["legacyConnection"]["status"],
        "PENDING"
    );

    let config = app.worker_config();
    let db = entity::db::connect(&config.database_url(), 2)
        .await
        .unwrap();
    let queue = app.queue().await;
    // As if its job had been lost: the recovery scan queues it again (a second job for
    // the same request, which must be harmless).
    assert_eq!(
        worker::connect::requeue_stale(&db, &queue, Duration::ZERO)
            .await
            .unwrap(),
        1
    );
    let runtime = app.start_worker().await;
    assert_eq!(wait_settled(&app, &v1).await["status"], "CONNECTED");
    tokio::time::sleep(Duration::from_millis(500)).await;
    runtime.shutdown().await;
    assert_eq!(
        app.ok(Some(&v1), LEGACY_CONNECTION, json!({})).await["legacyConnection"]["status"],
        "CONNECTED"
    );
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.subject.contains("Partner Connect failed"))
    );
    let me = app.ok(Some(&v1), ME, json!({})).await;
    assert_eq!(me["me"]["account"]["platform"], "V1");
}

/// The example export plus two more eligible clients: one whose deadline has passed and
/// one due later; then a successful connect.
async fn connected_setup(app: &TestApp) -> (String, String) {
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    let clients = doc["partners"][0]["clients"].as_array_mut().unwrap();
    clients.push(json!({ "companyId": "OLD0001", "name": "Old Mill", "email": "old@mill.example", "status": "PAYING", "upgradeEligible": true, "upgradeDeadline": "2020-01-31T23:59:59Z" }));
    clients.push(json!({ "companyId": "NEW0002", "name": "New Leaf", "email": "hi@newleaf.example", "status": "TRIAL", "upgradeEligible": true, "upgradeDeadline": "2099-06-30T23:59:59Z" }));
    app.import_legacy(&doc.to_string()).await.unwrap();
    let v2 = app
        .sign_up(
            "V2 Firm",
            "Rosa",
            "rosa@v2firm.example",
            "correct-horse-1",
            true,
        )
        .await;
    let v2_token = v2["token"].as_str().unwrap().to_owned();
    let v2_cid = v2["user"]["account"]["companyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let v1 = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    (v1, format!("{v2_token} {v2_cid}"))
}

fn candidate<'a>(tab: &'a Value, company_id: &str) -> &'a Value {
    tab["upgradeTab"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"]["companyId"] == company_id)
        .unwrap()
}

async fn v2_list(app: &TestApp, token: &str) -> Vec<Value> {
    let l = app.ok(Some(token), CLIENTS, json!({})).await;
    l["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn eligible_clients_are_upgraded_one_at_a_time_into_the_connected_v2_dashboard() {
    let app = TestApp::spawn().await;
    let (v1, v2) = connected_setup(&app).await;
    let (v2_token, v2_cid) = v2.split_once(' ').unwrap();

    // The tab lists eligible clients, soonest deadline first, before connecting too.
    let tab = app.ok(Some(&v1), UPGRADE_TAB, json!({})).await;
    let order: Vec<&str> = tab["upgradeTab"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client"]["companyId"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["OLD0001", "BKR2201", "NEW0002"]);
    assert_eq!(
        candidate(&tab, "BKR2201")["deadline"],
        "2027-03-31T23:59:59+00:00"
    );
    let bakers = candidate(&tab, "BKR2201")["client"]["id"].clone();
    let new_leaf = candidate(&tab, "NEW0002")["client"]["id"].clone();
    let old_mill = candidate(&tab, "OLD0001")["client"]["id"].clone();
    let b = app
        .gql(Some(&v1), UPGRADE_CLIENT, json!({ "id": bakers }))
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("connect this account"),
        "{b}"
    );

    app.ok(
        Some(&v1),
        CONNECT_LEGACY_PARTNER,
        json!({ "c": v2_cid, "e": "rosa@v2firm.example" }),
    )
    .await;
    assert_eq!(wait_settled(&app, &v1).await["status"], "CONNECTED");

    // A client administrator (not only the owner) upgrades one client.
    let staff = app
        .log_in("staff@ledgerline.example", "legacy-staff-pass-1")
        .await;
    let r = app
        .ok(Some(&staff), UPGRADE_CLIENT, json!({ "id": bakers }))
        .await;
    assert_eq!(r["upgradeClient"]["client"]["companyId"], "BKR2201");
    let deadline = Instant::now() + Duration::from_secs(15);
    let upgraded = loop {
        let list = v2_list(&app, v2_token).await;
        if let Some(c) = list
            .into_iter()
            .find(|c| c["email"] == "hello@bakersrow.example")
        {
            break c;
        }
        assert!(
            Instant::now() < deadline,
            "the upgrade never reached the V2 client list"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(upgraded["name"], "Bakers Row Cafe");
    assert_eq!(upgraded["status"], "PAYING", "paying status is kept");
    assert_ne!(upgraded["companyId"], "BKR2201", "a new V2 account");
    let tab = app.ok(Some(&v1), UPGRADE_TAB, json!({})).await;
    assert_eq!(candidate(&tab, "BKR2201")["upgraded"], true);
    // Its owner is emailed a link to set a password for the new account.
    app.set_password_from_mail("hello@bakersrow.example", "bakers-pass-1")
        .await;
    let owner = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": "hello@bakersrow.example", "password": "bakers-pass-1" }),
        )
        .await;
    assert_eq!(
        owner["logIn"]["user"]["account"]["companyId"],
        upgraded["companyId"]
    );

    // Twice: refused, and never a second account. Ineligible and late: refused with why.
    let b = app
        .gql(Some(&v1), UPGRADE_CLIENT, json!({ "id": bakers }))
        .await;
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already been upgraded"),
        "{b}"
    );
    let plumb = app
        .ok(Some(&v1), CLIENTS, json!({ "search": "plumb" }))
        .await;
    let plumb = plumb["clients"]["edges"][0]["node"]["id"].clone();
    let b = app
        .gql(Some(&v1), UPGRADE_CLIENT, json!({ "id": plumb }))
        .await;
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not eligible"),
        "{b}"
    );
    let b = app
        .gql(Some(&v1), UPGRADE_CLIENT, json!({ "id": old_mill }))
        .await;
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("deadline (2020-01-31) has passed"),
        "{b}"
    );
    assert_eq!(
        app.error_code(Some(v2_token), UPGRADE_CLIENT, json!({ "id": bakers }))
            .await,
        "FORBIDDEN"
    );
    let other = app.partner("other@elsewhere.example").await;
    assert_eq!(
        app.error_code(Some(&other), UPGRADE_CLIENT, json!({ "id": bakers }))
            .await,
        "FORBIDDEN"
    );

    // Later, the other one; then nothing is left to upgrade and the tab goes away.
    assert!(app.ok(Some(&v1), UPGRADE_TAB, json!({})).await["upgradeTab"].is_object());
    app.ok(Some(&v1), UPGRADE_CLIENT, json!({ "id": new_leaf }))
        .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let list = loop {
        let list = v2_list(&app, v2_token).await;
        if list.iter().any(|c| c["email"] == "hi@newleaf.example") {
            break list;
        }
        assert!(
            Instant::now() < deadline,
            "the second upgrade never reached the V2 client list"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        app.ok(Some(&v1), UPGRADE_TAB, json!({})).await["upgradeTab"],
        Value::Null,
        "nothing left to upgrade"
    );
    let leaf = list
        .iter()
        .find(|c| c["email"] == "hi@newleaf.example")
        .unwrap();
    assert_eq!(leaf["status"], "TRIAL");
    assert!(leaf["trialEndsAt"].is_string());
    assert_eq!(list.len(), 2);
    // The V1 partner still lists its V1 clients.
    assert_eq!(
        app.ok(Some(&v1), CLIENTS_TOTAL, json!({})).await["clients"]["totalCount"],
        4
    );
}

#[tokio::test]
async fn a_v1_partner_without_eligible_clients_has_no_upgrade_tab() {
    let app = TestApp::spawn().await;
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    doc["partners"][0]["clients"][0]["upgradeEligible"] = json!(false);
    app.import_legacy(&doc.to_string()).await.unwrap();
    let v1 = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    assert_eq!(
        app.ok(Some(&v1), UPGRADE_TAB, json!({})).await["upgradeTab"],
        Value::Null
    );
    let v2 = app.partner("rosa@v2firm.example").await;
    assert_eq!(
        app.ok(Some(&v2), UPGRADE_TAB, json!({})).await["upgradeTab"],
        Value::Null
    );
}
