//! Issue 16, item 2, and issue 22: access health. Every row of the client list says
//! whether the partner can log in to the client's account and when it last did; a client
//! taking the partner's access away emails the partner's owner, at most once an hour,
//! later changes folded into the next email.

use e2e::{LOG_IN_TO_CLIENT, TestApp};
use entity::delivery::{Column, Entity};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const ROW: &str = "query($id: ID!) { client(id: $id) { partnerAccess lastPartnerLoginAt } }";
const LIST: &str = "query($first: Int) { clients(first: $first) { edges { node { partnerAccess lastPartnerLoginAt } } } }";

async fn row(app: &TestApp, token: &str, id: &Value) -> Value {
    app.ok(Some(token), ROW, json!({ "id": id })).await["client"].clone()
}

#[tokio::test]
async fn every_row_says_whether_the_partner_can_log_in_and_when_it_last_did() {
    let app = TestApp::spawn().await;
    let p = app.partner_with_client().await;
    let r = row(&app, &p.partner, &p.client_id).await;
    assert_eq!(r["partnerAccess"], "OK");
    assert!(r["lastPartnerLoginAt"].is_null());

    let before = chrono::Utc::now();
    app.log_in_to_client(&p.partner, &p.client_id).await;
    let r = row(&app, &p.partner, &p.client_id).await;
    let at: chrono::DateTime<chrono::Utc> =
        r["lastPartnerLoginAt"].as_str().unwrap().parse().unwrap();
    assert!(at >= before - chrono::Duration::seconds(1), "{at}");

    // The client's owner demotes the partner's user: NOT_ADMIN, as logInToClient says.
    let partner_user = app
        .user_id(&p.client_owner, "rosa@ledgerline.example")
        .await;
    app.set_user_role(&p.client_owner, &partner_user, "MANAGER")
        .await;
    let r = row(&app, &p.partner, &p.client_id).await;
    assert_eq!(r["partnerAccess"], "NOT_ADMIN");
    let log_in = json!({ "id": p.client_id });
    assert_eq!(
        app.error_code(Some(&p.partner), LOG_IN_TO_CLIENT, log_in.clone())
            .await,
        "PARTNER_USER_NOT_ADMIN"
    );
    // …then deactivates it: INACTIVE.
    app.set_user_active(&p.client_owner, &partner_user, false)
        .await;
    // The list shows the same, in its one query.
    let list = app.ok(Some(&p.partner), LIST, json!({ "first": 10 })).await;
    let node = &list["clients"]["edges"][0]["node"];
    assert_eq!(node["partnerAccess"], "INACTIVE");
    assert!(node["lastPartnerLoginAt"].is_string());
    assert_eq!(
        app.error_code(Some(&p.partner), LOG_IN_TO_CLIENT, log_in)
            .await,
        "PARTNER_USER_INACTIVE"
    );
}

/// Mails to `to` whose subject contains `about`.
fn mails_about(app: &TestApp, to: &str, about: &str) -> Vec<e2e::Mail> {
    app.mails()
        .into_iter()
        .filter(|m| m.to.contains(to) && m.subject.contains(about))
        .collect()
}

const SUBJECT: &str = "changed your access to its account";

#[tokio::test]
async fn a_client_taking_away_the_partners_access_emails_the_partner_owner() {
    let app = TestApp::spawn().await;
    let p = app.partner_with_client().await;
    let partner_user = app
        .user_id(&p.client_owner, "rosa@ledgerline.example")
        .await;
    // A change to the client's own people is the client's business.
    app.add_user(&p.client_owner, "eve@cornershop.example", "Eve", "ADMIN")
        .await;
    let eve = app.user_id(&p.client_owner, "eve@cornershop.example").await;
    app.set_user_role(&p.client_owner, &eve, "EMPLOYEE").await;

    app.set_user_role(&p.client_owner, &partner_user, "MANAGER")
        .await;
    let mail = app.wait_for_mail("rosa@ledgerline.example", SUBJECT).await;
    // The client names itself: its name is in the email, not in the subject (issue 22).
    assert!(!mail.subject.contains("Corner Shop"), "{}", mail.subject);
    assert!(mail.text.contains("Corner Shop"), "{}", mail.text);
    // Roles in words, sentences with capitals (issue 24).
    assert!(
        mail.text
            .contains("changed the role of rosa@ledgerline.example to Manager"),
        "{}",
        mail.text
    );
    assert!(!mail.text.contains("MANAGER"), "{}", mail.text);
    assert!(
        mail.text.contains("cora@cornershop.example"),
        "{}",
        mail.text
    );
    // Deactivated too: said in the next email, which waits until an hour after the first
    // (issue 22: at most one such email an hour, later changes folded into it).
    app.set_user_active(&p.client_owner, &partner_user, false)
        .await;
    let waiting = Entity::find()
        .filter(Column::Kind.eq("partner_access_changed"))
        .filter(Column::Status.eq(entity::DeliveryStatus::Pending))
        .one(app.db())
        .await
        .unwrap()
        .expect("the next email waits in the outbox");
    assert!(
        waiting
            .payload
            .contains("made rosa@ledgerline.example inactive"),
        "{}",
        waiting.payload
    );
    assert!(
        waiting.next_attempt_at > chrono::Utc::now() + chrono::Duration::minutes(55),
        "{waiting:?}"
    );
    // Giving access back, and Eve's demotion, sent nothing more.
    app.set_user_active(&p.client_owner, &partner_user, true)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        mails_about(&app, "rosa@ledgerline.example", SUBJECT).len(),
        1
    );
    assert!(mails_about(&app, "eve@cornershop.example", SUBJECT).is_empty());
}
