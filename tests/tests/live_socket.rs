//! Issue 22, items 1 and 2: the live list's WebSocket (`/graphql/ws`) is no side door.
//! Only subscriptions run there, through `/graphql`'s document limits; connections are
//! bounded per user and per address (across gateways in scale-out); idle connections
//! are pinged and dropped when they don't answer; a session that ends closes its
//! connections at once, on every gateway; operations the server ended stop counting; and
//! a gateway that misses changes tells its subscribers to read their lists again.

use e2e::live::{CLIENT_CHANGED, LiveClient};
use e2e::{
    LOG_IN, LOG_OUT, RESET_PASSWORD, SET_USER_ROLE, TestApp, code_of, eventually, message_of, secs,
    token_of,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The errors of the `error` message answering operation `id`, or a panic with what
/// came instead.
async fn refusal(c: &mut LiveClient, id: &str) -> Value {
    let m = c.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(m["type"], "error", "{m}");
    assert_eq!(m["id"], id, "{m}");
    m["payload"].clone()
}

#[tokio::test]
async fn only_subscriptions_run_over_the_socket_within_the_http_limits() {
    let app = TestApp::spawn_with_args(&["--max-aliases", "5"]).await;
    let base = app.next_url_all()[0].clone();
    let rosa = app.partner("rosa@ledgerline.example").await;
    let sessions_before = sessions(&app).await;
    let mut c = LiveClient::connect(&base, &rosa).await.unwrap();

    // A mutation: refused with a code naming /graphql, and nothing ran.
    let log_in = json!({ "query": LOG_IN, "variables": {
        "email": "rosa@ledgerline.example", "password": "correct-horse-1" } });
    c.subscribe_with("m", log_in).await;
    let e = refusal(&mut c, "m").await;
    assert_eq!(code_of(&e), "BAD_REQUEST", "{e}");
    assert!(message_of(&e).contains("/graphql"), "{e}");
    // Forty aliased log-ins in one message: refused by the alias limit, before anything runs.
    let many: String = (0..40)
        .map(|i| format!("l{i}: logIn(email: \"rosa@ledgerline.example\", password: \"correct-horse-1\") {{ token }} "))
        .collect();
    c.subscribe_with(
        "flood",
        json!({ "query": format!("mutation {{ {many} }}") }),
    )
    .await;
    let flood = refusal(&mut c, "flood").await;
    let code = code_of(&flood);
    assert!(
        code == "TOO_MANY_ALIASES" || code == "TOO_MANY_ROOT_FIELDS",
        "{code}"
    );
    // A query too.
    c.subscribe_with("q", json!({ "query": "{ me { email } }" }))
        .await;
    assert_eq!(code_of(&refusal(&mut c, "q").await), "BAD_REQUEST");
    assert_eq!(
        sessions(&app).await,
        sessions_before,
        "no log-in ran over the socket"
    );

    // A subscription past the limits is refused like a query over HTTP would be.
    let aliased: String = (0..6)
        .map(|i| format!("c{i}: clientChanged {{ kind }} "))
        .collect();
    c.subscribe_with(
        "s",
        json!({ "query": format!("subscription {{ {aliased} }}") }),
    )
    .await;
    assert_eq!(code_of(&refusal(&mut c, "s").await), "TOO_MANY_ALIASES");
    // The connection still serves a proper subscription.
    c.subscribe("1", CLIENT_CHANGED).await;
    app.invite(&rosa, "bea@bakery.example", None).await;
    let m = c.next_message(Duration::from_secs(15)).await.unwrap();
    assert_eq!(m["type"], "next", "{m}");
    assert_eq!(m["payload"]["data"]["clientChanged"]["kind"], "ADDED");

    // Over HTTP a subscription is refused with a message naming the socket.
    let body = app.gql(Some(&rosa), CLIENT_CHANGED, json!({})).await;
    assert_eq!(code_of(&body), "BAD_REQUEST");
    assert!(message_of(&body).contains("/graphql/ws"), "{body}");
}

/// Sessions in the app's database.
async fn sessions(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::session::Entity::find()
        .count(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn connections_are_bounded_per_user_and_per_address_across_gateways() {
    let app = TestApp::spawn_with_args(&[
        "--ws-connections-per-user",
        "2",
        "--ws-connections-per-address",
        "4",
    ])
    .await;
    let urls = app.next_url_all();
    let at = |i: usize| urls[i % urls.len()].clone();
    app.partner("rosa@ledgerline.example").await;
    // Sessions are free: each connection below has its own, and still the user's count
    // holds, wherever the connections are.
    let mut held = Vec::new();
    for i in 0..2 {
        let token = app
            .log_in("rosa@ledgerline.example", "correct-horse-1")
            .await;
        held.push(LiveClient::connect(&at(i), &token).await.unwrap());
    }
    let third = app
        .log_in("rosa@ledgerline.example", "correct-horse-1")
        .await;
    let (code, reason) = LiveClient::connect(&at(0), &third)
        .await
        .err()
        .expect("a third connection of the user is refused");
    assert_eq!(code, 4429, "{reason}");
    assert!(reason.contains("2 live connections"), "{reason}");

    // This address holds 2 signed-in connections and the refused one is gone: 2 more
    // unauthenticated ones fit, the next is refused before the upgrade.
    let mut waiting = Vec::new();
    for i in 0..2 {
        waiting.push(settled_open(&at(i + 1)).await);
    }
    let (status, body) = LiveClient::try_open(&at(0), None)
        .await
        .err()
        .expect("a fifth connection from one address is refused");
    assert_eq!(status, 429, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(code_of(&body), "RATE_LIMITED");

    // Closing one makes room again.
    drop(waiting.pop());
    settled_open(&at(1)).await;
}

/// Opens a connection, retrying while a just-closed one still holds its seat (the
/// server frees it when it sees the close).
async fn settled_open(base: &str) -> LiveClient {
    eventually(
        "a just-closed connection to free its seat",
        secs(5),
        async || LiveClient::try_open(base, None).await,
    )
    .await
}

#[tokio::test]
async fn an_idle_connection_that_does_not_answer_pings_is_dropped() {
    let app = TestApp::spawn_with_args(&["--ws-ping-every", "300ms"]).await;
    let base = app.next_url_all()[0].clone();
    let rosa = app.partner("rosa@ledgerline.example").await;

    // A client that reads (and so answers pings) stays connected, while one that reads
    // nothing answers nothing and is dropped.
    let mut awake = LiveClient::connect(&base, &rosa).await.unwrap();
    let mut asleep = LiveClient::connect(&base, &rosa).await.unwrap();
    let stays = awake.quiet_for(Duration::from_millis(2500));
    let dropped = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        asleep.closed(Duration::from_secs(5)).await
    };
    let ((), ((code, reason), _)) = tokio::join!(stays, dropped);
    assert_eq!(code, 1001, "{reason}");
    assert!(reason.contains("ping"), "{reason}");
}

#[tokio::test]
async fn a_session_that_ends_closes_its_connections_at_once_on_every_gateway() {
    // The periodic check is out of the way: only the event can close them in time.
    let app = TestApp::spawn_with_args(&["--ws-session-check", "1h"]).await;
    let urls = app.next_url_all();
    let last = urls.last().unwrap().clone();
    let rosa = app.partner("rosa@ledgerline.example").await;

    // A log-out through the first gateway closes a connection held on the last.
    let mut live = LiveClient::connect(&last, &rosa).await.unwrap();
    live.subscribe("1", CLIENT_CHANGED).await;
    let started = Instant::now();
    app.gql_at(&urls[0], Some(&rosa), LOG_OUT, json!({})).await;
    let ((code, reason), _) = live.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4401, "{reason}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // A demotion (4403), and a new password set through an emailed link (4401).
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
    let mut live = LiveClient::connect(&last, &ada).await.unwrap();
    let ada_id = app.user_id(&owner, "ada@ledgerline.example").await;
    let demote = json!({ "id": ada_id, "role": "MANAGER" });
    let body = app
        .gql_at(&urls[0], Some(&owner), SET_USER_ROLE, demote)
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let ((code, reason), _) = live.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4403, "{reason}");

    let mut live = LiveClient::connect(&last, &owner).await.unwrap();
    let body = app
        .gql_at(
            &urls[0],
            None,
            "mutation($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": "rosa@ledgerline.example" }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let mail = app
        .wait_for_mail("rosa@ledgerline.example", "Reset your password")
        .await;
    let token = token_of(&mail.link("http://app.test/reset-password/").unwrap());
    let reset = json!({ "t": token, "p": "a-brand-new-password" });
    let body = app.gql_at(&urls[0], None, RESET_PASSWORD, reset).await;
    assert!(body.get("errors").is_none(), "{body}");
    let ((code, reason), _) = live.closed(Duration::from_secs(5)).await;
    assert_eq!(code, 4401, "{reason}");
}

#[tokio::test]
async fn operations_the_server_ended_no_longer_count() {
    let app = TestApp::spawn_with_args(&["--ws-subscriptions-per-connection", "3"]).await;
    let base = app.next_url_all()[0].clone();
    let p = app.partner_with_client().await;
    // A client account's user may not watch a list: each subscription is answered with
    // its error and completed by the server.
    let mut c = LiveClient::connect(&base, &p.client_owner).await.unwrap();
    for i in 0..11 {
        let id = i.to_string();
        c.subscribe(&id, CLIENT_CHANGED).await;
        let m = c.next_message(Duration::from_secs(5)).await.unwrap();
        assert_eq!(code_of(&m["payload"]), "FORBIDDEN", "{m}");
        let m = c.next_message(Duration::from_secs(5)).await.unwrap();
        assert_eq!(m["type"], "complete", "operation {id}: {m}");
        // Within the messages-per-second limit.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    c.quiet_for(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_gateway_that_misses_changes_tells_its_subscribers_to_read_their_lists_again() {
    let app = TestApp::spawn_with(e2e::Options {
        in_process: true,
        ..Default::default()
    })
    .await;
    let base = app.url.clone();
    let rosa = app.partner("rosa@ledgerline.example").await;
    let partner_id = partner_account_id(&app).await;
    let mut live = LiveClient::connect(&base, &rosa).await.unwrap();
    live.subscribe("1", CLIENT_CHANGED).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Far more events at once than the gateway's buffer between the bus and its
    // fan-out holds: some are missed, and nobody can say for whom.
    let events: Vec<worker::ClientEvent> = (0..60_000)
        .map(|i| worker::ClientEvent::updated(partner_id, 1_000_000 + i))
        .collect();
    let state = &app.app.as_ref().unwrap().state;
    // On PostgreSQL the events travel through Redis, at a pace the fan-out keeps up
    // with: while it waits on a locked table, as behind a slow database, they pile up.
    let lock = if e2e::backend_name() == "postgres" {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let txn = app.db().begin().await.unwrap();
        txn.execute_unprepared("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        Some(txn)
    } else {
        None
    };
    state.queue.events().publish(&events).await;
    if let Some(txn) = lock {
        tokio::time::sleep(Duration::from_secs(2)).await;
        txn.commit().await.unwrap();
    }
    let ((code, reason), _) = live.closed(Duration::from_secs(20)).await;
    assert_eq!(code, 1013, "{reason}");
    assert!(reason.contains("read the list again"), "{reason}");
}

async fn partner_account_id(app: &TestApp) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::account::Entity::find()
        .filter(entity::account::Column::Kind.eq(entity::AccountKind::Partner))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}
