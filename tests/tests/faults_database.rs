//! Faults of the database (issue 6; SPEC §7, §8): PostgreSQL restarted under load fails
//! cleanly and recovers; two workers sweeping trials at the same tick expire each once.
//!
//! Production mode only: each test brings its own servers or processes where it must stop
//! them, and is bounded in time. They need PostgreSQL and Redis (`TEST_POSTGRES_URL`,
//! `TEST_REDIS_URL`): `scripts/test` runs them in its production pass; their names start
//! with `prod_` so the other passes leave them out.
//! The restart test also needs `TEST_PG_FAULT_URL` and `TEST_PG_FAULT_CTL`, a PostgreSQL
//! it may stop and start.

use e2e::{
    CLIENTS_TOTAL, ME_EMAIL, Options, TestApp, assert_production_mode, eventually, secs,
    try_code_of,
};
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One answer a caller under load got: HTTP status, body, how long it took.
type Answer = (u16, Value, Duration);

/// Four callers asking all the time (two `me`, two the client list) until `stop`; each
/// returns every answer it got.
fn load(
    app: &TestApp,
    token: &str,
    stop: &tokio_util::sync::CancellationToken,
) -> Vec<tokio::task::JoinHandle<Vec<Answer>>> {
    let me = (ME_EMAIL, json!({}));
    // The client list reads on one connection lent for the request (gateway/src/lease.rs),
    // the other on the pool: both must fail cleanly and recover.
    let list = (CLIENTS_TOTAL, json!({ "first": 5 }));
    (0..4)
        .map(|caller| {
            let (query, variables) = if caller % 2 == 0 {
                me.clone()
            } else {
                list.clone()
            };
            let (url, http, token, stop) = (
                app.url.clone(),
                app.http().clone(),
                token.to_owned(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while !stop.is_cancelled() {
                    let started = Instant::now();
                    let res = http
                        .post(format!("{url}/graphql"))
                        .bearer_auth(&token)
                        .json(&json!({ "query": query, "variables": variables }))
                        .send()
                        .await
                        .expect("the gateway answers (no dropped connection)");
                    let status = res.status().as_u16();
                    let body: Value = res.json().await.expect("a JSON body, always");
                    answers.push((status, body, started.elapsed()));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                answers
            })
        })
        .collect()
}

/// Runs the PostgreSQL control script with `what` (`start`, `stop`, `status`).
async fn pg(ctl: &str, what: &str) -> std::process::Output {
    tokio::process::Command::new(ctl)
        .arg(what)
        .output()
        .await
        .unwrap()
}

/// Every answer came within the request timeout, and was data or a clean outage error;
/// returns how many were ok and how many failed.
fn clean_answers(answers: Vec<Answer>) -> (usize, usize) {
    let (mut ok, mut failed) = (0, 0);
    for (status, body, took) in answers {
        assert!(
            took < Duration::from_secs(11),
            "an answer took {took:?}, past the 10 s request timeout"
        );
        if body["data"]["me"]["email"] == "rosa@ledgerline.example"
            || body["data"]["clients"]["totalCount"] == 0
        {
            ok += 1;
            continue;
        }
        failed += 1;
        // A clean error: a status the client understands and a code, never a panic.
        assert!(matches!(status, 200 | 408 | 503), "status {status}: {body}");
        // An outage, said as one: never INTERNAL (a bug) for a database that went away.
        assert!(
            matches!(try_code_of(&body), Some("SERVICE_UNAVAILABLE" | "TIMEOUT")),
            "not an outage's code: {body}"
        );
    }
    (ok, failed)
}

#[tokio::test]
async fn prod_fault_postgres_restarted_under_load_fails_cleanly_and_recovers() {
    assert_production_mode();
    let admin = std::env::var("TEST_PG_FAULT_URL")
        .expect("TEST_PG_FAULT_URL: a PostgreSQL this test may restart (scripts/test starts one)");
    let ctl = std::env::var("TEST_PG_FAULT_CTL").expect("TEST_PG_FAULT_CTL");
    // Left stopped by an earlier, interrupted run? Start it.
    if !pg(&ctl, "status").await.status.success() {
        assert!(pg(&ctl, "start").await.status.success());
    }
    let app = TestApp::spawn_with(Options {
        postgres_admin_url: Some(admin),
        ..Default::default()
    })
    .await;
    let token = app.partner("rosa@ledgerline.example").await;
    let stop = tokio_util::sync::CancellationToken::new();
    let callers = load(&app, &token, &stop);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let out = pg(&ctl, "stop").await;
    assert!(out.status.success(), "pg stop: {out:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        app.readyz().await,
        503,
        "not ready while PostgreSQL is down"
    );
    let out = pg(&ctl, "start").await;
    assert!(out.status.success(), "pg start: {out:?}");
    let back = Instant::now();
    eventually(
        "serving again within 5 s of PostgreSQL's return",
        secs(5),
        async || {
            let body = app.gql(Some(&token), ME_EMAIL, json!({})).await;
            if body["data"]["me"]["email"] == "rosa@ledgerline.example" {
                Ok(())
            } else {
                Err(body)
            }
        },
    )
    .await;
    let recovered_after = back.elapsed();
    assert_eq!(app.readyz().await, 200);
    stop.cancel();
    let (mut ok, mut failed) = (0, 0);
    for caller in callers {
        let (o, f) = clean_answers(caller.await.unwrap());
        ok += o;
        failed += f;
    }
    assert!(failed > 0, "the outage was not seen by any request");
    assert!(ok > 0);
    println!(
        "PostgreSQL restart: {ok} answers ok, {failed} clean errors, serving again {recovered_after:?} after it returned"
    );
}

#[tokio::test]
async fn prod_fault_two_workers_sweeping_at_the_same_tick_expire_each_trial_once() {
    assert_production_mode();
    // No worker of the app's own sweeps; the two sweeps below are the only ones.
    let app =
        TestApp::spawn_with_args(&["--embedded-worker", "false", "--trial-length", "1s"]).await;
    let mut clients = 0u64;
    for p in 0..3 {
        let token = app.partner(&format!("p{p}@firm.example")).await;
        for c in 0..6 {
            app.create_client(
                &token,
                &format!("Co {p}-{c}"),
                "C",
                &format!("c{p}-{c}@client.example"),
            )
            .await;
            clients += 1;
        }
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Two workers, each with its own connections, sweep at the same moment.
    let config = app.worker_config();
    let one = entity::db::connect(&config.database_url(), 4)
        .await
        .unwrap();
    let two = entity::db::connect(&config.database_url(), 4)
        .await
        .unwrap();
    let events = app.events().await;
    let (r1, r2) = tokio::join!(
        worker::trials::sweep(&one, &events),
        worker::trials::sweep(&two, &events)
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.expired + r2.expired, clients, "{r1:?} {r2:?}");
    assert_eq!(r1.digests + r2.digests, 3, "{r1:?} {r2:?}");
    // And again: nothing left to do.
    let (r3, r4) = tokio::join!(
        worker::trials::sweep(&one, &events),
        worker::trials::sweep(&two, &events)
    );
    assert_eq!(r3.unwrap().expired + r4.unwrap().expired, 0);

    let digests = Delivery::find()
        .filter(Column::Kind.eq("trial_expired_digest"))
        .all(app.db())
        .await
        .unwrap();
    let mut to: Vec<_> = digests.iter().map(|d| d.recipient.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        ["p0@firm.example", "p1@firm.example", "p2@firm.example"],
        "one digest per partner"
    );
}
