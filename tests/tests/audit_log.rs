//! SPEC §5, the audit log: every invite, resend, log in, reset, role or active change
//! and subscription, newest first, paged, for the account owner only.

use e2e::{
    ACCEPT_INVITE, AUDIT_LOG, CLIENTS_TOTAL, CONNECT_LEGACY_PARTNER, INVITE_LINK,
    REGENERATE_INVITE_LINK, REQUEST_PASSWORD_RESET, RESEND_INVITE, RESET_CLIENT_PASSWORD,
    RESET_PASSWORD, SET_USER_ACTIVE, SET_USER_ROLE, SUBSCRIBE, TestApp, bea_accepts,
    legacy_example, token_of,
};
use entity::client;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};

#[tokio::test]
async fn the_audit_log_records_each_action_for_the_account_owner_only() {
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
            "user.password_set",
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
    // The client's owner reads the client account's own log (issue 22): what was done
    // in that account, never the partner's own business.
    let own = app
        .ok(Some(&s.client_owner), AUDIT_LOG, json!({ "first": 100 }))
        .await;
    let actions: Vec<&str> = own["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"client.subscribed"), "{actions:?}");
    assert!(!actions.contains(&"client.invited"), "{actions:?}");
    assert!(!actions.contains(&"client.invite_resent"), "{actions:?}");
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

async fn actions(app: &TestApp, token: &str) -> Vec<String> {
    app.ok(Some(token), AUDIT_LOG, json!({ "first": 50 })).await["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap().to_owned())
        .collect()
}

/// What clients and anonymous callers do with a partner's links lands in its log too:
/// an invite accepted, a sign-up through the invite link, the link regenerated, a
/// password set or reset through an emailed link; and a V1 partner's Partner Connect
/// result.
#[tokio::test]
async fn link_uses_password_changes_and_connect_results_are_audited() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.invite(&partner, "hello@bakersrow.example", None).await;
    let link = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    app.ok(None, ACCEPT_INVITE, bea_accepts(&link)).await;

    let code = app.ok(Some(&partner), INVITE_LINK, json!({})).await["inviteLink"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        None,
        e2e::SIGN_UP,
        json!({ "input": { "companyName": "Corner Shop", "name": "Cora",
        "email": "cora@cornershop.example", "password": "cora-password-1",
        "isAccountantOrBookkeeper": false, "partnerCode": code } }),
    )
    .await;
    app.ok(Some(&partner), REGENERATE_INVITE_LINK, json!({}))
        .await;

    app.ok(
        None,
        REQUEST_PASSWORD_RESET,
        json!({ "email": "hello@bakersrow.example" }),
    )
    .await;
    let reset = app
        .wait_for_mail("hello@bakersrow.example", "Reset your password")
        .await
        .link("http://app.test/reset-password/")
        .unwrap();
    app.ok(
        None,
        RESET_PASSWORD,
        json!({ "t": token_of(&reset), "p": "bea-password-2" }),
    )
    .await;

    let log = actions(&app, &partner).await;
    for want in [
        "client.invite_accepted",
        "client.signed_up_with_link",
        "partner.invite_link_regenerated",
        "user.password_reset",
    ] {
        assert!(log.iter().any(|a| a == want), "{want} missing from {log:?}");
    }
    let accepted = app
        .ok(Some(&partner), AUDIT_LOG, json!({ "first": 50 }))
        .await;
    let accepted = accepted["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["action"] == "client.invite_accepted")
        .unwrap()["node"]
        .clone();
    assert_eq!(accepted["actor"]["email"], "hello@bakersrow.example");
    assert_eq!(accepted["targetClient"]["email"], "hello@bakersrow.example");
    assert_eq!(accepted["ip"], "127.0.0.1");

    // Partner Connect: the V1 owner reads the result in its own log.
    let p = app.legacy_partners(&legacy_example()).await;
    app.ok(
        Some(&p.v1_owner),
        CONNECT_LEGACY_PARTNER,
        json!({ "c": "ZZZ9999", "e": "rosa@v2firm.example" }),
    )
    .await;
    assert_eq!(
        app.wait_connection_settled(&p.v1_owner).await["status"],
        "FAILED"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let log = actions(&app, &p.v1_owner).await;
        if log.iter().any(|a| a == "partner.connect_failed") {
            assert!(
                log.iter().any(|a| a == "partner.connect_requested"),
                "{log:?}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{log:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Issue 22 item 7: the audit gaps. A bulk invite names every client it invited, on each
/// one's own history; a CSV export is recorded with its filters; support's visit to a
/// client account no partner lists is in that account's own log, which its owner reads.
#[tokio::test]
async fn bulk_invites_exports_and_support_visits_are_in_logs_people_read() {
    const BULK: &str =
        "mutation($rows: [BulkInviteRow!]!) { inviteClients(rows: $rows) { invited } }";
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let rows = json!([{ "email": "a@bulk.example" }, { "email": "b@bulk.example" }]);
    app.ok(Some(&owner), BULK, json!({ "rows": rows })).await;
    let res = app
        .http()
        .get(format!("{}/export/clients.csv?status=INVITED", app.url))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap();
    let log = app
        .ok(Some(&owner), AUDIT_LOG, json!({ "first": 100 }))
        .await;
    let nodes: Vec<&Value> = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    let invited: Vec<&str> = nodes
        .iter()
        .filter(|n| n["action"] == "client.invited")
        .map(|n| n["targetClient"]["email"].as_str().unwrap())
        .collect();
    assert_eq!(invited.len(), 2, "{nodes:?}");
    assert!(invited.contains(&"a@bulk.example") && invited.contains(&"b@bulk.example"));
    let export = nodes
        .iter()
        .find(|n| n["action"] == "clients.exported")
        .expect("the export is recorded");
    assert!(
        export["detail"]
            .as_str()
            .unwrap()
            .contains("status=INVITED"),
        "{export}"
    );

    // A client that signed up alone: support's visit lands in its own log.
    let solo = app
        .sign_up(
            "Solo Shop",
            "Sol",
            "sol@solo.example",
            "sol-password-1",
            false,
        )
        .await;
    let solo_token = solo["token"].as_str().unwrap();
    let company_id = solo["user"]["account"]["companyId"].as_str().unwrap();
    let staff = app.staff("sam@support.example", "Sam Support").await;
    app.ok(
        Some(&staff),
        "query($c: String!) { supportAccount(companyId: $c, reason: \"ticket #3\") { account { id } } }",
        json!({ "c": company_id }),
    )
    .await;
    let own = app
        .ok(Some(solo_token), AUDIT_LOG, json!({ "first": 100 }))
        .await;
    let seen: Vec<&Value> = own["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["action"] == "support.viewed")
        .collect();
    assert_eq!(seen.len(), 1, "{own}");
    assert!(seen[0]["detail"].as_str().unwrap().contains("ticket #3"));
}
