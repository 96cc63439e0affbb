//! SPEC §5, the audit log: every invite, resend, log in, reset, role or active change
//! and subscription, newest first, paged, for the partner owner only.

use e2e::{
    AUDIT_LOG, CLIENTS_TOTAL, RESEND_INVITE, RESET_CLIENT_PASSWORD, SET_USER_ACTIVE, SET_USER_ROLE,
    SUBSCRIBE, TestApp,
};
use entity::client;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::json;

#[tokio::test]
async fn the_audit_log_records_each_action_for_the_partner_owner_only() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let c = app
        .invite(&s.partner, "hello@bakersrow.example", None)
        .await;
    let earlier = chrono::Utc::now() - chrono::Duration::minutes(6);
    client::Entity::update_many()
        .col_expr(client::Column::LastInviteSentAt, Expr::value(earlier))
        .exec(app.db())
        .await
        .unwrap();
    app.ok(Some(&s.partner), RESEND_INVITE, json!({ "id": c["id"] }))
        .await;
    app.log_in_to_client(&s.partner, &s.client_id).await;
    app.ok(
        Some(&s.partner),
        RESET_CLIENT_PASSWORD,
        json!({ "id": s.client_id }),
    )
    .await;
    let partner_in_client = app
        .user_id(&s.client_owner, "rosa@ledgerline.example")
        .await;
    app.ok(
        Some(&s.client_owner),
        SET_USER_ROLE,
        json!({ "id": partner_in_client, "role": "MANAGER" }),
    )
    .await;
    app.ok(
        Some(&s.client_owner),
        SET_USER_ACTIVE,
        json!({ "id": partner_in_client, "a": false }),
    )
    .await;
    app.ok(
        Some(&s.client_owner),
        SUBSCRIBE,
        json!({ "plan": "monthly" }),
    )
    .await;

    let log = app
        .ok(Some(&s.partner), AUDIT_LOG, json!({ "first": 50 }))
        .await["auditLog"]
        .clone();
    let events = log["edges"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "client.subscribed",
            "user.deactivated",
            "user.role_changed",
            "client.password_reset_requested",
            "client.log_in",
            "client.invite_resent",
            "client.invited",
            "client.created",
        ],
        "newest first"
    );
    let log_in = &events[4]["node"];
    assert_eq!(log_in["actor"]["email"], "rosa@ledgerline.example");
    assert_eq!(log_in["actor"]["account"]["kind"], "PARTNER");
    assert_eq!(log_in["targetClient"]["email"], "cora@cornershop.example");
    assert_eq!(log_in["ip"], "127.0.0.1");
    assert!(!log_in["requestId"].as_str().unwrap().is_empty());
    let demoted = &events[2]["node"];
    assert_eq!(demoted["actor"]["email"], "cora@cornershop.example");
    assert!(
        demoted["detail"]
            .as_str()
            .unwrap()
            .contains("ADMIN → MANAGER"),
        "{demoted}"
    );

    // Pages.
    let p1 = app
        .ok(Some(&s.partner), AUDIT_LOG, json!({ "first": 3 }))
        .await["auditLog"]
        .clone();
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    let p2 = app
        .ok(
            Some(&s.partner),
            AUDIT_LOG,
            json!({ "first": 3, "after": p1["pageInfo"]["endCursor"] }),
        )
        .await["auditLog"]
        .clone();
    assert_eq!(
        p2["edges"][0]["node"]["action"],
        "client.password_reset_requested"
    );
    assert_eq!(
        app.error_code(Some(&s.partner), AUDIT_LOG, json!({ "first": 0 }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&s.partner), AUDIT_LOG, json!({ "after": "bogus" }))
            .await,
        "BAD_USER_INPUT"
    );

    // Nobody else reads it.
    let other = app.partner("other@elsewhere.example").await;
    assert!(
        app.ok(Some(&other), AUDIT_LOG, json!({})).await["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.error_code(Some(&s.client_owner), AUDIT_LOG, json!({}))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(None, AUDIT_LOG, json!({})).await,
        "UNAUTHENTICATED"
    );
    // A partner ADMIN is not the owner.
    app.add_user(&s.partner, "sam@ledgerline.example", "Sam", "ADMIN")
        .await;
    let sam = app
        .activate("sam@ledgerline.example", "sam-password-12")
        .await;
    assert_eq!(
        app.error_code(Some(&sam), AUDIT_LOG, json!({})).await,
        "FORBIDDEN"
    );
    // …but as a client administrator of the firm, Sam invites and lists clients.
    app.invite(&sam, "new@client.example", None).await;
    assert_eq!(
        app.ok(Some(&sam), CLIENTS_TOTAL, json!({})).await["clients"]["totalCount"],
        3
    );
}
