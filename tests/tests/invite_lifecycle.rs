//! Issue 16, items 1–4: an invite's lifecycle the partner can see (SENT, EXPIRED,
//! REVOKED, with its expiry), access health on every row, trials ending soon, and plans
//! from configuration.

use e2e::{ACCEPT_INVITE, AUDIT_LOG, LOG_IN_TO_CLIENT, TestApp, token_of};
use entity::{client, invite};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const ROW: &str = "query($id: ID!) { client(id: $id) {
    id email status inviteState inviteExpiresAt availableActions partnerAccess lastPartnerLoginAt } }";
const REVOKE: &str = "mutation($id: ID!) { revokeInvite(clientId: $id) { id status inviteState inviteExpiresAt availableActions } }";
const RESEND: &str = "mutation($id: ID!) { resendInvite(clientId: $id) { id inviteState inviteExpiresAt availableActions } }";
const LIST: &str = "query($first: Int, $after: String, $before: DateTime, $orderBy: ClientOrder) {
    clients(first: $first, after: $after, trialEndsBefore: $before, orderBy: $orderBy) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { email status trialEndsAt partnerAccess lastPartnerLoginAt inviteState } } } }";

fn accept_input() -> Value {
    json!({ "companyName": "Baker's Row", "name": "Bea", "password": "bea-pass-12345" })
}

async fn row(app: &TestApp, token: &str, id: &Value) -> Value {
    app.ok(Some(token), ROW, json!({ "id": id })).await["client"].clone()
}

/// The invite link in the newest invite email to `to`.
async fn newest_link(app: &TestApp, to: &str) -> String {
    app.wait_for_mail(to, "invites you").await;
    app.mails()
        .into_iter()
        .filter(|m| m.to.contains(to) && m.subject.contains("invites you"))
        .filter_map(|m| m.link("http://app.test/invite/"))
        .next_back()
        .expect("an invite link")
}

