//! No enumeration (SPEC §8): a caller cannot tell known emails from unknown ones, neither
//! by the answer nor by what the request does. `requestPasswordReset` does the same work
//! for both (it records the request; the worker settles it), so it takes the same time;
//! `scripts/bench enumeration` measures those times, a test never does.

use e2e::{AUDIT_LOG, LOG_IN, REQUEST_PASSWORD_RESET, TestApp, code_of, eventually, secs};
use entity::{audit_event, delivery, password_reset_request, password_token, session};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

/// Rows of every table a password reset or a log-in could write.
async fn footprint(app: &TestApp) -> Vec<u64> {
    let db = app.db();
    vec![
        password_reset_request::Entity::find()
            .count(db)
            .await
            .unwrap(),
        password_token::Entity::find().count(db).await.unwrap(),
        delivery::Entity::find().count(db).await.unwrap(),
        audit_event::Entity::find().count(db).await.unwrap(),
        session::Entity::find().count(db).await.unwrap(),
    ]
}

fn diff(after: &[u64], before: &[u64]) -> Vec<u64> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}

#[tokio::test]
async fn unknown_and_known_emails_get_the_same_answer_and_the_same_work() {
    // No worker runs at first, so what each request itself writes can be compared.
    let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    app.partner("rosa@ledgerline.example").await;

    // logIn: an unknown email and a wrong password are one answer, and neither opens
    // a session.
    let before = footprint(&app).await;
    let unknown = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "nobody@ledgerline.example", "password": "wrong-password-1" }),
        )
        .await;
    let wrong = app
        .gql(
            None,
            LOG_IN,
            json!({ "email": "rosa@ledgerline.example", "password": "wrong-password-1" }),
        )
        .await;
    assert_eq!(unknown, wrong);
    assert_eq!(code_of(&unknown), "UNAUTHENTICATED", "{unknown}");
    assert_eq!(footprint(&app).await, before);

    // requestPasswordReset: the same answer, and the same single row written, for a
    // known and an unknown email. Nothing reveals a user: no link, no mail, no audit
    // event yet.
    let before = footprint(&app).await;
    let known = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "ROSA@ledgerline.example" }),
        )
        .await;
    let after_known = footprint(&app).await;
    let unknown = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "nobody@ledgerline.example" }),
        )
        .await;
    let after_unknown = footprint(&app).await;
    assert_eq!(known, json!({ "data": { "requestPasswordReset": true } }));
    assert_eq!(unknown, known);
    assert_eq!(diff(&after_known, &before), vec![1, 0, 0, 0, 0]);
    assert_eq!(diff(&after_unknown, &after_known), vec![1, 0, 0, 0, 0]);

    // A worker settles both: the known email gets its link, the unknown one nothing.
    let _worker = app.start_worker().await;
    app.wait_reset_requests_settled().await;
    let settled = footprint(&app).await;
    // One link, one email and one audit event, all for the known email.
    assert_eq!(diff(&settled, &after_unknown), vec![0, 1, 1, 1, 0]);
    let resets: Vec<String> = delivery::Entity::find()
        .filter(delivery::Column::Kind.eq("password_reset"))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.recipient)
        .collect();
    assert_eq!(resets, vec!["rosa@ledgerline.example".to_owned()]);
    let mail = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await;
    assert!(mail.link("http://app.test/reset-password/").is_some());
}

/// The audit log shows where a reset request came from, though the worker settled it.
#[tokio::test]
async fn a_settled_reset_request_is_audited_with_its_origin() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let answer = app
        .gql(
            None,
            REQUEST_PASSWORD_RESET,
            json!({ "email": "rosa@ledgerline.example" }),
        )
        .await;
    assert_eq!(answer, json!({ "data": { "requestPasswordReset": true } }));
    app.wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await;
    let log: Value = app
        .ok(Some(&owner), AUDIT_LOG, json!({ "first": 10 }))
        .await;
    let events = log["auditLog"]["edges"].as_array().unwrap();
    let reset = events
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["action"] == "user.password_reset_requested")
        .unwrap_or_else(|| panic!("no reset event in {log}"));
    assert_eq!(reset["actor"], Value::Null, "an anonymous request: {reset}");
    assert_eq!(
        reset["detail"],
        "reset link sent to rosa@ledgerline.example"
    );
    let row = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("user.password_reset_requested"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(row.ip.is_some(), "{row:?}");
    assert!(row.request_id.is_some_and(|r| !r.is_empty()));
}

/// A settled request holds an email and an address: it is deleted after 7 days, and the
/// ones still within them are kept.
#[tokio::test]
async fn settled_reset_requests_are_deleted_after_seven_days() {
    use sea_orm::ActiveValue::Set;
    let app = TestApp::spawn().await;
    let aged = |days: i64, email: &str| {
        let at = chrono::Utc::now() - chrono::Duration::days(days);
        password_reset_request::ActiveModel {
            email: Set(email.to_owned()),
            company_id: Set(None),
            ip: Set(Some("192.0.2.1".into())),
            request_id: Set(None),
            requested_at: Set(at),
            settled_at: Set(Some(at)),
            ..Default::default()
        }
    };
    password_reset_request::Entity::insert_many([
        aged(8, "old@ledgerline.example"),
        aged(6, "recent@ledgerline.example"),
    ])
    .exec(app.db())
    .await
    .unwrap();
    app.gql(
        None,
        REQUEST_PASSWORD_RESET,
        json!({ "email": "new@ledgerline.example" }),
    )
    .await;
    app.wait_reset_requests_settled().await;
    // The pass that settles a request deletes the aged ones right after it.
    let left = eventually("the aged request to be deleted", secs(20), async || {
        let mut left: Vec<String> = password_reset_request::Entity::find()
            .all(app.db())
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.email)
            .collect();
        left.sort();
        if left.len() <= 2 { Ok(left) } else { Err(left) }
    })
    .await;
    assert_eq!(
        left,
        vec!["new@ledgerline.example", "recent@ledgerline.example"]
    );
}
