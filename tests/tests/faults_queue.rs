//! Faults of the job queue (issue 6; SPEC §7: a mutation that promises an email never
//! loses it, and a retried job never sends it twice): a worker killed mid-way, Redis
//! stopped while invites are sent; and Redis upkeep, finished jobs not piling up.
//!
//! Production mode only: each test brings its own servers or processes where it must stop
//! them, and is bounded in time. They need PostgreSQL and Redis (`TEST_POSTGRES_URL`,
//! `TEST_REDIS_URL`): `scripts/test` runs them in its production pass; their names start
//! with `prod_` so the other passes leave them out.

use e2e::{TestApp, assert_production_mode, eventually, eventually_every, free_port, secs};
use entity::DeliveryStatus;
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::HashMap;
use std::time::Duration;

/// Sends `n` invites from `token`'s partner, 16 at a time; every one must succeed.
async fn invite_many(app: &TestApp, token: &str, prefix: &str, n: usize) -> Vec<String> {
    use futures::StreamExt;
    let emails: Vec<String> = (0..n)
        .map(|i| format!("{prefix}{i}@client.example"))
        .collect();
    futures::stream::iter(emails.clone())
        .for_each_concurrent(16, |email| async move {
            app.invite(token, &email, Some("Client Co")).await;
        })
        .await;
    emails
}

/// Message-ID → how many times the SMTP server received it, for invite emails.
fn invites_by_message_id(app: &TestApp) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in app.mails() {
        if m.subject.contains("invites you to try") {
            *seen.entry(m.message_id).or_insert(0) += 1;
        }
    }
    seen
}

/// Waits until at least `n` distinct invite emails arrived; returns them by Message-ID.
async fn wait_for_invites(app: &TestApp, n: usize, within: Duration) -> HashMap<String, usize> {
    let what = format!("{n} invite emails to arrive");
    eventually_every(&what, within, Duration::from_millis(200), async || {
        let seen = invites_by_message_id(app);
        if seen.len() >= n {
            Ok(seen)
        } else {
            Err(format!("{} of them", seen.len()))
        }
    })
    .await
}

/// Waits until at least `n` invite deliveries are recorded as sent.
async fn wait_sent(app: &TestApp, n: u64, within: Duration, every: Duration) {
    let what = format!("{n} invites recorded as sent");
    eventually_every(&what, within, every, async || {
        let sent = sent_count(app).await;
        if sent >= n {
            Ok(())
        } else {
            Err(format!("{sent} of them"))
        }
    })
    .await;
}

async fn sent_count(app: &TestApp) -> u64 {
    Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .filter(Column::Status.eq(DeliveryStatus::Sent))
        .count(app.db())
        .await
        .unwrap()
}

/// Deliveries a killed worker had claimed (and so was sending) whose email the SMTP
/// server already holds: the server accepted their end of data, the worker died before it
/// recorded that, and the next attempt sends them again.
async fn accepted_but_unrecorded(app: &TestApp) -> std::collections::HashSet<i64> {
    let in_flight: Vec<i64> = Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .filter(Column::Status.ne(DeliveryStatus::Sent))
        .filter(Column::ClaimedUntil.gt(chrono::Utc::now()))
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    let seen = invites_by_message_id(app);
    in_flight
        .into_iter()
        .filter(|id| seen.contains_key(&format!("<delivery-{id}@partner-dashboard.localhost>")))
        .collect()
}

/// Kills `worker run` three times while it sends 1,000 invites (issue 14 §9): none is
/// lost, and a message reaches the SMTP server twice only if its worker died between the
/// server's answer to its end of data and the commit that records it (the window), with
/// the same Message-ID. The worker records the outcome as soon as the answer arrives and
/// its sockets send the end of data at once (TCP_NODELAY), so that window is the SMTP
/// round trip plus one UPDATE; how many messages sit in it at a kill is measured by
/// `crash_window` (issue 22: about 1 per kill here, up to 4 on a loaded machine).
#[tokio::test]
async fn prod_fault_a_worker_killed_mid_way_loses_and_doubles_no_invite() {
    assert_production_mode();
    // The gateway only serves; the workers are processes this test starts and kills.
    // A job a killed worker had taken from Redis but not finished can be gone for good
    // (seen once in this test: 999 of 1,000 arrived). Its delivery stays QUEUED until
    // OUTBOX_REQUEUE_AFTER (5 m by default) hands it out again; 45 s here puts that
    // recovery inside the test's window, after the dead worker's 30 s claim has run out.
    let app = TestApp::spawn_with_args(&[
        "--embedded-worker",
        "false",
        "--outbox-requeue-after",
        "45s",
    ])
    .await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let emails = invite_many(&app, &partner, "c", 1000).await;
    assert_eq!(emails.len(), 1000);

    const KILLS: usize = 3;
    let mut at_kill = Vec::new();
    let mut windows = Vec::new();
    let mut left_unrecorded = std::collections::HashSet::new();
    for k in 0..KILLS {
        let mut worker = app.worker_process(&format!("worker-killed-{k}"));
        // Let it send part of the backlog, then kill it without warning.
        let target = sent_count(&app).await + 150;
        wait_sent(&app, target, secs(120), Duration::from_millis(20)).await;
        worker.start_kill().unwrap();
        worker.wait().await.unwrap();
        // What the dead worker's sockets still flush reaches the server now.
        tokio::time::sleep(Duration::from_secs(1)).await;
        at_kill.push(sent_count(&app).await);
        // An earlier kill's deliveries stay claimed (30 s) and are not this kill's.
        let now_unrecorded = accepted_but_unrecorded(&app).await;
        windows.push(now_unrecorded.difference(&left_unrecorded).count());
        left_unrecorded.extend(now_unrecorded);
    }
    assert!(
        at_kill[KILLS - 1] < 1000,
        "killed too late to test anything: {at_kill:?}"
    );

    let _last = app.worker_process("worker-after");
    // Three kills can each lose jobs taken from Redis; those come back after
    // OUTBOX_REQUEUE_AFTER, and one that meets its dead worker's claim waits once more.
    let seen = wait_for_invites(&app, 1000, Duration::from_secs(300)).await;
    // Every delivery the dead workers left claimed must be settled before counting.
    wait_sent(&app, 1000, secs(90), Duration::from_millis(200)).await;
    // Anything still in flight settles, then nothing more may arrive.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen_after = invites_by_message_id(&app);
    assert_eq!(seen_after.len(), 1000, "every invite arrives, and no other");
    assert_eq!(seen.len(), seen_after.len());
    // Every Message-ID is a delivery's: the same email, never a second one.
    let ids: Vec<i64> = Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    for id in &ids {
        let mid = format!("<delivery-{id}@partner-dashboard.localhost>");
        assert!(seen_after.contains_key(&mid), "{mid} never arrived");
    }
    let retransmitted: usize = seen_after.values().map(|n| n - 1).sum();
    println!(
        "killed after {at_kill:?} sent; accepted but unrecorded at each kill: {windows:?}; \
         1000 invites arrived; {retransmitted} re-transmitted with the same Message-ID"
    );
    resends_are_the_windows(retransmitted, &windows);
}

