//! Faults of the database (issue 6; SPEC §7, §8): PostgreSQL restarted under load fails
//! cleanly and recovers; two workers sweeping trials at the same tick expire each once.
//!
//! Production mode only: each test brings its own servers or processes where it must stop
//! them, and is bounded in time. They need PostgreSQL and Redis (`TEST_POSTGRES_URL`,
//! `TEST_REDIS_URL`): `scripts/test` runs them in its production pass; their names start
//! with `prod_` so the other passes leave them out.
//! The restart test also needs `TEST_PG_FAULT_URL` and `TEST_PG_FAULT_CTL`, a PostgreSQL
//! it may stop and start.

use e2e::{CLIENTS_TOTAL, ME_EMAIL, Options, TestApp, assert_production_mode};
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn prod_fault_postgres_restarted_under_load_fails_cleanly_and_recovers() {
    assert_production_mode();
    let admin = std::env::var("TEST_PG_FAULT_URL")
        .expect("TEST_PG_FAULT_URL: a PostgreSQL this test may restart (scripts/test starts one)");
    let ctl = std::env::var("TEST_PG_FAULT_CTL").expect("TEST_PG_FAULT_CTL");
    // Left stopped by an earlier, interrupted run? Start it.
    let status = std::process::Command::new(&ctl)
        .arg("status")
        .output()
        .unwrap();
    if !status.status.success() {
        assert!(
            std::process::Command::new(&ctl)
                .arg("start")
                .status()
                .unwrap()
                .success()
        );
    }
    let app = TestApp::spawn_with(Options {
        postgres_admin_url: Some(admin),
        ..Default::default()
    })
    .await;
    let token = app.partner("rosa@ledgerline.example").await;
    let me = (ME_EMAIL, json!({}));
    // The client list reads on one connection lent for the request (gateway/src/lease.rs),
    // the other on the pool: both must fail cleanly and recover.
    let list = (CLIENTS_TOTAL, json!({ "first": 5 }));

    // Load: four callers asking all the time; every answer is recorded.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut load = Vec::new();
    for caller in 0..4 {
        let (query, variables) = if caller % 2 == 0 {
            me.clone()
        } else {
            list.clone()
        };
        let (url, http, token, stop) = (
            app.url.clone(),
            app.http().clone(),
            token.clone(),
            stop.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut answers: Vec<(u16, Value, Duration)> = Vec::new();
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
        }));
    }
    let run = |what: &'static str| {
        let ctl = ctl.clone();
        async move {
            let out = tokio::process::Command::new(&ctl)
                .arg(what)
                .output()
                .await
                .unwrap();
            assert!(out.status.success(), "pg {what}: {out:?}");
        }
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    run("stop").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        app.readyz().await,
        503,
        "not ready while PostgreSQL is down"
    );
    run("start").await;
    let back = Instant::now();
    let recovered_after = loop {
        let body = app.gql(Some(&token), ME_EMAIL, json!({})).await;
        if body["data"]["me"]["email"] == "rosa@ledgerline.example" {
            break back.elapsed();
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "still failing 5 s after PostgreSQL returned: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(app.readyz().await, 200);
    stop.cancel();
    let mut failed = 0;
    let mut ok = 0;
    for task in load {
        for (status, body, took) in task.await.unwrap() {
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
            let code = body["errors"][0]["extensions"]["code"].as_str();
            assert!(
                matches!(code, Some("SERVICE_UNAVAILABLE" | "TIMEOUT")),
                "not an outage's code: {body}"
            );
        }
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
