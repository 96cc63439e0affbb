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

async fn connect(app: &TestApp, v1: &str, v2_cid: &str) {
    app.ok(
        Some(v1),
        CONNECT_LEGACY_PARTNER,
        json!({ "c": v2_cid, "e": "rosa@v2firm.example" }),
    )
    .await;
    assert_eq!(app.wait_connection_settled(v1).await["status"], "CONNECTED");
}

/// Waits until the V2 list shows `email` with an account; returns its row.
async fn wait_listed_with_account(app: &TestApp, token: &str, email: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let list = v2_list(app, token).await;
        let rows: Vec<&Value> = list.iter().filter(|c| c["email"] == email).collect();
        assert!(rows.len() <= 1, "one row per client: {list:?}");
        if let Some(c) = rows.first()
            && c["companyId"].is_string()
        {
            return (*c).clone();
        }
        assert!(Instant::now() < deadline, "never upgraded: {list:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every V2 client account is listed by a client row: an upgrade never leaves an orphan.
async fn assert_no_orphan_accounts(app: &TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let accounts = entity::account::Entity::find()
        .filter(entity::account::Column::Kind.eq(entity::AccountKind::Client))
        .filter(entity::account::Column::Platform.eq(entity::Platform::V2))
        .all(app.db())
        .await
        .unwrap();
    for a in accounts {
        let listed = entity::client::Entity::find()
            .filter(entity::client::Column::ClientAccountId.eq(a.id))
            .one(app.db())
            .await
            .unwrap();
        assert!(
            listed.is_some(),
            "orphan account {} ({})",
            a.name,
            a.company_id
        );
    }
}

#[tokio::test]
async fn an_upgrade_lands_on_the_row_the_v2_partner_had_and_keeps_the_clients_standing() {
    let app = TestApp::spawn().await;
    let (v1, v2) = connected_setup(&app).await;
    let (v2_token, v2_cid) = v2.split_once(' ').unwrap();
    // The V2 firm had invited the V1 client itself.
    app.invite(v2_token, "hello@bakersrow.example", None).await;
    connect(&app, &v1, v2_cid).await;
    let tab = app.ok(Some(&v1), UPGRADE_TAB, json!({})).await;
    let bakers = candidate(&tab, "BKR2201")["client"]["id"].clone();
    let new_leaf = candidate(&tab, "NEW0002")["client"]["id"].clone();
    app.ok(Some(&v1), UPGRADE_CLIENT, json!({ "id": bakers }))
        .await;
    let row = wait_listed_with_account(&app, v2_token, "hello@bakersrow.example").await;
    assert_eq!(row["status"], "PAYING", "a paying client stays paying");
    assert_eq!(row["invitedVia"], "UPGRADE");
    assert_eq!(row["name"], "Bakers Row Cafe");
    assert!(row["trialEndsAt"].is_null());

    app.ok(Some(&v1), UPGRADE_CLIENT, json!({ "id": new_leaf }))
        .await;
    let row = wait_listed_with_account(&app, v2_token, "hi@newleaf.example").await;
    assert_eq!(row["status"], "TRIAL", "a trial stays a trial");
    assert_eq!(row["invitedVia"], "UPGRADE");
    assert!(row["trialEndsAt"].is_string(), "{row}");
    assert_no_orphan_accounts(&app).await;
}

#[tokio::test]
async fn upgrading_a_client_that_has_a_v2_account_already_is_refused_and_creates_nothing() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let (v1, v2) = connected_setup(&app).await;
    let (v2_token, v2_cid) = v2.split_once(' ').unwrap();
    app.create_client(
        v2_token,
        "Bakers Row Cafe",
        "Bea",
        "hello@bakersrow.example",
    )
    .await;
    connect(&app, &v1, v2_cid).await;
    let accounts = entity::account::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    let tab = app.ok(Some(&v1), UPGRADE_TAB, json!({})).await;
    let bakers = candidate(&tab, "BKR2201")["client"]["id"].clone();
    let b = app
        .gql(Some(&v1), UPGRADE_CLIENT, json!({ "id": bakers }))
        .await;
    assert_eq!(
        b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{b}"
    );
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already has a V2 account"),
        "{b}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        entity::account::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        accounts
    );
    let listed: Vec<Value> = v2_list(&app, v2_token)
        .await
        .into_iter()
        .filter(|c| c["email"] == "hello@bakersrow.example")
        .collect();
    assert_eq!(listed.len(), 1);
    assert_no_orphan_accounts(&app).await;
}