/// A kill re-sends exactly the messages the server had kept and the dead worker had not
/// yet recorded (the window), never more than its SMTP connections in flight. How many
/// that is depends on emails/s and the server's answer time (README, "How email is
/// sent"), not on this code, so the count itself is not bounded here.
fn resends_are_the_windows(retransmitted: usize, windows: &[usize]) {
    // The worker's default WORKER_CONCURRENCY and SMTP_POOL_SIZE.
    const IN_FLIGHT: usize = 16;
    assert_eq!(
        retransmitted,
        windows.iter().sum::<usize>(),
        "every re-transmission is one a kill caught in the window ({windows:?} per kill)"
    );
    for w in windows {
        assert!(
            *w <= IN_FLIGHT,
            "a kill caught {w} messages in the window, more than the {IN_FLIGHT} a worker sends at once ({windows:?})"
        );
    }
}

/// A Redis server of this test's own, so it can be stopped.
struct OwnRedis {
    port: u16,
    child: Option<tokio::process::Child>,
}

impl OwnRedis {
    async fn start(port: u16) -> OwnRedis {
        let child = tokio::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server (scripts/test installs it)");
        eventually("redis-server to start", secs(10), async || {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        })
        .await;
        OwnRedis {
            port,
            child: Some(child),
        }
    }

    async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.start_kill().unwrap();
            c.wait().await.unwrap();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

#[tokio::test]
async fn prod_fault_redis_stopped_while_invites_are_sent_delays_mail_and_loses_none() {
    assert_production_mode();
    let mut redis = OwnRedis::start(free_port()).await;
    // The queue's contents die with this Redis (no persistence): the outbox hands the lost
    // jobs out again after 5 s.
    let app =
        TestApp::spawn_with_args(&["--redis-url", &redis.url(), "--outbox-requeue-after", "5s"])
            .await;
    let partners = [
        app.partner("a@firm.example").await,
        app.partner("b@firm.example").await,
    ];
    assert_eq!(app.readyz().await, 200);

    redis.stop().await;
    // Every mutation succeeds while the queue is down: the outbox is in PostgreSQL.
    let (a, b) = tokio::join!(
        invite_many(&app, &partners[0], "a", 100),
        invite_many(&app, &partners[1], "b", 100)
    );
    assert_eq!(a.len() + b.len(), 200);
    assert_eq!(app.readyz().await, 503, "not ready while Redis is down");

    let redis = OwnRedis::start(redis.port).await;
    eventually("readiness to come back with Redis", secs(30), async || {
        app.readyz().await == 200
    })
    .await;
    wait_for_invites(&app, 200, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen = invites_by_message_id(&app);
    assert_eq!(seen.len(), 200);
    assert!(
        seen.values().all(|n| *n == 1),
        "an invite arrived twice: {seen:?}"
    );
    drop(redis);
}

#[tokio::test]
async fn prod_finished_jobs_do_not_pile_up_in_redis() {
    assert_production_mode();
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.partner(&format!("p{i}@firm.example")).await;
    }
    for i in 0..5 {
        app.wait_for_mail(&format!("p{i}@firm.example"), "Welcome")
            .await;
    }
    let ns = app.worker_config().queue_namespace;
    let client = redis::Client::open(e2e::redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    // The worker's upkeep (every 10 s) deletes finished jobs with their data and metadata.
    let what = "finished jobs to leave Redis";
    eventually_every(what, secs(30), Duration::from_millis(500), async || {
        let data: u64 = redis::cmd("HLEN")
            .arg(format!("{ns}.mail:data"))
            .query_async(&mut conn)
            .await
            .unwrap();
        let done: u64 = redis::cmd("SCARD")
            .arg(format!("{ns}.mail:done"))
            .query_async(&mut conn)
            .await
            .unwrap();
        let metas: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{ns}.mail:meta:*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        if data == 0 && done == 0 && metas.is_empty() {
            Ok(())
        } else {
            let n = metas.len();
            Err(format!("{data} data, {done} done, {n} metadata keys"))
        }
    })
    .await;
    // And the queue still works afterwards.
    app.partner("later@firm.example").await;
    app.wait_for_mail("later@firm.example", "Welcome").await;
}
