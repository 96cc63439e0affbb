//! SPEC §6, legacy import: V1 partners, their users (with their V1 passwords) and their
//! clients; the whole file is checked first; importing twice changes nothing.

use e2e::{CLIENTS_BRIEF, LOG_IN, TestApp, legacy_example};
use entity::account;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

#[tokio::test]
async fn the_example_export_imports_and_v1_users_log_in_with_their_v1_passwords() {
    let app = TestApp::spawn().await;
    let r = app.import_legacy(&legacy_example()).await.unwrap();
    assert_eq!(
        (r.partners, r.users, r.clients, r.skipped_partners),
        (1, 2, 2, 0)
    );

    let owner = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    let me = app.me(Some(&owner)).await;
    assert_eq!(me["role"], "OWNER");
    assert_eq!(
        me["account"],
        json!({ "id": me["account"]["id"], "companyId": "LGC1024", "name": "Ledger & Line Bookkeeping", "kind": "PARTNER", "platform": "V1" })
    );
    let staff = app
        .log_in_as("staff@ledgerline.example", "legacy-staff-pass-1", None)
        .await;
    assert_eq!(staff["user"]["role"], "ADMIN");
    assert_eq!(
        app.error_code(
            None,
            LOG_IN,
            json!({ "email": "staff@ledgerline.example", "password": "legacy-owner-pass-1" })
        )
        .await,
        "UNAUTHENTICATED"
    );

    // The V1 clients are in the V1 partner's list with their statuses and Company IDs.
    let list = app.ok(Some(&owner), CLIENTS_BRIEF, json!({})).await;
    let nodes: Vec<Value> = list["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(
        nodes,
        vec![
            json!({ "companyId": "BKR2201", "name": "Bakers Row Cafe", "email": "hello@bakersrow.example", "status": "PAYING" }),
            json!({ "companyId": "PLM0042", "name": "Plumb Right Ltd", "email": "office@plumbright.example", "status": "TRIAL_EXPIRED" }),
        ]
    );
    // The V1 partner keeps working: it can still invite new clients.
    app.invite(&owner, "new@client.example", None).await;
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let app = TestApp::spawn().await;
    app.import_legacy(&legacy_example()).await.unwrap();
    let accounts = account::Entity::find().count(app.db()).await.unwrap();
    let again = app.import_legacy(&legacy_example()).await.unwrap();
    assert_eq!(
        (again.partners, again.clients, again.skipped_partners),
        (0, 0, 1)
    );
    assert_eq!(
        account::Entity::find().count(app.db()).await.unwrap(),
        accounts
    );
}

#[tokio::test]
async fn every_bad_record_is_reported_with_its_path_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    let p = &mut doc["partners"][0];
    p["users"][0]["role"] = json!("OWNER");
    p["users"][1]["role"] = json!("BOSS");
    p["users"][1]["passwordHash"] = json!("plaintext-password");
    p["clients"][0]["companyId"] = json!("BK2201");
    p["clients"][1]["email"] = json!("not-an-email");
    p["clients"][1]["upgradeEligible"] = json!(true);
    // A second partner with no owner, and a Company ID used twice.
    let mut second = doc["partners"][0].clone();
    second["users"] = json!([]);
    second["clients"] = json!([]);
    doc["partners"].as_array_mut().unwrap().push(second);
    let err = app.import_legacy(&doc.to_string()).await.unwrap_err();
    for expected in [
        "partners[0].users[1].role: unknown role \"BOSS\"",
        "partners[0].users[1].passwordHash: not an argon2 PHC string",
        "partners[0].clients[0].companyId: 'BK2201' is not a Company ID",
        "partners[0].clients[1].email: 'not-an-email' is not a valid email address",
        "partners[0].clients[1].upgradeDeadline: an eligible client needs a deadline",
        "partners[1].companyId: LGC1024 appears more than once in the file",
        "partners[1].users: needs exactly one OWNER, has 0",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(
        account::Entity::find().count(app.db()).await.unwrap(),
        0,
        "nothing written"
    );
    // Not JSON, and the wrong format.
    assert!(
        app.import_legacy("{ nope")
            .await
            .unwrap_err()
            .contains("not JSON")
    );
    let err = app
        .import_legacy(&json!({ "format": "other/2", "partners": [] }).to_string())
        .await
        .unwrap_err();
    assert!(
        err.contains("format: expected \"partner-legacy-export/1\""),
        "{err}"
    );
}

