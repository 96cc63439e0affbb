//! Issue 16, item 6: the live client list. `Subscription.clientChanged` over WebSocket at
//! `/graphql/ws` (graphql-transport-ws), spoken to by a real WebSocket client: every
//! committed change to the partner's clients arrives, never another partner's; in
//! scale-out the change is made through one gateway (or a worker process) and heard on
//! the other. Refusals, the limits and the disconnects are each shown.

use e2e::live::{CLIENT_CHANGED, LiveClient};
use e2e::{ACCEPT_INVITE, TestApp, bea_accepts, code_of, eventually, secs, try_code_of};
use serde_json::{Value, json};
use std::time::Duration;

const BULK: &str = "mutation($rows: [BulkInviteRow!]!) { inviteClients(rows: $rows) { invited } }";

/// A subscriber of `token`'s partner, on the gateway at `base`.
async fn subscriber(base: &str, token: &str) -> LiveClient {
    let mut c = LiveClient::connect(base, token)
        .await
        .unwrap_or_else(|closed| panic!("connection refused: {closed:?}"));
    c.subscribe("1", CLIENT_CHANGED).await;
    c
}

/// Waits (up to 5 s) until a connection of `token`'s session is accepted again.
async fn room_again(base: &str, token: &str) -> LiveClient {
    eventually(
        "a closed connection to free its place",
        secs(5),
        async || LiveClient::connect(base, token).await,
    )
    .await
}

/// An invite: ADDED, as the list shows it; revoked, then resent: UPDATED each time, with
/// the state the row has now; accepted: TRIAL without anyone reloading.
async fn an_invite_is_heard_through_its_lifecycle(
    app: &TestApp,
    rosa: &str,
    live: &mut LiveClient,
) {
    let c = app.invite(rosa, "bea@bakers.example", Some("Bakers")).await;
    let id = c["id"].clone();
    let got = live.next_change().await;
    assert_eq!(got["kind"], "ADDED");
    assert_eq!(got["client"]["id"], id);
    assert_eq!(got["client"]["email"], "bea@bakers.example");
    assert_eq!(got["client"]["status"], "INVITED");
    assert_eq!(got["client"]["inviteState"], "SENT");
    assert_eq!(
        got["client"]["availableActions"],
        json!(["RESEND_INVITE", "REVOKE_INVITE", "REMOVE"])
    );
    let kind_and_state = |got: &Value| {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        (text(&got["kind"]), text(&got["client"]["inviteState"]))
    };
    app.revoke_invite(rosa, &id).await;
    let got = live.next_change().await;
    assert_eq!(
        kind_and_state(&got),
        (Some("UPDATED".into()), Some("REVOKED".into()))
    );
    app.resend_invite(rosa, &id).await;
    let got = live.next_change().await;
    assert_eq!(
        kind_and_state(&got),
        (Some("UPDATED".into()), Some("SENT".into()))
    );
    let link = app
        .newest_mail("bea@bakers.example", "invites you", 2)
        .await
        .link("http://app.test/invite/")
        .unwrap();
    app.ok(None, ACCEPT_INVITE, bea_accepts(&link)).await;
    let got = live.next_change().await;
    assert_eq!(got["kind"], "UPDATED");
    assert_eq!(got["client"]["id"], id);
    assert_eq!(got["client"]["status"], "TRIAL");
}

