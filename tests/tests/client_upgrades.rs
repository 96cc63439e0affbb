//! SPEC §6, the upgrade tab: a V1 partner's eligible clients, soonest deadline first;
//! once connected, any client administrator upgrades them one at a time, each before its
//! deadline, into the connected V2 partner's dashboard. No eligible client, no tab.
use e2e::{TestApp, UPGRADE_CLIENT, code_of, eventually, legacy_example, message_of, secs};
use serde_json::{Value, json};

/// The example export plus two more eligible clients: one whose deadline has passed and
/// one due later; imported beside the V2 firm (not connected yet). Returns the V1
/// owner's token, and the V2 owner's token and Company ID.
async fn connected_setup(app: &TestApp) -> (String, (String, String)) {
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    let clients = doc["partners"][0]["clients"].as_array_mut().unwrap();
    clients.push(json!({ "companyId": "OLD0001", "name": "Old Mill", "email": "old@mill.example", "status": "PAYING", "upgradeEligible": true, "upgradeDeadline": "2020-01-31T23:59:59Z" }));
    clients.push(json!({ "companyId": "NEW0002", "name": "New Leaf", "email": "hi@newleaf.example", "status": "TRIAL", "upgradeEligible": true, "upgradeDeadline": "2099-06-30T23:59:59Z" }));
    let p = app.legacy_partners(&doc.to_string()).await;
    (p.v1_owner, (p.v2_owner, p.v2_company_id))
}

/// The client id of the upgrade tab's candidate with this V1 Company ID.
async fn candidate_id(app: &TestApp, v1: &str, company_id: &str) -> Value {
    app.upgrade_candidate(v1, company_id).await["client"]["id"].clone()
}

