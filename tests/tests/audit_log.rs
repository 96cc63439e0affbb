//! SPEC §5, the audit log: every invite, resend, log in, reset, role or active change
//! and subscription, newest first, paged, for the account owner only.

use e2e::{ACCEPT_INVITE, AUDIT_LOG, TestApp, bea_accepts, eventually, legacy_example, secs};
use serde_json::json;

/// Rosa's firm and Corner Shop go through one of each action: an invite, its resend (six
/// minutes later), a log-in to the client, a password reset for it, the client demoting
/// and deactivating Rosa's user there, and subscribing.
async fn one_of_each_action(app: &TestApp) -> e2e::PartnerWithClient {
    let s = app.partner_with_client().await;
    let c = app
        .invite(&s.partner, "hello@bakersrow.example", None)
        .await;
    app.backdate_invite(&c["id"], chrono::Duration::minutes(6))
        .await;
    app.resend_invite(&s.partner, &c["id"]).await;
    app.log_in_to_client(&s.partner, &s.client_id).await;
    app.reset_client_password(&s.partner, &s.client_id).await;
    let partner_in_client = app
        .user_id(&s.client_owner, "rosa@ledgerline.example")
        .await;
    app.set_user_role(&s.client_owner, &partner_in_client, "MANAGER")
        .await;
    app.set_user_active(&s.client_owner, &partner_in_client, false)
        .await;
    app.subscribe(&s.client_owner, "monthly").await;
    s
}

#[tokio::test]
async fn the_audit_log_records_each_action_for_the_account_owner_only() {
    let app = TestApp::spawn().await;
    let s = one_of_each_action(&app).await;
    let events = app.audit_log(&s.partner).await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
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
    let log_in = &events[4];
    assert_eq!(log_in["actor"]["email"], "rosa@ledgerline.example");
    assert_eq!(log_in["actor"]["account"]["kind"], "PARTNER");
    assert_eq!(log_in["targetClient"]["email"], "cora@cornershop.example");
    assert_eq!(log_in["ip"], "127.0.0.1");
    assert!(!log_in["requestId"].as_str().unwrap().is_empty());
    let demoted = &events[2];
    assert_eq!(demoted["actor"]["email"], "cora@cornershop.example");
    assert!(
        demoted["detail"]
            .as_str()
            .unwrap()
            .contains("ADMIN → MANAGER"),
        "{demoted}"
    );
    it_pages(&app, &s.partner).await;
    only_the_owner_reads_it(&app, &s).await;
}

/// Pages of 3, and bad paging arguments refused.
async fn it_pages(app: &TestApp, owner: &str) {
    let p1 = app.ok(Some(owner), AUDIT_LOG, json!({ "first": 3 })).await["auditLog"].clone();
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    let p2 = app
        .ok(
            Some(owner),
            AUDIT_LOG,
            json!({ "first": 3, "after": p1["pageInfo"]["endCursor"] }),
        )
        .await["auditLog"]
        .clone();
    assert_eq!(
        p2["edges"][0]["node"]["action"],
        "client.password_reset_requested"
    );
    for bad in [json!({ "first": 0 }), json!({ "after": "bogus" })] {
        assert_eq!(
            app.error_code(Some(owner), AUDIT_LOG, bad).await,
            "BAD_USER_INPUT"
        );
    }
}

/// Nobody else reads it: another firm sees its own (empty) log, the client's owner the
/// client account's own, a partner ADMIN none (but still invites and lists clients).
async fn only_the_owner_reads_it(app: &TestApp, s: &e2e::PartnerWithClient) {
    let other = app.partner("other@elsewhere.example").await;
    assert!(
        app.ok(Some(&other), AUDIT_LOG, json!({})).await["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The client's owner reads the client account's own log (issue 22): what was done
    // in that account, never the partner's own business.
    let actions = app.audit_actions(&s.client_owner).await;
    assert!(
        actions.iter().any(|a| a == "client.subscribed"),
        "{actions:?}"
    );
    assert!(
        !actions.iter().any(|a| a == "client.invited"),
        "{actions:?}"
    );
    assert!(
        !actions.iter().any(|a| a == "client.invite_resent"),
        "{actions:?}"
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
    assert_eq!(app.client_count(&sam).await, 3);
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
    let link = app.invite_link_mailed_to("hello@bakersrow.example").await;
    app.ok(None, ACCEPT_INVITE, bea_accepts(&link)).await;

    let code = app.invite_link(&partner).await["code"]
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
    app.regenerate_invite_link(&partner).await;
    app.request_password_reset("hello@bakersrow.example", None)
        .await;
    let reset = app
        .link_mailed_to(
            "hello@bakersrow.example",
            "Reset your password",
            "http://app.test/reset-password/",
        )
        .await;
    app.reset_password(&reset, "bea-password-2").await;

    let log = app.audit_actions(&partner).await;
    for want in [
        "client.invite_accepted",
        "client.signed_up_with_link",
        "partner.invite_link_regenerated",
        "user.password_reset",
    ] {
        assert!(log.iter().any(|a| a == want), "{want} missing from {log:?}");
    }
    let accepted = app.audit_entries(&partner, "client.invite_accepted").await;
    let accepted = accepted.first().unwrap();
    assert_eq!(accepted["actor"]["email"], "hello@bakersrow.example");
    assert_eq!(accepted["targetClient"]["email"], "hello@bakersrow.example");
    assert_eq!(accepted["ip"], "127.0.0.1");

    // Partner Connect: the V1 owner reads the result in its own log.
    let p = app.legacy_partners(&legacy_example()).await;
    app.connect_legacy_partner(&p.v1_owner, "ZZZ9999", "rosa@v2firm.example")
        .await;
    assert_eq!(
        app.wait_connection_settled(&p.v1_owner).await["status"],
        "FAILED"
    );
    let log = eventually("the failed connect in the log", secs(10), async || {
        let log = app.audit_actions(&p.v1_owner).await;
        if log.iter().any(|a| a == "partner.connect_failed") {
            Ok(log)
        } else {
            Err(log)
        }
    })
    .await;
    assert!(
        log.iter().any(|a| a == "partner.connect_requested"),
        "{log:?}"
    );
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
    let nodes = app.audit_log(&owner).await;
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
    let seen = app.audit_entries(solo_token, "support.viewed").await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0]["detail"].as_str().unwrap().contains("ticket #3"));
}