/// The sign-up form: ADDED, with access OK; Rosa's log-in to it, the client's owner
/// demoting her user there, and its subscription: each heard at once.
async fn a_form_client_is_heard_through_its_life(app: &TestApp, rosa: &str, live: &mut LiveClient) {
    let form = app
        .create_client(rosa, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let got = live.next_change().await;
    assert_eq!(got["kind"], "ADDED");
    assert_eq!(got["client"]["id"], form["id"]);
    assert_eq!(got["client"]["partnerAccess"], "OK");

    // Rosa logs in to it: the row shows when.
    app.log_in_to_client(rosa, &form["id"]).await;
    let got = live.next_change().await;
    assert!(got["client"]["lastPartnerLoginAt"].is_string(), "{got}");

    // The client's owner demotes Rosa's user there: access is NOT_ADMIN at once.
    let cora = app
        .activate("cora@cornershop.example", "cora-password-1")
        .await;
    let rosa_there = app.user_id(&cora, "rosa@ledgerline.example").await;
    app.set_user_role(&cora, &rosa_there, "EMPLOYEE").await;
    let got = live.next_change().await;
    assert_eq!(got["kind"], "UPDATED");
    assert_eq!(got["client"]["partnerAccess"], "NOT_ADMIN");

    // It subscribes: PAYING.
    app.subscribe(&cora, "monthly").await;
    let got = live.next_change().await;
    assert_eq!(got["client"]["status"], "PAYING");
}

#[tokio::test]
async fn an_open_list_hears_every_change_to_its_partners_clients_and_no_one_elses() {
    let app = TestApp::spawn_with_args(&["--resend-interval", "0s"]).await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let other = app.partner("otto@elsewhere.example").await;
    let bases = app.next_url_all();
    let mut live = subscriber(bases.last().unwrap(), &rosa).await;
    let mut theirs = subscriber(&bases[0], &other).await;
    an_invite_is_heard_through_its_lifecycle(&app, &rosa, &mut live).await;
    a_form_client_is_heard_through_its_life(&app, &rosa, &mut live).await;

    // The other partner heard none of it; its own change reaches it alone.
    theirs.quiet_for(Duration::from_millis(300)).await;
    app.invite(&other, "oli@other.example", None).await;
    assert_eq!(
        theirs.next_change().await["client"]["email"],
        "oli@other.example"
    );
    live.quiet_for(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn an_invite_made_through_one_gateway_reaches_a_subscriber_on_the_other() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let bases = app.next_url_all();
    // In scale-out these are two gateway processes; otherwise the same one.
    let (made_on, heard_on) = (&bases[0], bases.last().unwrap());
    if app.mode == e2e::Mode::ScaleOut {
        assert_ne!(made_on, heard_on);
    }
    let mut live = subscriber(heard_on, &rosa).await;
    let mut also = subscriber(made_on, &rosa).await;
    let vars = json!({ "email": "bea@bakers.example", "company": "Bakers" });
    let made = app.gql_at(made_on, Some(&rosa), e2e::INVITE, vars).await;
    assert!(made.get("errors").is_none(), "{made:#}");
    let id = &made["data"]["inviteClientByEmail"]["id"];
    for c in [&mut live, &mut also] {
        let got = c.next_change().await;
        assert_eq!(got["kind"], "ADDED");
        assert_eq!(&got["client"]["id"], id);
    }
    // A bulk invite: every row, once, in order.
    let rows: Vec<Value> = (0..50)
        .map(|i| json!({ "email": format!("c{i:02}@bulk.example") }))
        .collect();
    let bulk = app
        .gql_at(made_on, Some(&rosa), BULK, json!({ "rows": rows }))
        .await;
    assert!(bulk.get("errors").is_none(), "{bulk:#}");
    for i in 0..50 {
        let got = live.next_change().await;
        assert_eq!(got["kind"], "ADDED");
        assert_eq!(got["client"]["email"], format!("c{i:02}@bulk.example"));
    }
}

#[tokio::test]
async fn the_workers_trial_sweep_reaches_the_list() {
    // Trials of 1 s, swept every second by the worker (a worker process in scale-out).
    let app =
        TestApp::spawn_with_args(&["--trial-length", "1s", "--trial-sweep-every", "1s"]).await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let mut live = subscriber(&app.next_url_all()[0], &rosa).await;
    let c = app
        .create_client(&rosa, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;
    let got = live.next_change().await;
    assert_eq!(got["client"]["status"], "TRIAL");
    let got = live.next_change().await;
    assert_eq!(got["kind"], "UPDATED");
    assert_eq!(got["client"]["id"], c["id"]);
    assert_eq!(got["client"]["status"], "TRIAL_EXPIRED");
}

#[tokio::test]
async fn connections_without_a_valid_partner_admin_session_are_refused() {
    let app = TestApp::spawn_with_args(&["--ws-init-timeout", "1s"]).await;
    let base = app.next_url_all()[0].clone();
    let p = app.partner_with_client().await;

    // No token, a wrong one, a malformed payload: closed with 4401, saying what to send.
    for payload in [
        json!({}),
        json!({ "authorization": "Bearer not-a-token" }),
        json!({ "authorization": 42 }),
    ] {
        let mut c = LiveClient::open(&base, None).await;
        let Err((code, reason)) = c.init(payload.clone()).await else {
            panic!("{payload} was accepted")
        };
        assert_eq!(code, 4401, "{payload}: {reason}");
        assert!(reason.contains("authorization"), "{reason}");
    }

    // Nothing sent at all: closed once the init timeout passes.
    let mut c = LiveClient::open(&base, None).await;
    let ((code, reason), _) = c.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4408, "{reason}");

    // A client account's user may connect but not watch a partner's list.
    let mut c = LiveClient::connect(&base, &p.client_owner).await.unwrap();
    c.subscribe("1", CLIENT_CHANGED).await;
    let m = c.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(m["type"], "next", "{m}");
    assert_eq!(code_of(&m["payload"]), "FORBIDDEN", "{m}");
    // And the subscription is over.
    assert_eq!(
        c.next_message(Duration::from_secs(5)).await.unwrap()["type"],
        "complete"
    );

    // A partner EMPLOYEE neither.
    let emp = app
        .add_user(&p.partner, "ed@ledgerline.example", "Ed", "EMPLOYEE")
        .await;
    assert_eq!(emp["role"], "EMPLOYEE");
    app.set_password_from_mail("ed@ledgerline.example", "ed-password-12")
        .await;
    let ed = app.log_in("ed@ledgerline.example", "ed-password-12").await;
    let mut c = LiveClient::connect(&base, &ed).await.unwrap();
    c.subscribe("1", CLIENT_CHANGED).await;
    let m = c.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(code_of(&m["payload"]), "FORBIDDEN", "{m}");

    // Over plain HTTP a subscription is refused with a code.
    let body = app.gql(Some(&p.partner), CLIENT_CHANGED, json!({})).await;
    assert!(body["errors"][0]["message"].is_string(), "{body}");
    assert!(try_code_of(&body).is_some(), "{body}");

    // A WebSocket without the subprotocol: 400 with a coded body.
    let res = app
        .http()
        .get(format!("{base}/graphql/ws"))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code_of(&body), "BAD_REQUEST");
}

#[tokio::test]
async fn connections_per_session_messages_per_second_and_subscriptions_are_bounded() {
    let app = TestApp::spawn_with_args(&[
        "--ws-connections-per-session",
        "2",
        "--ws-messages-per-second",
        "5",
        "--ws-subscriptions-per-connection",
        "3",
    ])
    .await;
    let base = app.next_url_all()[0].clone();
    let rosa = app.partner("rosa@ledgerline.example").await;

    // Two connections of one session; a third is refused; closing one makes room.
    let a = LiveClient::connect(&base, &rosa).await.unwrap();
    let _b = LiveClient::connect(&base, &rosa).await.unwrap();
    let (code, reason) = LiveClient::connect(&base, &rosa)
        .await
        .err()
        .expect("refused");
    assert_eq!(code, 4429, "{reason}");
    assert!(reason.contains("2 live connections"), "{reason}");
    // Another session of the same user is not counted with it.
    let again = app
        .log_in("rosa@ledgerline.example", "correct-horse-1")
        .await;
    let _c = LiveClient::connect(&base, &again).await.unwrap();
    drop(a);
    let mut d = room_again(&base, &rosa).await;

    // More than 5 messages in a second closes the connection.
    for _ in 0..8 {
        d.send(json!({ "type": "ping" })).await;
    }
    let ((code, reason), _) = d.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("5 messages"), "{reason}");

    // A fourth subscription at once closes it too; ended ones do not count.
    let mut e = LiveClient::connect(&base, &again).await.unwrap();
    for id in ["1", "2", "3"] {
        e.subscribe(id, CLIENT_CHANGED).await;
    }
    e.send(json!({ "id": "1", "type": "complete" })).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    e.subscribe("4", CLIENT_CHANGED).await;
    e.subscribe("5", CLIENT_CHANGED).await;
    let ((code, reason), _) = e.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4400, "{reason}");
    assert!(reason.contains("at most 3 subscriptions"), "{reason}");
}