/// The rows of the V2 firm's list.
async fn v2_list(app: &TestApp, token: &str) -> Vec<Value> {
    let l = app.clients(token, json!({})).await;
    l["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Upgrading `id` is refused with a message containing `why`; returns the answer.
async fn refused(app: &TestApp, token: &str, id: &Value, why: &str) -> Value {
    let b = app
        .gql(Some(token), UPGRADE_CLIENT, json!({ "id": id }))
        .await;
    assert!(message_of(&b).contains(why), "{b}");
    b
}

/// The tab lists eligible clients, soonest deadline first, before connecting too; an
/// upgrade before connecting is refused, saying so.
async fn the_tab_before_connecting(app: &TestApp, v1: &str) {
    let tab = app.upgrade_tab(v1).await;
    let order: Vec<&str> = tab["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client"]["companyId"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["OLD0001", "BKR2201", "NEW0002"]);
    assert_eq!(
        app.upgrade_candidate(v1, "BKR2201").await["deadline"],
        "2027-03-31T23:59:59+00:00"
    );
    let bakers = candidate_id(app, v1, "BKR2201").await;
    let b = refused(app, v1, &bakers, "connect this account").await;
    assert_eq!(code_of(&b), "BAD_USER_INPUT");
}

/// Twice: refused, and never a second account. Ineligible and late: refused with why.
/// Neither the V2 firm nor another partner may upgrade.
async fn refusals_after_the_first_upgrade(app: &TestApp, v1: &str, v2: &str) {
    let bakers = candidate_id(app, v1, "BKR2201").await;
    refused(app, v1, &bakers, "already been upgraded").await;
    let plumb = app.clients(v1, json!({ "search": "plumb" })).await;
    let plumb = plumb["edges"][0]["node"]["id"].clone();
    refused(app, v1, &plumb, "not eligible").await;
    let old_mill = candidate_id(app, v1, "OLD0001").await;
    refused(app, v1, &old_mill, "deadline (2020-01-31) has passed").await;
    assert_eq!(
        app.error_code(Some(v2), UPGRADE_CLIENT, json!({ "id": bakers }))
            .await,
        "FORBIDDEN"
    );
    let other = app.partner("other@elsewhere.example").await;
    assert_eq!(
        app.error_code(Some(&other), UPGRADE_CLIENT, json!({ "id": bakers }))
            .await,
        "FORBIDDEN"
    );
}

/// Waits (up to 15 s) until the V2 list has a row for `email`; returns the list then.
async fn wait_listed(app: &TestApp, token: &str, email: &str) -> Vec<Value> {
    let what = format!("the upgrade of {email} to reach the V2 client list");
    eventually(&what, secs(15), async || {
        let list = v2_list(app, token).await;
        if list.iter().any(|c| c["email"] == email) {
            Ok(list)
        } else {
            Err(list)
        }
    })
    .await
}

#[tokio::test]
async fn eligible_clients_are_upgraded_one_at_a_time_into_the_connected_v2_dashboard() {
    let app = TestApp::spawn().await;
    let (v1, (v2_token, v2_cid)) = connected_setup(&app).await;
    the_tab_before_connecting(&app, &v1).await;
    connect(&app, &v1, &v2_cid).await;

    // A client administrator (not only the owner) upgrades one client.
    let staff = app
        .log_in("staff@ledgerline.example", "legacy-staff-pass-1")
        .await;
    let bakers = candidate_id(&app, &v1, "BKR2201").await;
    let r = app.upgrade_client(&staff, &bakers).await;
    assert_eq!(r["client"]["companyId"], "BKR2201");
    let list = wait_listed(&app, &v2_token, "hello@bakersrow.example").await;
    let upgraded = list
        .into_iter()
        .find(|c| c["email"] == "hello@bakersrow.example")
        .unwrap();
    assert_eq!(upgraded["name"], "Bakers Row Cafe");
    assert_eq!(upgraded["status"], "PAYING", "paying status is kept");
    assert_ne!(upgraded["companyId"], "BKR2201", "a new V2 account");
    assert_eq!(
        app.upgrade_candidate(&v1, "BKR2201").await["upgraded"],
        true
    );
    // Its owner is emailed a link to set a password for the new account.
    app.set_password_from_mail("hello@bakersrow.example", "bakers-pass-1")
        .await;
    let owner = app
        .log_in_as("hello@bakersrow.example", "bakers-pass-1", None)
        .await;
    assert_eq!(owner["user"]["account"]["companyId"], upgraded["companyId"]);
    refusals_after_the_first_upgrade(&app, &v1, &v2_token).await;

    // Later, the other one; then nothing is left to upgrade and the tab goes away.
    assert!(app.upgrade_tab(&v1).await.is_object());
    let new_leaf = candidate_id(&app, &v1, "NEW0002").await;
    app.upgrade_client(&v1, &new_leaf).await;
    let list = wait_listed(&app, &v2_token, "hi@newleaf.example").await;
    assert_eq!(
        app.upgrade_tab(&v1).await,
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
    assert_eq!(app.client_count(&v1).await, 4);
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
    assert_eq!(app.upgrade_tab(&v1).await, Value::Null);
    let v2 = app.partner("rosa@v2firm.example").await;
    assert_eq!(app.upgrade_tab(&v2).await, Value::Null);
}

async fn connect(app: &TestApp, v1: &str, v2_cid: &str) {
    app.connect_legacy_partner(v1, v2_cid, "rosa@v2firm.example")
        .await;
    assert_eq!(app.wait_connection_settled(v1).await["status"], "CONNECTED");
}

/// Waits until the V2 list shows `email` with an account; returns its row.
async fn wait_listed_with_account(app: &TestApp, token: &str, email: &str) -> Value {
    eventually(&format!("{email} to be upgraded"), secs(15), async || {
        let list = v2_list(app, token).await;
        let rows: Vec<&Value> = list.iter().filter(|c| c["email"] == email).collect();
        assert!(rows.len() <= 1, "one row per client: {list:?}");
        match rows.first() {
            Some(c) if c["companyId"].is_string() => Ok((*c).clone()),
            _ => Err(list.clone()),
        }
    })
    .await
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
    let (v1, (v2_token, v2_cid)) = connected_setup(&app).await;
    // The V2 firm had invited the V1 client itself.
    app.invite(&v2_token, "hello@bakersrow.example", None).await;
    connect(&app, &v1, &v2_cid).await;
    let bakers = candidate_id(&app, &v1, "BKR2201").await;
    let new_leaf = candidate_id(&app, &v1, "NEW0002").await;
    app.upgrade_client(&v1, &bakers).await;
    let row = wait_listed_with_account(&app, &v2_token, "hello@bakersrow.example").await;
    assert_eq!(row["status"], "PAYING", "a paying client stays paying");
    assert_eq!(row["invitedVia"], "UPGRADE");
    assert_eq!(row["name"], "Bakers Row Cafe");
    assert!(row["trialEndsAt"].is_null());

    app.upgrade_client(&v1, &new_leaf).await;
    let row = wait_listed_with_account(&app, &v2_token, "hi@newleaf.example").await;
    assert_eq!(row["status"], "TRIAL", "a trial stays a trial");
    assert_eq!(row["invitedVia"], "UPGRADE");
    assert!(row["trialEndsAt"].is_string(), "{row}");
    assert_no_orphan_accounts(&app).await;
}

#[tokio::test]
async fn upgrading_a_client_that_has_a_v2_account_already_is_refused_and_creates_nothing() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let (v1, (v2_token, v2_cid)) = connected_setup(&app).await;
    app.create_client(
        &v2_token,
        "Bakers Row Cafe",
        "Bea",
        "hello@bakersrow.example",
    )
    .await;
    connect(&app, &v1, &v2_cid).await;
    let accounts = entity::account::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    let bakers = candidate_id(&app, &v1, "BKR2201").await;
    let b = refused(&app, &v1, &bakers, "already has a V2 account").await;
    assert_eq!(code_of(&b), "BAD_USER_INPUT", "{b}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        entity::account::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        accounts
    );
    let listed: Vec<Value> = v2_list(&app, &v2_token)
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
        .clients(&p.v1_owner, json!({ "search": "invited inn" }))
        .await;
    let inn = list["edges"][0]["node"].clone();
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
    assert_eq!(code_of(&b), "BAD_USER_INPUT", "{b}");
    assert!(message_of(&b).contains("upgrade"), "{b}");
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.to.contains("inn@invited.example"))
    );
}

