//! SPEC §6, the upgrade tab: a V1 partner's eligible clients, soonest deadline first;
//! once connected, any client administrator upgrades them one at a time, each before its
//! deadline, into the connected V2 partner's dashboard. No eligible client, no tab.
use e2e::{
    CLIENTS, CLIENTS_TOTAL, CONNECT_LEGACY_PARTNER, LOG_IN, TestApp, UPGRADE_CLIENT, UPGRADE_TAB,
    legacy_example,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The example export plus two more eligible clients: one whose deadline has passed and
/// one due later; then a successful connect.
async fn connected_setup(app: &TestApp) -> (String, String) {
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    let clients = doc["partners"][0]["clients"].as_array_mut().unwrap();
    clients.push(json!({ "companyId": "OLD0001", "name": "Old Mill", "email": "old@mill.example", "status": "PAYING", "upgradeEligible": true, "upgradeDeadline": "2020-01-31T23:59:59Z" }));
    clients.push(json!({ "companyId": "NEW0002", "name": "New Leaf", "email": "hi@newleaf.example", "status": "TRIAL", "upgradeEligible": true, "upgradeDeadline": "2099-06-30T23:59:59Z" }));
    let p = app.legacy_partners(&doc.to_string()).await;
    (p.v1_owner, format!("{} {}", p.v2_owner, p.v2_company_id))
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
    assert_eq!(
        app.wait_connection_settled(&v1).await["status"],
        "CONNECTED"
    );

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
