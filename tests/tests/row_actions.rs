//! Issue 22 item 7: one rule for the actions a client row offers. Every mutation that
//! answers a `Client` answers the `availableActions` the list shows for the same row and
//! caller, for a V2 partner and for a V1 partner (whose clients move to V2 by upgrade,
//! never by an invite: no resend or revoke, and both mutations refuse).

use e2e::{
    REMOVE_CLIENT, RESEND_INVITE, REVOKE_INVITE, TestApp, code_of, legacy_example, message_of,
};
use serde_json::{Value, json};

const ROW: &str = "query($id: ID!) { client(id: $id) { availableActions } }";

/// The V2 partner's owner and the V1 partner's owner (imported).
async fn partners(app: &TestApp) -> [String; 2] {
    let v2 = app.partner("rosa@v2firm.example").await;
    app.import_legacy(&legacy_example()).await.unwrap();
    let v1 = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    [v2, v1]
}

/// Asserts that `answered` (a `Client` a mutation answered) offers what the list offers.
async fn same_as_the_list(app: &TestApp, token: &str, answered: &Value) {
    let listed = app
        .ok(Some(token), ROW, json!({ "id": answered["id"] }))
        .await;
    assert_eq!(
        answered["availableActions"], listed["client"]["availableActions"],
        "{answered}"
    );
}

fn actions(v: &Value) -> Vec<&str> {
    v["availableActions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn invite_client_by_email_answers_the_lists_actions() {
    let app = TestApp::spawn().await;
    for (i, token) in partners(&app).await.iter().enumerate() {
        let c = app
            .ok(
                Some(token),
                "mutation($e: String!) { inviteClientByEmail(email: $e) { id availableActions } }",
                json!({ "e": format!("new{i}@client.example") }),
            )
            .await["inviteClientByEmail"]
            .clone();
        same_as_the_list(&app, token, &c).await;
    }
}

#[tokio::test]
async fn create_client_account_answers_the_lists_actions() {
    let app = TestApp::spawn().await;
    for (i, token) in partners(&app).await.iter().enumerate() {
        let c = app
            .ok(
                Some(token),
                "mutation($e: String!) { createClientAccount(input: { companyName: \"Co\", contactName: \"C\", contactEmail: $e }) { id availableActions } }",
                json!({ "e": format!("form{i}@client.example") }),
            )
            .await["createClientAccount"]
            .clone();
        assert!(actions(&c).contains(&"LOG_IN"), "{c}");
        same_as_the_list(&app, token, &c).await;
    }
}

#[tokio::test]
async fn invite_clients_answers_the_lists_actions() {
    let app = TestApp::spawn().await;
    for (i, token) in partners(&app).await.iter().enumerate() {
        let r = app
            .ok(
                Some(token),
                "mutation($e: String!) { inviteClients(rows: [{ email: $e }]) { results { client { id availableActions } } } }",
                json!({ "e": format!("bulk{i}@client.example") }),
            )
            .await;
        let c = r["inviteClients"]["results"][0]["client"].clone();
        same_as_the_list(&app, token, &c).await;
    }
}

#[tokio::test]
async fn resend_and_revoke_answer_the_lists_actions_and_v1_partners_use_neither() {
    let app = TestApp::spawn_with_args(&["--resend-interval", "1ms"]).await;
    let [v2, v1] = partners(&app).await;
    let invited = app.invite(&v2, "bea@bakery.example", None).await;
    let resent = app.resend_invite(&v2, &invited["id"]).await;
    same_as_the_list(&app, &v2, &resent).await;
    let revoked = app.revoke_invite(&v2, &invited["id"]).await;
    assert!(!actions(&revoked).contains(&"REVOKE_INVITE"), "{revoked}");
    same_as_the_list(&app, &v2, &revoked).await;

    // A V1 partner's invited row offers none of them, and each is refused.
    let v1_row = app.invite(&v1, "cal@cafe.example", None).await;
    let listed = app.ok(Some(&v1), ROW, json!({ "id": v1_row["id"] })).await;
    assert_eq!(listed["client"]["availableActions"], json!([]));
    for op in [RESEND_INVITE, REVOKE_INVITE, REMOVE_CLIENT] {
        let body = app.gql(Some(&v1), op, json!({ "id": v1_row["id"] })).await;
        assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
        assert!(message_of(&body).contains("upgrade"), "{body}");
    }
}