#[tokio::test]
async fn a_subscriber_whose_session_ends_is_disconnected() {
    let app = TestApp::spawn_with_args(&["--ws-session-check", "500ms"]).await;
    let base = app.next_url_all()[0].clone();
    let rosa = app.partner("rosa@ledgerline.example").await;

    // Log-out.
    let mut live = subscriber(&base, &rosa).await;
    app.log_out(&rosa).await;
    let ((code, reason), _) = live.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4401, "{reason}");
    assert!(reason.contains("session ended"), "{reason}");

    // Deactivation of an ADMIN by the owner.
    let owner = app
        .log_in("rosa@ledgerline.example", "correct-horse-1")
        .await;
    app.add_user(&owner, "ada@ledgerline.example", "Ada", "ADMIN")
        .await;
    app.set_password_from_mail("ada@ledgerline.example", "ada-password-12")
        .await;
    let ada = app
        .log_in("ada@ledgerline.example", "ada-password-12")
        .await;
    let mut live = subscriber(&base, &ada).await;
    let ada_id = app.user_id(&owner, "ada@ledgerline.example").await;
    app.set_user_active(&owner, &ada_id, false).await;
    let ((code, _), _) = live.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4401);

    // Demotion: the list is no longer hers.
    app.set_user_active(&owner, &ada_id, true).await;
    let ada = app
        .log_in("ada@ledgerline.example", "ada-password-12")
        .await;
    let mut live = subscriber(&base, &ada).await;
    app.set_user_role(&owner, &ada_id, "MANAGER").await;
    let ((code, reason), _) = live.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4403, "{reason}");
}

