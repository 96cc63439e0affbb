//! Issue 24 item 1 (SPEC §3): an invite that was never accepted does not lock its email.
//! `createClientAccount` for the email of an INVITED row (sent, expired or revoked) turns
//! that row into the form-created account: same row, its invite link stops working and
//! says why, the audit log keeps the row's history.

use e2e::{ACCEPT_INVITE, CREATE_CLIENT, TestApp, code_of, message_of, token_of};
use serde_json::json;

#[tokio::test]
async fn the_form_turns_an_unanswered_invite_into_the_account() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let invited = app
        .invite(&rosa, "gina@bakersrow.example", Some("Bakers"))
        .await;
    let link = app.invite_link_mailed_to("gina@bakersrow.example").await;

    let created = app
        .create_client(&rosa, "Bakers Row", "Gina", "gina@bakersrow.example")
        .await;
    assert_eq!(created["id"], invited["id"], "the same row: {created}");
    assert_eq!(created["status"], "TRIAL");
    assert_eq!(created["invitedVia"], "FORM");
    assert_eq!(created["name"], "Bakers Row");
    assert!(
        created["availableActions"]
            .as_array()
            .unwrap()
            .contains(&json!("LOG_IN")),
        "the partner can log in now: {created}"
    );
    assert_eq!(app.client_count(&rosa).await, 1);

    // The invite link stops working, and says why before and after a form is filled in.
    let info = app.link_info(&token_of(&link), "INVITE").await;
    assert_eq!(info["state"], "USED", "{info}");
    let accept = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&link), "input": {
                "companyName": "Bakers Row", "name": "Gina", "password": "gina-password-1" } }),
        )
        .await;
    assert_eq!(code_of(&accept), "BAD_USER_INPUT", "{accept}");
    assert!(
        message_of(&accept).contains("already opened your account"),
        "{accept}"
    );
    // The client sets a password with the form's email and logs in.
    app.set_password_from_mail("gina@bakersrow.example", "gina-password-1")
        .await;
    app.log_in("gina@bakersrow.example", "gina-password-1")
        .await;
    // The row's history: invited, then created over that invite.
    let created_entries = app.audit_entries(&rosa, "client.created").await;
    assert_eq!(created_entries.len(), 1);
    let detail = created_entries[0]["detail"].as_str().unwrap();
    assert!(detail.contains("invited on"), "{detail}");
    assert_eq!(app.audit_entries(&rosa, "client.invited").await.len(), 1);
}

#[tokio::test]
async fn a_revoked_or_expired_invite_can_be_taken_over_but_an_account_cannot() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let revoked = app.invite(&rosa, "rev@client.example", None).await;
    app.revoke_invite(&rosa, &revoked["id"]).await;
    let c = app
        .create_client(&rosa, "Rev Co", "Rev", "rev@client.example")
        .await;
    assert_eq!((&c["id"], &c["status"]), (&revoked["id"], &json!("TRIAL")));

    let expired = app.invite(&rosa, "old@client.example", None).await;
    app.expire_invite(&expired["id"], chrono::Duration::minutes(1))
        .await;
    let c = app
        .create_client(&rosa, "Old Co", "Olly", "old@client.example")
        .await;
    assert_eq!((&c["id"], &c["status"]), (&expired["id"], &json!("TRIAL")));

    // A client with an account is a conflict, and nothing changes.
    let again = app
        .gql(
            Some(&rosa),
            CREATE_CLIENT,
            json!({ "input": { "companyName": "Twice", "contactName": "Rev",
                "contactEmail": "rev@client.example" } }),
        )
        .await;
    assert_eq!(code_of(&again), "CONFLICT", "{again}");
    assert_eq!(app.client(&rosa, &revoked["id"]).await["name"], "Rev Co");
    assert_eq!(app.client_count(&rosa).await, 2);
}