/// An imported INVITED V1 client is moved to V2 by the upgrade, never re-invited: no
/// RESEND_INVITE, and `resendInvite` refuses saying what to do instead.
#[tokio::test]
async fn imported_v1_clients_are_upgraded_not_re_invited() {
    let app = TestApp::spawn().await;
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    doc["partners"][0]["clients"]
        .as_array_mut()
        .unwrap()
        .push(json!({
        "companyId": "INV0003", "name": "Invited Inn", "email": "inn@invited.example",
        "status": "INVITED", "upgradeEligible": true, "upgradeDeadline": "2099-06-30T23:59:59Z" }));
    let p = app.legacy_partners(&doc.to_string()).await;
    let list = app
        .ok(
            Some(&p.v1_owner),
            CLIENTS,
            json!({ "search": "invited inn" }),
        )
        .await;
    let inn = list["clients"]["edges"][0]["node"].clone();
    assert_eq!(inn["status"], "INVITED");
    assert!(
        !inn["availableActions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "RESEND_INVITE"),
        "{inn}"
    );
    let b = app
        .gql(
            Some(&p.v1_owner),
            e2e::RESEND_INVITE,
            json!({ "id": inn["id"] }),
        )
        .await;
    assert_eq!(
        b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{b}"
    );
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("upgrade"),
        "{b}"
    );
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.to.contains("inn@invited.example"))
    );
}

/// Issue 22 item 7: on PostgreSQL an upgrade reads the V2 partner's INVITED row, then
/// attaches the new account to it; an invite accepted in between must not leave the new
/// account listed nowhere. The test holds the row changed but not committed (as an
/// `acceptInvite` under way does) while the worker attaches, then commits.
#[tokio::test]
async fn prod_an_upgrade_racing_an_accepted_invite_leaves_no_orphan_account() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    e2e::assert_production_mode();
    let app = TestApp::spawn().await;
    let (v1, v2) = connected_setup(&app).await;
    let (v2_token, v2_cid) = v2.split_once(' ').unwrap();
    let invited = app.invite(v2_token, "hello@bakersrow.example", None).await;
    connect(&app, &v1, v2_cid).await;
    let tab = app.ok(Some(&v1), UPGRADE_TAB, json!({})).await;
    let bakers = candidate(&tab, "BKR2201")["client"]["id"].clone();

    let accepting = app.db().begin().await.unwrap();
    accepting
        .execute_unprepared(&format!(
            "UPDATE clients SET status = 'TRIAL' WHERE id = {}",
            invited["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    app.ok(Some(&v1), UPGRADE_CLIENT, json!({ "id": bakers }))
        .await;
    // The worker's attaching UPDATE waits on the row.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting = app
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT count(*)::bigint AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE \"clients\"%'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the upgrade never reached the row"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    accepting.commit().await.unwrap();

    // The upgrade fails with the reason, and undoes everything it wrote.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let tab = app.ok(Some(&v1), UPGRADE_TAB, json!({})).await;
        let c = candidate(&tab, "BKR2201").clone();
        assert_eq!(c["upgraded"], false, "{c}");
        let task = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            entity::task::Entity::find()
                .filter(entity::task::Column::Status.eq(entity::TaskStatus::Failed))
                .one(app.db())
                .await
                .unwrap()
        };
        if let Some(t) = task {
            let why = t.last_error.unwrap_or_default();
            assert!(why.contains("already has a V2 account"), "{why}");
            break;
        }
        assert!(Instant::now() < deadline, "the upgrade never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_no_orphan_accounts(&app).await;
}
