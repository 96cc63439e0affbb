//! Issue 22 item 5: email a client or a partner can cause is bounded. A client changing a
//! partner's access many times sends the partner's owner one email a period, listing
//! the changes, with the client's name kept out of its subject; user changes are rate
//! limited per account; bulk-invite dry runs take from the partner's budget too.

use e2e::{TestApp, code_of};
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use std::time::Duration;

/// One request toggling a user's `active` `n` times (aliases), off first.
fn toggles(n: usize) -> String {
    let fields: String = (0..n)
        .map(|i| {
            format!(
                "t{i}: setUserActive(userId: $id, active: {}) {{ id }} ",
                i % 2 == 1
            )
        })
        .collect();
    format!("mutation($id: ID!) {{ {fields} }}")
}

#[tokio::test]
async fn a_client_changing_a_partners_access_sends_its_owner_one_email_a_period() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.create_client(
        &partner,
        "BUY NOW cheap pills",
        "Cora",
        "cora@cornershop.example",
    )
    .await;
    let cora = app
        .activate("cora@cornershop.example", "cora-password-1")
        .await;
    let seat = app.user_id(&cora, "rosa@ledgerline.example").await;

    // Twenty changes in one request: ten of them take the partner's access away.
    let body = app
        .gql(Some(&cora), &toggles(20), json!({ "id": seat }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let mail = app
        .wait_for_mail("rosa@ledgerline.example", "changed your access")
        .await;
    assert!(!mail.subject.contains("BUY NOW"), "{}", mail.subject);
    assert!(
        mail.text.contains("BUY NOW cheap pills"),
        "the body names it"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent = app
        .mails()
        .into_iter()
        .filter(|m| m.to == "rosa@ledgerline.example" && m.subject.contains("changed your access"))
        .count();
    assert_eq!(sent, 1, "one email now, not ten");
    // Changes after the first email left wait, folded into one, for the period's end.
    let notices = Delivery::find()
        .filter(Column::Kind.eq("partner_access_changed"))
        .order_by_asc(Column::Id)
        .all(app.db())
        .await
        .unwrap();
    assert!(notices.len() <= 2, "{notices:#?}");
    if let Some(later) = notices.get(1) {
        assert!(
            later.next_attempt_at > chrono::Utc::now() + chrono::Duration::minutes(55),
            "{later:#?}"
        );
    }
    let listed = notices
        .iter()
        .map(|d| d.payload.matches("inactive").count())
        .sum::<usize>();
    assert_eq!(listed, 10, "every change is told, once: {notices:#?}");
}

#[tokio::test]
async fn user_changes_are_limited_per_account() {
    let app = TestApp::spawn_with_args(&["--rate-limit-user-changes", "5/1h"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.add_user(&owner, "ada@ledgerline.example", "Ada", "ADMIN")
        .await;
    let ada = app.user_id(&owner, "ada@ledgerline.example").await;
    let body = app
        .gql(Some(&owner), &toggles(6), json!({ "id": ada }))
        .await;
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["RATE_LIMITED"], "{body}");
    assert_eq!(body["data"]["t4"]["id"], ada, "the first five ran");
}

#[tokio::test]
async fn bulk_invite_dry_runs_take_from_the_partners_budget() {
    const BULK: &str = "mutation($rows: [BulkInviteRow!]!, $dry: Boolean) {
        inviteClients(rows: $rows, dryRun: $dry) { wouldInvite } }";
    let app = TestApp::spawn_with_args(&["--rate-limit-bulk-rows", "600/1h"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let rows = |n: usize| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| json!({ "email": format!("c{i}@clients.example") }))
            .collect()
    };
    let d = app
        .ok(
            Some(&owner),
            BULK,
            json!({ "rows": rows(500), "dry": true }),
        )
        .await;
    assert_eq!(d["inviteClients"]["wouldInvite"], 500);
    let body = app
        .gql(
            Some(&owner),
            BULK,
            json!({ "rows": rows(200), "dry": true }),
        )
        .await;
    assert_eq!(code_of(&body), "RATE_LIMITED", "{body}");
    // Another firm's budget is its own.
    let other = app.partner("omar@othertax.example").await;
    app.ok(
        Some(&other),
        BULK,
        json!({ "rows": rows(200), "dry": true }),
    )
    .await;
}