#[tokio::test]
async fn a_company_id_taken_by_another_account_is_refused() {
    let app = TestApp::spawn().await;
    let v2 = app.partner("rosa@ledgerline.example").await;
    let cid = app.me(Some(&v2)).await["account"]["companyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    doc["partners"][0]["companyId"] = json!(cid);
    let err = app.import_legacy(&doc.to_string()).await.unwrap_err();
    assert!(err.contains("already belongs to another account"), "{err}");
    assert_eq!(account::Entity::find().count(app.db()).await.unwrap(), 1);
}

#[tokio::test]
async fn a_generated_export_of_a_thousand_clients_imports() {
    let app = TestApp::spawn().await;
    let example: Value = serde_json::from_str(&legacy_example()).unwrap();
    let mut partners = Vec::new();
    for p in 0..2 {
        let mut partner = example["partners"][0].clone();
        partner["companyId"] = json!(format!("LGA{p:04}"));
        for u in partner["users"].as_array_mut().unwrap() {
            u["email"] = json!(u["email"].as_str().unwrap().replace('@', &format!("+{p}@")));
        }
        partner["clients"] = (0..500)
            .map(|c| json!({
                "companyId": format!("CLA{:04}", p * 500 + c), "name": format!("Client {c}"),
                "email": format!("c{c}@p{p}.example"), "status": "TRIAL", "upgradeEligible": c % 2 == 0,
                "upgradeDeadline": if c % 2 == 0 { json!("2027-03-31T23:59:59Z") } else { Value::Null } }))
            .collect();
        partners.push(partner);
    }
    let doc = json!({ "format": "partner-legacy-export/1", "partners": partners });
    let r = app.import_legacy(&doc.to_string()).await.unwrap();
    assert_eq!((r.partners, r.users, r.clients), (2, 4, 1000));
    let owner = app
        .log_in("owner+1@ledgerline.example", "legacy-owner-pass-1")
        .await;
    assert_eq!(app.client_count(&owner).await, 500);
}

/// Two clients of one partner with the same email are reported in the check, with their
/// path, before anything is written (they used to fail half-way with a database error).
#[tokio::test]
async fn duplicate_client_emails_in_a_partner_are_reported_before_writing() {
    let app = TestApp::spawn().await;
    let mut doc: Value = serde_json::from_str(&legacy_example()).unwrap();
    let first = doc["partners"][0]["clients"][0]["email"].clone();
    doc["partners"][0]["clients"][1]["email"] = json!(first.as_str().unwrap().to_uppercase());
    let err = app.import_legacy(&doc.to_string()).await.unwrap_err();
    assert!(
        err.contains("partners[0].clients[1].email:")
            && err.contains("is the email of another client of this partner"),
        "{err}"
    );
    assert_eq!(account::Entity::find().count(app.db()).await.unwrap(), 0);
}

/// A failure while writing (here a partner that slipped past the checks twice) leaves
/// nothing of the import behind, not the partners written before it.
#[tokio::test]
async fn a_failure_while_writing_leaves_nothing_half_written() {
    let app = TestApp::spawn().await;
    let mut partners = worker::legacy::parse(&legacy_example()).unwrap();
    let again = worker::legacy::parse(&legacy_example()).unwrap().remove(0);
    partners.push(again);
    assert!(
        worker::legacy::write(app.db(), &partners, |_| {})
            .await
            .is_err()
    );
    assert_eq!(account::Entity::find().count(app.db()).await.unwrap(), 0);
    assert_eq!(
        entity::user::Entity::find().count(app.db()).await.unwrap(),
        0
    );
}
