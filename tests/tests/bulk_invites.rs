//! Issue 16 item 5: bulk invites. Up to 500 rows, an outcome per row, a dry run that
//! writes and sends nothing, one transaction for a real run, nobody invited twice, and the
//! partner's invite limit counting each invited row.

use e2e::{TestApp, code_of, field_of, message_of, retry_after_of};
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

/// `(invited, wouldInvite, skipped, invalid)` of a report.
fn tally(r: &Value) -> [&Value; 4] {
    [
        &r["invited"],
        &r["wouldInvite"],
        &r["skipped"],
        &r["invalid"],
    ]
}

/// The six rows of the batch: two new, one already a client (other case), one bad email,
/// one repeat in the batch, one company name with a direction mark, one blank name.
fn six_rows() -> Value {
    json!([
        { "email": "new1@client.example", "companyName": "New One Ltd" },
        { "email": "Known@Client.example" },
        { "email": "not-an-email" },
        { "email": "NEW1@client.example" },
        { "email": "new2@client.example", "companyName": "Bad\u{202e}Name" },
        { "email": "new3@client.example", "companyName": "  " },
    ])
}

/// Dry run: every outcome, nothing written or sent.
async fn a_dry_run_writes_nothing(app: &TestApp, owner: &str, before: (u64, u64)) {
    let d = app
        .ok(
            Some(owner),
            BULK,
            json!({ "rows": six_rows(), "dry": true }),
        )
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
    assert_eq!(tally(r), [&json!(0), &json!(2), &json!(2), &json!(2)]);
    let message = |i: usize| r["results"][i]["message"].as_str().unwrap();
    assert!(message(2).contains("email"));
    assert!(message(4).contains("companyName"));
    assert_eq!(r["results"][1]["client"]["email"], "known@client.example");
    assert_eq!(
        counts(app).await,
        before,
        "a dry run writes and sends nothing"
    );
}

#[tokio::test]
async fn a_preview_then_a_real_run_gives_every_row_its_outcome_and_invites_nobody_twice() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "known@client.example", None).await;
    let before = counts(&app).await;
    a_dry_run_writes_nothing(&app, &owner, before).await;

    // The real run: the two valid new rows, with their emails.
    let d = app
        .ok(Some(&owner), BULK, json!({ "rows": six_rows() }))
        .await;
    let r = &d["inviteClients"];
    assert_eq!(tally(r), [&json!(2), &json!(0), &json!(2), &json!(2)]);
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
    let d = app
        .ok(Some(&owner), BULK, json!({ "rows": six_rows() }))
        .await;
    let r = &d["inviteClients"];
    assert_eq!(r["invited"], 0);
    assert_eq!(r["skipped"], 4);
    assert_eq!(counts(&app).await, (before.0 + 2, before.1 + 2));

    // The list shows them; the audit log has the batch.
    assert_eq!(app.client_count(&owner).await, 3);
    let batch = app.audit_entries(&owner, "client.bulk_invited").await;
    assert!(
        batch
            .iter()
            .any(|e| e["detail"] == "invited 2 of 6 rows by email"),
        "{batch:?}"
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
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert_eq!(field_of(&body), "rows");
    assert!(message_of(&body).contains("at most 500"));
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
    assert_eq!(code_of(&body), "RATE_LIMITED");
    assert_eq!(counts(&app).await, before);
    // Four pass and take four; then two more would pass the limit, one still fits.
    let d = app
        .ok(Some(&owner), BULK, json!({ "rows": rows(4, "z") }))
        .await;
    assert_eq!(d["inviteClients"]["invited"], 4);
    let body = app
        .gql(Some(&owner), BULK, json!({ "rows": rows(2, "w") }))
        .await;
    assert_eq!(code_of(&body), "RATE_LIMITED");
    assert!(retry_after_of(&body) > 0);
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
