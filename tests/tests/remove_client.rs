//! Issue 24 item 1: a mistyped or unanswered invite can go. `removeClient` removes a row
//! that never accepted (its link stops working, the audit log keeps its history, the
//! email can be invited again); a row with an account stays.

use e2e::{ACCEPT_INVITE, REMOVE_CLIENT, TestApp, code_of, listed_emails, message_of, token_of};
use serde_json::{Value, json};

fn actions(row: &Value) -> Vec<&str> {
    row["availableActions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_partner_removes_an_invite_nobody_answered_and_can_invite_the_email_again() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let row = app
        .invite(&rosa, "gina@bakersrow.example", Some("Bakers Row"))
        .await;
    assert!(actions(&row).contains(&"REMOVE"), "{row}");
    let link = app.invite_link_mailed_to("gina@bakersrow.example").await;

    app.remove_client(&rosa, &row["id"]).await;

    let page = app.clients(&rosa, json!({ "first": 20 })).await;
    assert!(listed_emails(&page).is_empty(), "{page}");
    // The link the client holds says nothing and opens nothing.
    assert!(app.link_info(&token_of(&link), "INVITE").await.is_null());
    let accept = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&link), "input": {
                "companyName": "Bakers Row", "name": "Gina", "password": "gina-password-1" } }),
        )
        .await;
    assert_eq!(code_of(&accept), "BAD_USER_INPUT", "{accept}");
    // The audit log keeps the row's history, with whom and when it was invited.
    let removed = app.audit_entries(&rosa, "client.removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    let detail = removed[0]["detail"].as_str().unwrap();
    assert!(detail.contains("gina@bakersrow.example"), "{detail}");
    assert!(detail.contains("never accepted"), "{detail}");
    assert_eq!(app.audit_entries(&rosa, "client.invited").await.len(), 1);
    // The email is free again.
    let again = app.invite(&rosa, "gina@bakersrow.example", None).await;
    assert_eq!(again["status"], "INVITED");
    assert_ne!(again["id"], row["id"]);
}

#[tokio::test]
async fn an_expired_or_revoked_invite_can_be_removed_too() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let revoked = app.invite(&rosa, "rev@client.example", None).await;
    let revoked = app.revoke_invite(&rosa, &revoked["id"]).await;
    assert!(actions(&revoked).contains(&"REMOVE"), "{revoked}");
    let expired = app.invite(&rosa, "old@client.example", None).await;
    app.expire_invite(&expired["id"], chrono::Duration::minutes(1))
        .await;
    let listed = app.client(&rosa, &expired["id"]).await;
    assert!(actions(&listed).contains(&"REMOVE"), "{listed}");
    app.remove_client(&rosa, &revoked["id"]).await;
    app.remove_client(&rosa, &expired["id"]).await;
    assert_eq!(app.client_count(&rosa).await, 0);
}

#[tokio::test]
async fn a_client_with_an_account_and_other_partners_rows_stay() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let row = app.client(&s.partner, &s.client_id).await;
    assert!(!actions(&row).contains(&"REMOVE"), "{row}");
    let body = app
        .gql(
            Some(&s.partner),
            REMOVE_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    assert!(message_of(&body).contains("has an account"), "{body}");

    // Another partner's row is not yours to see, let alone remove.
    let other = app.partner("olga@otherfirm.example").await;
    let theirs = app.invite(&other, "tom@client.example", None).await;
    let body = app
        .gql(
            Some(&s.partner),
            REMOVE_CLIENT,
            json!({ "id": theirs["id"] }),
        )
        .await;
    assert_eq!(code_of(&body), "NOT_FOUND", "{body}");
    assert_eq!(app.client_count(&other).await, 1);

    // Removed once, it is gone: a second removal finds nothing.
    app.remove_client(&other, &theirs["id"]).await;
    let body = app
        .gql(Some(&other), REMOVE_CLIENT, json!({ "id": theirs["id"] }))
        .await;
    assert_eq!(code_of(&body), "NOT_FOUND", "{body}");

    // No session, a client's own owner, a malformed id.
    let body = app
        .gql(None, REMOVE_CLIENT, json!({ "id": s.client_id }))
        .await;
    assert_eq!(code_of(&body), "UNAUTHENTICATED", "{body}");
    let body = app
        .gql(
            Some(&s.client_owner),
            REMOVE_CLIENT,
            json!({ "id": s.client_id }),
        )
        .await;
    assert_eq!(code_of(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql(Some(&other), REMOVE_CLIENT, json!({ "id": "not-a-number" }))
        .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    let rows = app.clients(&s.partner, json!({ "first": 20 })).await;
    assert_eq!(listed_emails(&rows), ["cora@cornershop.example"]);
}