/// The number of statements waiting on a lock to update `clients` (PostgreSQL).
async fn updates_waiting_on_a_lock(app: &TestApp) -> i64 {
    use sea_orm::ConnectionTrait;
    let sql = "SELECT count(*)::bigint AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE \"clients\"%'";
    app.db()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            sql,
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// The failed task, if any.
async fn failed_task(app: &TestApp) -> Option<entity::task::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::task::Entity::find()
        .filter(entity::task::Column::Status.eq(entity::TaskStatus::Failed))
        .one(app.db())
        .await
        .unwrap()
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
    let (v1, (v2_token, v2_cid)) = connected_setup(&app).await;
    let invited = app.invite(&v2_token, "hello@bakersrow.example", None).await;
    connect(&app, &v1, &v2_cid).await;
    let bakers = candidate_id(&app, &v1, "BKR2201").await;

    let accepting = app.db().begin().await.unwrap();
    accepting
        .execute_unprepared(&format!(
            "UPDATE clients SET status = 'TRIAL' WHERE id = {}",
            invited["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    app.upgrade_client(&v1, &bakers).await;
    // The worker's attaching UPDATE waits on the row.
    eventually("the upgrade to reach the row", secs(20), async || {
        updates_waiting_on_a_lock(&app).await > 0
    })
    .await;
    accepting.commit().await.unwrap();

    // The upgrade fails with the reason, and undoes everything it wrote.
    let t = eventually("the upgrade to settle", secs(20), async || {
        let c = app.upgrade_candidate(&v1, "BKR2201").await;
        assert_eq!(c["upgraded"], false, "{c}");
        failed_task(&app).await
    })
    .await;
    let why = t.last_error.unwrap_or_default();
    assert!(why.contains("already has a V2 account"), "{why}");
    assert_no_orphan_accounts(&app).await;
}
