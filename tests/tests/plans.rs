//! Issue 16, item 4: the plans a client can subscribe to come from configuration
//! (`PLANS`), and `subscribe` takes exactly them; a bad setting stops the gateway.

use e2e::{SUBSCRIBE, TestApp, code_of, message_of};
use serde_json::json;

const PLANS: &str = "{ plans { id name description } }";

#[tokio::test]
async fn plans_come_from_configuration_and_subscribe_takes_exactly_them() {
    // The default: today's monthly and annual.
    let app = TestApp::spawn().await;
    let d = app.ok(None, PLANS, json!({})).await;
    let ids: Vec<&str> = d["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["monthly", "annual"]);
    assert!(d["plans"][0]["name"].is_string() && d["plans"][0]["description"].is_string());
    drop(app);

    let plans = r#"[{"id":"starter","name":"Starter","description":"Up to 5 users"},{"id":"pro","name":"Pro"}]"#;
    let app = TestApp::spawn_with_args(&["--plans", plans]).await;
    let d = app.ok(None, PLANS, json!({})).await;
    assert_eq!(
        d["plans"],
        json!([
            { "id": "starter", "name": "Starter", "description": "Up to 5 users" },
            { "id": "pro", "name": "Pro", "description": null }
        ])
    );
    let p = app.partner_with_client().await;
    let body = app
        .gql(
            Some(&p.client_owner),
            SUBSCRIBE,
            json!({ "plan": "monthly" }),
        )
        .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT");
    assert!(message_of(&body).contains("starter, pro"));
    app.subscribe(&p.client_owner, "pro").await;
    assert_eq!(
        app.client(&p.partner, &p.client_id).await["status"],
        "PAYING"
    );
}

#[tokio::test]
async fn a_bad_plans_setting_stops_the_gateway_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(e2e::binary("gateway"))
        .env("PLANS", r#"[{"id":"Has Spaces","name":"X"}]"#)
        .env("DATA_DIR", dir.path())
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plan id 'Has Spaces'"), "{err}");
}