fn actions(row: &Value) -> Vec<&str> {
    row["availableActions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_invite_is_sent_revoked_resent_and_expires_visibly() {
    let app = TestApp::spawn_with_args(&["--resend-interval", "0s"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let c = app.invite(&owner, "hello@bakersrow.example", None).await;
    let id = c["id"].clone();
    let first_link = newest_link(&app, "hello@bakersrow.example").await;

    // SENT, with the link's end (30 days), revocable.
    let r = row(&app, &owner, &id).await;
    assert_eq!(r["inviteState"], "SENT");
    let expires: chrono::DateTime<chrono::Utc> =
        r["inviteExpiresAt"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "{days}");
    assert_eq!(actions(&r), ["RESEND_INVITE", "REVOKE_INVITE"]);
    assert_eq!(r["partnerAccess"], "MISSING");

    // Revoked: the link stops working at once, and its opener is told so.
    let r = app.ok(Some(&owner), REVOKE, json!({ "id": id })).await["revokeInvite"].clone();
    assert_eq!(r["inviteState"], "REVOKED");
    assert_eq!(r["status"], "INVITED");
    assert_eq!(actions(&r), ["RESEND_INVITE"]);
    let body = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&first_link), "input": accept_input() }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let said = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        said.contains("withdrawn") && said.contains("new one"),
        "{said}"
    );
    // Twice: refused, nothing changes.
    let body = app.gql(Some(&owner), REVOKE, json!({ "id": id })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already revoked")
    );
    // Audited.
    let log = app
        .ok(Some(&owner), AUDIT_LOG, json!({ "first": 20 }))
        .await;
    let revoked = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["action"] == "client.invite_revoked")
        .expect("an audit entry");
    assert_eq!(
        revoked["node"]["targetClient"]["email"],
        "hello@bakersrow.example"
    );

    // Resent: SENT again with a fresh link.
    let r = app.ok(Some(&owner), RESEND, json!({ "id": id })).await["resendInvite"].clone();
    assert_eq!(r["inviteState"], "SENT");
    assert_eq!(actions(&r), ["RESEND_INVITE", "REVOKE_INVITE"]);
    // Wait for the second email (its link differs from the first).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let second_link = loop {
        let l = newest_link(&app, "hello@bakersrow.example").await;
        if l != first_link {
            break l;
        }
        assert!(std::time::Instant::now() < deadline, "no second invite");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };

    // Its time passes unused: EXPIRED, and the opener is told when it expired.
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    invite::Entity::update_many()
        .col_expr(invite::Column::ExpiresAt, Expr::value(past))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::EndedBy.is_null())
        .exec(app.db())
        .await
        .unwrap();
    client::Entity::update_many()
        .col_expr(client::Column::InviteExpiresAt, Expr::value(past))
        .exec(app.db())
        .await
        .unwrap();
    let r = row(&app, &owner, &id).await;
    assert_eq!(r["inviteState"], "EXPIRED");
    assert_eq!(actions(&r), ["RESEND_INVITE"]);
    let body = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&second_link), "input": accept_input() }),
        )
        .await;
    let said = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        said.contains("expired on") && said.contains("send you a new one"),
        "{said}"
    );
    let body = app.gql(Some(&owner), REVOKE, json!({ "id": id })).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // Resent once more; the link it replaced says so, the new one works.
    app.ok(Some(&owner), RESEND, json!({ "id": id })).await;
    let third_link = loop {
        let l = newest_link(&app, "hello@bakersrow.example").await;
        if l != second_link {
            break l;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(row(&app, &owner, &id).await["inviteState"], "SENT");
    let accepted = app
        .ok(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&third_link), "input": accept_input() }),
        )
        .await;
    assert_eq!(accepted["acceptInvite"]["user"]["role"], "OWNER");
    // A TRIAL row has no invite state or expiry, and cannot be revoked.
    let r = row(&app, &owner, &id).await;
    assert!(r["inviteState"].is_null() && r["inviteExpiresAt"].is_null());
    let body = app.gql(Some(&owner), REVOKE, json!({ "id": id })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // An accepted link is "already accepted".
    let body = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&third_link), "input": accept_input() }),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already accepted")
    );
    // Not one of yours: NOT_FOUND.
    let other = app.partner("omar@othertax.example").await;
    assert_eq!(
        app.error_code(Some(&other), REVOKE, json!({ "id": id }))
            .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn every_row_says_whether_the_partner_can_log_in_and_when_it_last_did() {
    let app = TestApp::spawn().await;
    let p = app.partner_with_client().await;
    let r = row(&app, &p.partner, &p.client_id).await;
    assert_eq!(r["partnerAccess"], "OK");
    assert!(r["lastPartnerLoginAt"].is_null());

    let before = chrono::Utc::now();
    app.ok(
        Some(&p.partner),
        LOG_IN_TO_CLIENT,
        json!({ "id": p.client_id }),
    )
    .await;
    let r = row(&app, &p.partner, &p.client_id).await;
    let at: chrono::DateTime<chrono::Utc> =
        r["lastPartnerLoginAt"].as_str().unwrap().parse().unwrap();
    assert!(at >= before - chrono::Duration::seconds(1), "{at}");

    // The client's owner demotes the partner's user: NOT_ADMIN, as logInToClient says.
    let partner_user = app
        .user_id(&p.client_owner, "rosa@ledgerline.example")
        .await;
    app.ok(
        Some(&p.client_owner),
        e2e::SET_USER_ROLE,
        json!({ "id": partner_user, "role": "MANAGER" }),
    )
    .await;
    let r = row(&app, &p.partner, &p.client_id).await;
    assert_eq!(r["partnerAccess"], "NOT_ADMIN");
    assert_eq!(
        app.error_code(
            Some(&p.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": p.client_id })
        )
        .await,
        "PARTNER_USER_NOT_ADMIN"
    );
    // …then deactivates it: INACTIVE.
    app.ok(
        Some(&p.client_owner),
        e2e::SET_USER_ACTIVE,
        json!({ "id": partner_user, "a": false }),
    )
    .await;
    // The list shows the same, in its one query.
    let list = app.ok(Some(&p.partner), LIST, json!({ "first": 10 })).await;
    let node = &list["clients"]["edges"][0]["node"];
    assert_eq!(node["partnerAccess"], "INACTIVE");
    assert!(node["lastPartnerLoginAt"].is_string());
    assert_eq!(
        app.error_code(
            Some(&p.partner),
            LOG_IN_TO_CLIENT,
            json!({ "id": p.client_id })
        )
        .await,
        "PARTNER_USER_INACTIVE"
    );
}

#[tokio::test]
async fn trials_ending_soon_are_listed_soonest_first_with_counts_and_pages() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let now = chrono::Utc::now();
    for (i, days) in [20, 3, 1, 6].iter().enumerate() {
        let c = app
            .create_client(
                &owner,
                &format!("Co {i}"),
                "C",
                &format!("c{i}@client.example"),
            )
            .await;
        let id: i64 = c["id"].as_str().unwrap().parse().unwrap();
        client::Entity::update_many()
            .col_expr(
                client::Column::TrialEndsAt,
                Expr::value(now + chrono::Duration::days(*days)),
            )
            .filter(client::Column::Id.eq(id))
            .exec(app.db())
            .await
            .unwrap();
    }
    app.invite(&owner, "invited@client.example", None).await;
    let before = (now + chrono::Duration::days(7)).to_rfc3339();
    let order = json!({ "field": "TRIAL_ENDS_AT", "direction": "ASC" });
    let page = app
        .ok(
            Some(&owner),
            LIST,
            json!({ "first": 2, "before": before, "orderBy": order }),
        )
        .await;
    let emails = |p: &Value| -> Vec<String> {
        p["clients"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(page["clients"]["totalCount"], 3);
    assert_eq!(emails(&page), ["c2@client.example", "c1@client.example"]);
    assert_eq!(page["clients"]["pageInfo"]["hasNextPage"], true);
    let after = page["clients"]["pageInfo"]["endCursor"].clone();
    let next = app
        .ok(
            Some(&owner),
            LIST,
            json!({ "first": 2, "after": after, "before": before, "orderBy": order }),
        )
        .await;
    assert_eq!(emails(&next), ["c3@client.example"]);
    assert_eq!(next["clients"]["pageInfo"]["hasNextPage"], false);
    // Bad input: not an instant.
    let body = app
        .gql(Some(&owner), LIST, json!({ "first": 2, "before": "soon" }))
        .await;
    assert!(
        body["errors"][0]["extensions"]["code"].is_string(),
        "{body}"
    );
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test]
async fn plans_come_from_configuration_and_subscribe_takes_exactly_them() {
    // The default: today's monthly and annual.
    let app = TestApp::spawn().await;
    let d = app
        .ok(None, "{ plans { id name description } }", json!({}))
        .await;
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
    let d = app
        .ok(None, "{ plans { id name description } }", json!({}))
        .await;
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
            e2e::SUBSCRIBE,
            json!({ "plan": "monthly" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("starter, pro")
    );
    app.ok(
        Some(&p.client_owner),
        e2e::SUBSCRIBE,
        json!({ "plan": "pro" }),
    )
    .await;
    let r = row(&app, &p.partner, &p.client_id).await;
    assert_eq!(r["status"], "PAYING");
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

/// Mails to `to` whose subject contains `about`.
fn mails_about(app: &TestApp, to: &str, about: &str) -> Vec<e2e::Mail> {
    app.mails()
        .into_iter()
        .filter(|m| m.to.contains(to) && m.subject.contains(about))
        .collect()
}

#[tokio::test]
async fn expired_invites_are_reported_to_the_partner_once_in_one_digest() {
    let app = TestApp::spawn_with_args(&["--resend-interval", "0s"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let a = app
        .invite(&owner, "a@client.example", Some("Alpha Co"))
        .await;
    app.invite(&owner, "b@client.example", None).await;
    let c = app.invite(&owner, "c@client.example", None).await;
    app.ok(Some(&owner), REVOKE, json!({ "id": c["id"] })).await;
    let expire_all = || async {
        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        client::Entity::update_many()
            .col_expr(client::Column::InviteExpiresAt, Expr::value(past))
            .exec(app.db())
            .await
            .unwrap();
    };
    expire_all().await;

    let out = app.worker_cli(&["sweep-trials"]).await;
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{out:?}");
    assert!(
        said.contains("reported 2 expired invites; queued 1 digest"),
        "{said}"
    );
    let digest = app
        .wait_for_mail("rosa@ledgerline.example", "2 invites expired")
        .await;
    assert!(
        digest.text.contains("Alpha Co <a@client.example>"),
        "{}",
        digest.text
    );
    assert!(digest.text.contains("b@client.example"));
    assert!(
        !digest.text.contains("c@client.example"),
        "a revoked invite is not reported"
    );
    // Once: the next sweep reports nothing.
    let out = app.worker_cli(&["sweep-trials"]).await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("reported 0 expired invites"),
        "{out:?}"
    );
    // Resent and expired again: reported again.
    app.ok(Some(&owner), RESEND, json!({ "id": a["id"] })).await;
    expire_all().await;
    let out = app.worker_cli(&["sweep-trials"]).await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("reported 1 expired invites"),
        "{out:?}"
    );
    app.wait_for_mail("rosa@ledgerline.example", "1 invite expired")
        .await;
}

#[tokio::test]
async fn a_client_taking_away_the_partners_access_emails_the_partner_owner() {
    let app = TestApp::spawn().await;
    let p = app.partner_with_client().await;
    let subject = "changed your access to its account";
    let partner_user = app
        .user_id(&p.client_owner, "rosa@ledgerline.example")
        .await;
    // A change to the client's own people is the client's business.
    app.add_user(&p.client_owner, "eve@cornershop.example", "Eve", "ADMIN")
        .await;
    let eve = app.user_id(&p.client_owner, "eve@cornershop.example").await;
    app.ok(
        Some(&p.client_owner),
        e2e::SET_USER_ROLE,
        json!({ "id": eve, "role": "EMPLOYEE" }),
    )
    .await;

    app.ok(
        Some(&p.client_owner),
        e2e::SET_USER_ROLE,
        json!({ "id": partner_user, "role": "MANAGER" }),
    )
    .await;
    let mail = app.wait_for_mail("rosa@ledgerline.example", subject).await;
    // The client names itself: its name is in the email, not in the subject (issue 22).
    assert!(!mail.subject.contains("Corner Shop"), "{}", mail.subject);
    assert!(mail.text.contains("Corner Shop"), "{}", mail.text);
    assert!(
        mail.text
            .contains("changed the role of rosa@ledgerline.example to MANAGER"),
        "{}",
        mail.text
    );
    assert!(
        mail.text.contains("cora@cornershop.example"),
        "{}",
        mail.text
    );
    // Deactivated too: said in the next email, which waits until an hour after the first
    // (issue 22: at most one such email an hour, later changes folded into it).
    app.ok(
        Some(&p.client_owner),
        e2e::SET_USER_ACTIVE,
        json!({ "id": partner_user, "a": false }),
    )
    .await;
    let waiting = {
        use entity::delivery::{Column, Entity};
        Entity::find()
            .filter(Column::Kind.eq("partner_access_changed"))
            .filter(Column::Status.eq(entity::DeliveryStatus::Pending))
            .one(app.db())
            .await
            .unwrap()
            .expect("the next email waits in the outbox")
    };
    assert!(
        waiting
            .payload
            .contains("made rosa@ledgerline.example inactive"),
        "{}",
        waiting.payload
    );
    assert!(
        waiting.next_attempt_at > chrono::Utc::now() + chrono::Duration::minutes(55),
        "{waiting:?}"
    );
    // Giving access back, and Eve's demotion, sent nothing more.
    app.ok(
        Some(&p.client_owner),
        e2e::SET_USER_ACTIVE,
        json!({ "id": partner_user, "a": true }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        mails_about(&app, "rosa@ledgerline.example", subject).len(),
        1
    );
    assert!(mails_about(&app, "eve@cornershop.example", subject).is_empty());
}