#[tokio::test]
async fn a_session_that_expires_closes_its_connection_at_the_instant() {
    // The session check is out of the way: only the expiry closes it.
    let app = TestApp::spawn_with_args(&["--session-ttl", "2s", "--ws-session-check", "1h"]).await;
    let base = app.next_url_all()[0].clone();
    let rosa = app.partner("rosa@ledgerline.example").await;
    let mut live = subscriber(&base, &rosa).await;
    let started = std::time::Instant::now();
    let ((code, reason), _) = live.closed(Duration::from_secs(10)).await;
    assert_eq!(code, 4401, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_slow_consumer_is_dropped_not_buffered_for() {
    let app = TestApp::spawn_with_args(&[
        "--ws-buffer",
        "16",
        "--ws-send-timeout",
        "1s",
        "--ws-connections-per-session",
        "1",
    ])
    .await;
    let base = app.next_url_all()[0].clone();
    let rosa = app.partner("rosa@ledgerline.example").await;
    // A client that stops reading, with a small receive buffer.
    let mut slow = LiveClient::open(&base, Some(4096)).await;
    slow.init(json!({ "authorization": format!("Bearer {rosa}") }))
        .await
        .unwrap();
    slow.subscribe("1", CLIENT_CHANGED).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rows: Vec<Value> = (0..400)
        .map(|i| json!({ "email": format!("c{i:03}@bulk.example") }))
        .collect();
    app.ok(Some(&rosa), BULK, json!({ "rows": rows })).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Reading again: what was already on the wire, then the end.
    let ((code, _), received) = slow.closed(Duration::from_secs(10)).await;
    assert!([1013, 1006].contains(&code), "closed with {code}");
    assert!(
        received < 400,
        "got all {received} changes: nothing was dropped"
    );
    // Its place is free again.
    room_again(&base, &rosa).await;
}

/// The web app reads its list again when the pong to a ping sent right after `subscribe`
/// comes back, counting on the subscription being registered by then; async-graphql
/// answers a ping before it first runs a subscription it was just given, so the gateway
/// holds the ping until it has. A change made the moment the pong arrives is heard, on
/// either gateway (ten times over: the race this closes is narrow and cannot be forced
/// from outside).
#[tokio::test]
async fn after_the_pong_to_a_ping_sent_behind_subscribe_every_change_is_heard() {
    let app = TestApp::spawn().await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let bases = app.next_url_all();
    let (made_on, heard_on) = (&bases[0], bases.last().unwrap());
    for i in 0..10 {
        let mut live = LiveClient::connect(heard_on, &rosa).await.unwrap();
        live.subscribe("1", CLIENT_CHANGED).await;
        live.send(json!({ "type": "ping", "payload": { "subscribed": true } }))
            .await;
        let pong = live.next_message(Duration::from_secs(10)).await.unwrap();
        assert_eq!(pong["type"], "pong", "{pong}");
        let vars = json!({ "email": format!("c{i}@pong.example"), "company": "Pong" });
        let made = app.gql_at(made_on, Some(&rosa), e2e::INVITE, vars).await;
        assert!(made.get("errors").is_none(), "{made:#}");
        let got = live.next_change().await;
        assert_eq!(got["kind"], "ADDED", "round {i}: {got}");
        assert_eq!(
            got["client"]["id"],
            made["data"]["inviteClientByEmail"]["id"]
        );
    }
}
