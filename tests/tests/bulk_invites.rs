//! Issue 16 item 5: bulk invites. Up to 500 rows, an outcome per row, a dry run that
//! writes and sends nothing, one transaction for a real run, nobody invited twice, and the
//! partner's invite limit counting each invited row.

use e2e::TestApp;
use entity::{client, delivery};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const BULK: &str = "mutation($rows: [BulkInviteRow!]!, $dry: Boolean) {
    inviteClients(rows: $rows, dryRun: $dry) {
      invited wouldInvite skipped invalid
      results { row email outcome message client { id email status invitedVia inviteState } } } }";

async fn counts(app: &TestApp) -> (u64, u64) {
    let clients = client::Entity::find().count(app.db()).await.unwrap();
    let invites = delivery::Entity::find()
        .filter(delivery::Column::Kind.eq("invite"))
        .count(app.db())
        .await
        .unwrap();
    (clients, invites)
}

fn outcomes(report: &Value) -> Vec<(i64, String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["email"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_preview_then_a_real_run_gives_every_row_its_outcome_and_invites_nobody_twice() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "known@client.example", None).await;
    let rows = json!([
        { "email": "new1@client.example", "companyName": "New One Ltd" },
        { "email": "Known@Client.example" },
        { "email": "not-an-email" },
        { "email": "NEW1@client.example" },
        { "email": "new2@client.example", "companyName": "Bad\u{202e}Name" },
        { "email": "new3@client.example", "companyName": "  " },
    ]);
    let before = counts(&app).await;

    // Dry run: every outcome, nothing written or sent.
    let d = app
        .ok(Some(&owner), BULK, json!({ "rows": rows, "dry": true }))
        .await;
    let r = &d["inviteClients"];
    assert_eq!(
        outcomes(r),
        [
            (1, "new1@client.example".into(), "WOULD_INVITE".into()),
            (2, "known@client.example".into(), "ALREADY_CLIENT".into()),
            (3, "not-an-email".into(), "INVALID".into()),
            (4, "new1@client.example".into(), "DUPLICATE_IN_BATCH".into()),
            (5, "new2@client.example".into(), "INVALID".into()),
            (6, "new3@client.example".into(), "WOULD_INVITE".into()),
        ]
    );
    assert_eq!(
        (
            &r["invited"],
            &r["wouldInvite"],
            &r["skipped"],
            &r["invalid"]
        ),
        (&json!(0), &json!(2), &json!(2), &json!(2))
    );
    assert!(
        r["results"][2]["message"]
            .as_str()
            .unwrap()
            .contains("email")
    );
    assert!(
        r["results"][4]["message"]
            .as_str()
            .unwrap()
            .contains("companyName")
    );
    assert_eq!(r["results"][1]["client"]["email"], "known@client.example");
    assert_eq!(
        counts(&app).await,
        before,
        "a dry run writes and sends nothing"
    );

    // The real run: the two valid new rows, with their emails.
    let d = app.ok(Some(&owner), BULK, json!({ "rows": rows })).await;
    let r = &d["inviteClients"];
    assert_eq!(
        (
            &r["invited"],
            &r["wouldInvite"],
            &r["skipped"],
            &r["invalid"]
        ),
        (&json!(2), &json!(0), &json!(2), &json!(2))
    );
    let first = &r["results"][0];
    assert_eq!(first["outcome"], "INVITED");
    assert_eq!(first["client"]["status"], "INVITED");
    assert_eq!(first["client"]["invitedVia"], "EMAIL");
    assert_eq!(first["client"]["inviteState"], "SENT");
    assert_eq!(counts(&app).await, (before.0 + 2, before.1 + 2));
    let mail = app
        .wait_for_mail("new1@client.example", "invites you")
        .await;
    assert!(mail.link("http://app.test/invite/").is_some());
    app.wait_for_mail("new3@client.example", "invites you")
        .await;

    // The same rows again: nobody is invited twice.
    let d = app.ok(Some(&owner), BULK, json!({ "rows": rows })).await;
    let r = &d["inviteClients"];
    assert_eq!(r["invited"], 0);
    assert_eq!(r["skipped"], 4);
    assert_eq!(counts(&app).await, (before.0 + 2, before.1 + 2));

    // The list shows them; the audit log has the batch.
    let list = app
        .ok(Some(&owner), e2e::CLIENTS, json!({ "first": 50 }))
        .await;
    assert_eq!(list["clients"]["totalCount"], 3);
    let log = app
        .ok(Some(&owner), e2e::AUDIT_LOG, json!({ "first": 10 }))
        .await;
    assert!(
        log["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["action"] == "client.bulk_invited"
                && e["node"]["detail"] == "invited 2 of 6 rows by email")
    );
}

#[tokio::test]
async fn more_than_500_rows_are_refused_and_the_invite_limit_counts_each_row() {
    let app = TestApp::spawn_with_args(&["--rate-limit-invites", "5/1h"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let rows = |n: usize, prefix: &str| -> Value {
        (0..n)
            .map(|i| json!({ "email": format!("{prefix}{i}@client.example") }))
            .collect()
    };
    let body = app
        .gql(Some(&owner), BULK, json!({ "rows": rows(501, "x") }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "rows");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 500")
    );
    // A dry run of 500 is fine (it invites nobody, so the limit does not count it).
    let d = app
        .ok(
            Some(&owner),
            BULK,
            json!({ "rows": rows(500, "x"), "dry": true }),
        )
        .await;
    assert_eq!(d["inviteClients"]["wouldInvite"], 500);
    // Six would pass the limit of five: refused whole, nothing written.
    let before = counts(&app).await;
    let body = app
        .gql(Some(&owner), BULK, json!({ "rows": rows(6, "y") }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(counts(&app).await, before);
    // Four pass and take four; then two more would pass the limit, one still fits.
    let d = app
        .ok(Some(&owner), BULK, json!({ "rows": rows(4, "z") }))
        .await;
    assert_eq!(d["inviteClients"]["invited"], 4);
    let body = app
        .gql(Some(&owner), BULK, json!({ "rows": rows(2, "w") }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        body["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            > 0
    );
    app.invite(&owner, "last@client.example", None).await;
    assert_eq!(
        app.error_code(
            Some(&owner),
            e2e::INVITE,
            json!({ "email": "one-more@client.example" })
        )
        .await,
        "RATE_LIMITED"
    );
}
