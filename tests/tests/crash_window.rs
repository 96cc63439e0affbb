//! Measurement, not a check (issue 22, "Worker crashes and doubled mail"): how many
//! emails a `worker run` killed with SIGKILL sends twice, by `WORKER_CONCURRENCY`, the
//! SMTP server's speed and the machine's load. The fault test (`faults_queue.rs`) bounds
//! the figure; this one measures it where it is large.
//!
//! Each run sends 300 invites (as the outside suite did) with workers started one after
//! another and killed at four points ([`KillAt`]): when the SMTP server has just kept the
//! worker's first message, or 60 of them, when the database has recorded 60 as sent, and
//! at a random time. At each kill it counts the deliveries the dead worker had claimed
//! whose email the SMTP server holds: each is sent again later, with the same
//! Message-ID (the dead worker's claims are let run out at once instead of in 30 s). A
//! last worker sends the rest; the run then compares the duplicates by Message-ID with
//! those counted (`uncounted`: any other way an email went twice, with what it went
//! through and the processes' logs kept). From the last worker's steady middle it also
//! measures the window itself (the server read the end of data → the worker took
//! `sent_at`; in brackets its part after the server kept the message) and, by Little's
//! law, how many messages sit in it at an instant (window × emails/s).
//!
//! ```text
//! cargo build -p gateway -p worker
//! set -a; . /tmp/svc.env; set +a   # or scripts/services.sh
//! E2E_MODE=production CRASH_CONCURRENCY=1,4,16,32 CRASH_SMTP_DELAY_MS=0,5,20 \
//!   CRASH_LOAD=0,2 CRASH_RUNS=2 cargo test -p e2e --test crash_window -- --ignored --nocapture
//! ```
//!
//! `CRASH_SMTP_DELAY_MS`: the SMTP server works this long on each end of data before it
//! keeps the message and answers 250 (0: at once). `CRASH_LOAD`: that many `yes`
//! processes keep the CPUs busy while the workers run. `CRASH_SMTP_POOL`: the workers'
//! `SMTP_POOL_SIZE` (default: theirs, 16). `CRASH_INVITES`: invites per run (300).
//! `CRASH_WORKERS=before=/path/to/worker,after=target/debug/worker`: builds to compare,
//! run in turn for each setting.

use e2e::{TestApp, assert_production_mode};
use entity::DeliveryStatus;
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

fn env_list(name: &str, default: &str) -> Vec<u64> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|e| panic!("{name}: {s}: {e}"))
        })
        .collect()
}

/// A number in [0, 1) that differs per call.
fn random_fraction() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_owned()
}

/// `n` processes keeping a CPU busy each, until dropped (each killed by its own id).
struct Load {
    _busy: Vec<tokio::process::Child>,
}

impl Load {
    fn start(n: usize) -> Load {
        Load {
            _busy: (0..n)
                .map(|_| {
                    tokio::process::Command::new("yes")
                        .stdout(std::process::Stdio::null())
                        .kill_on_drop(true)
                        .spawn()
                        .expect("yes")
                })
                .collect(),
        }
    }
}

/// When a worker is killed.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// The SMTP server has just kept the worker's first message: its jobs started
    /// together and still move in step.
    Early,
    /// The SMTP server has just kept 60 of the worker's messages (what a suite that
    /// watches its mail catcher would do).
    Kept,
    /// The database has just recorded 60 of the worker's messages as sent (what the
    /// fault test does).
    Recorded,
    /// At a uniform random time between the worker's start and when `Kept` killed it.
    Random,
}

impl KillAt {
    const ALL: [KillAt; 4] = [
        KillAt::Early,
        KillAt::Kept,
        KillAt::Recorded,
        KillAt::Random,
    ];

    fn name(self) -> &'static str {
        match self {
            KillAt::Early => "early",
            KillAt::Kept => "kept",
            KillAt::Recorded => "recorded",
            KillAt::Random => "random",
        }
    }
}

/// Messages a worker sends before `Kept` and `Recorded` kill it.
const MID: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Setting {
    concurrency: u64,
    delay_ms: u64,
    load: u64,
}

#[derive(Debug, Default)]
struct Outcome {
    /// Re-transmissions at each kill ([`KillAt::ALL`]).
    kills: Vec<(&'static str, usize)>,
    /// Messages in the window at an instant, by Little's law (window × emails/s), over the
    /// steady middle of the last worker's sending.
    little: f64,
    /// Mean window (the server read the end of data → the worker took `sent_at`), and its
    /// part after the server kept the message (the 250's way back and the worker), in ms.
    window_ms: f64,
    after_kept_ms: f64,
    /// Duplicates by Message-ID minus those counted at the kills (0 unless something other
    /// than the window sent an email twice; the run prints what those went through).
    uncounted: i64,
    /// Emails a second (last worker).
    throughput: f64,
}

/// The Message-ID header of a raw message.
fn message_id(raw: &str) -> Option<&str> {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Message-ID: "))
}

fn invite_mid(id: i64) -> String {
    format!("<delivery-{id}@partner-dashboard.localhost>")
}

async fn invite_ids(app: &TestApp) -> Vec<i64> {
    Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect()
}

async fn sent_count(app: &TestApp) -> u64 {
    Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .filter(Column::Status.eq(DeliveryStatus::Sent))
        .count(app.db())
        .await
        .unwrap()
}

/// How many copies of each invite the SMTP server holds, by Message-ID.
fn held(app: &TestApp, invites: &HashSet<String>) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in app.smtp.as_ref().unwrap().received() {
        if let Some(mid) = message_id(&m.raw)
            && invites.contains(mid)
        {
            *seen.entry(mid.to_owned()).or_insert(0) += 1;
        }
    }
    seen
}

/// The end of a worker process's log, for a failure message.
fn log_tail(app: &TestApp, name: &str) -> String {
    let log =
        std::fs::read_to_string(app.dir.path().join(format!("{name}.log"))).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn held_count(app: &TestApp) -> usize {
    app.smtp.as_ref().unwrap().count()
}

async fn run_once(
    setting: Setting,
    worker: &(String, PathBuf),
    invites_n: usize,
    pool: Option<u64>,
) -> Outcome {
    let (label, bin) = worker;
    let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    let smtp = app.smtp.clone().unwrap();
    smtp.delay_end_of_data(Duration::from_millis(setting.delay_ms));
    let partner = app.partner("rosa@ledgerline.example").await;
    {
        use futures::StreamExt;
        let app = &app;
        let partner = &partner;
        futures::stream::iter(0..invites_n)
            .for_each_concurrent(16, |i| async move {
                app.invite(partner, &format!("c{i}@client.example"), Some("Client Co"))
                    .await;
            })
            .await;
    }
    let ids = invite_ids(&app).await;
    assert_eq!(ids.len(), invites_n);
    let mids: HashSet<String> = ids.iter().map(|id| invite_mid(*id)).collect();
    let mut env = vec![("WORKER_CONCURRENCY", setting.concurrency.to_string())];
    if let Some(pool) = pool {
        env.push(("SMTP_POOL_SIZE", pool.to_string()));
    }
    let settle = Duration::from_millis(setting.delay_ms) + Duration::from_secs(1);
    let load = Load::start(setting.load as usize);

    let mut outcome = Outcome::default();
    let mut mid_took = Duration::from_secs(2);
    let run_start = SystemTime::now();
    let mut counted_ids = HashSet::new();
    let mut kill_times = Vec::new();
    for (k, at) in KillAt::ALL.into_iter().enumerate() {
        let held0 = held_count(&app);
        let sent0 = sent_count(&app).await;
        let started = Instant::now();
        let mut worker = app.worker_process_with(bin, &format!("worker-killed-{k}"), &env);
        let deadline = started + Duration::from_secs(120);
        match at {
            KillAt::Early | KillAt::Kept => {
                let enough = if matches!(at, KillAt::Early) { 1 } else { MID };
                while held_count(&app) < held0 + enough {
                    assert!(
                        Instant::now() < deadline,
                        "worker {k} sent too little:\n{}",
                        log_tail(&app, &format!("worker-killed-{k}"))
                    );
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                if matches!(at, KillAt::Kept) {
                    mid_took = started.elapsed();
                }
            }
            KillAt::Recorded => {
                while sent_count(&app).await < sent0 + MID as u64 {
                    assert!(
                        Instant::now() < deadline,
                        "worker {k} sent too little:\n{}",
                        log_tail(&app, &format!("worker-killed-{k}"))
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            KillAt::Random => {
                tokio::time::sleep(mid_took.mul_f64(random_fraction())).await;
            }
        }
        worker.start_kill().unwrap();
        kill_times.push(SystemTime::now());
        let killed_after = started.elapsed();
        let loadavg = load_average();
        worker.wait().await.unwrap();
        let sent_by_it = held_count(&app) - held0;
        // What the dead worker's sockets had sent reaches the server and is kept; what
        // it had written to PostgreSQL is committed.
        tokio::time::sleep(settle).await;
        let claimed: Vec<i64> = Delivery::find()
            .filter(Column::Kind.eq("invite"))
            .filter(Column::Status.ne(DeliveryStatus::Sent))
            .filter(Column::ClaimedUntil.gt(chrono::Utc::now()))
            .all(app.db())
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        let seen = held(&app, &mids);
        let resent: Vec<i64> = claimed
            .iter()
            .copied()
            .filter(|id| seen.contains_key(&invite_mid(*id)))
            .collect();
        counted_ids.extend(resent.iter().copied());
        let resent = resent.len();
        let name = at.name();
        println!(
            "  {label} {setting:?} kill {name:>8} after {killed_after:>6.2?} ({sent_by_it:>3} kept by then): \
             {} claimed, {resent} of them kept by the server (sent again later); load {loadavg}",
            claimed.len()
        );
        outcome.kills.push((name, resent));
        // The dead worker's claims would run out in 30 s: let them run out now.
        Delivery::update_many()
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(Column::ClaimedUntil.is_not_null())
            .filter(Column::Status.ne(DeliveryStatus::Sent))
            .exec(app.db())
            .await
            .unwrap();
    }

    // The last worker hands out again at once the jobs the dead ones took from Redis.
    let final_start = SystemTime::now();
    let mut final_env = env.clone();
    final_env.push(("OUTBOX_REQUEUE_AFTER", "2s".to_owned()));
    let _last = app.worker_process_with(bin, "worker-last", &final_env);
    let deadline = Instant::now() + Duration::from_secs(300);
    while sent_count(&app).await < invites_n as u64 || held(&app, &mids).len() < invites_n {
        assert!(
            Instant::now() < deadline,
            "{setting:?}: only {} of {invites_n} invites sent",
            sent_count(&app).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(settle).await;
    drop(load);
    let seen = held(&app, &mids);
    assert_eq!(seen.len(), invites_n, "every invite arrives");
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    let counted: usize = outcome.kills.iter().map(|(_, n)| n).sum();
    if duplicates != counted {
        // Say what the uncounted ones went through.
        let at = |t: SystemTime| t.duration_since(run_start).unwrap_or_default();
        let kills: Vec<Duration> = kill_times.iter().map(|t| at(*t)).collect();
        // The processes' logs go with the app's directory: keep them.
        let keep = std::env::temp_dir().join(format!("crash-window-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&keep).unwrap();
        for entry in std::fs::read_dir(app.dir.path()).unwrap().flatten() {
            if entry.path().extension().is_some_and(|e| e == "log") {
                let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
            }
        }
        println!(
            "  kills at {kills:?}, the last worker started at {:?}; logs in {}",
            at(final_start),
            keep.display()
        );
        for id in &ids {
            let mid = invite_mid(*id);
            if seen.get(&mid).is_some_and(|n| *n > 1) && !counted_ids.contains(id) {
                let d = Delivery::find_by_id(*id)
                    .one(app.db())
                    .await
                    .unwrap()
                    .unwrap();
                let copies: Vec<(Duration, Duration)> = smtp
                    .received()
                    .iter()
                    .filter(|m| message_id(&m.raw) == Some(mid.as_str()))
                    .map(|m| (at(m.end_of_data), at(m.kept)))
                    .collect();
                println!(
                    "  uncounted duplicate {id}: attempts {}, last error {:?}, copies (end of data, kept) {copies:?}",
                    d.attempts, d.last_error
                );
            }
        }
    }
    outcome.uncounted = duplicates as i64 - counted as i64;

    // The window, from the last worker's messages: the server read the end of data →
    // the worker took `sent_at` (then it writes the UPDATE).
    let sent_at: HashMap<String, SystemTime> = Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .filter_map(|d| d.sent_at.map(|t| (invite_mid(d.id), SystemTime::from(t))))
        .collect();
    let mut last: HashMap<String, e2e::Received> = HashMap::new();
    for m in smtp.received() {
        if let Some(mid) = message_id(&m.raw).map(str::to_owned)
            && mids.contains(&mid)
        {
            last.insert(mid, m);
        }
    }
    // (read the end of data, its window, the window's part after the server kept it)
    let mut timed: Vec<(SystemTime, f64, f64)> = Vec::new();
    let secs = |a: SystemTime, b: SystemTime| {
        b.duration_since(a)
            .map(|d| d.as_secs_f64())
            .unwrap_or_else(|e| -e.duration().as_secs_f64())
    };
    for (mid, m) in &last {
        if let Some(sent) = sent_at.get(mid)
            && m.end_of_data >= final_start
        {
            timed.push((
                m.end_of_data,
                secs(m.end_of_data, *sent),
                secs(m.kept, *sent),
            ));
        }
    }
    // The steady middle of the last worker's sending: from its 10th to its 90th
    // percentile message (its start, and the tail of jobs a dead worker lost, left out).
    timed.sort_by_key(|t| t.0);
    let steady = &timed[timed.len() / 10..timed.len() * 9 / 10];
    if steady.len() > 1 {
        let span = secs(steady[0].0, steady[steady.len() - 1].0);
        let n = steady.len() as f64;
        outcome.throughput = n / span;
        outcome.little = steady.iter().map(|t| t.1).sum::<f64>() / span;
        outcome.window_ms = steady.iter().map(|t| t.1).sum::<f64>() / n * 1000.0;
        outcome.after_kept_ms = steady.iter().map(|t| t.2).sum::<f64>() / n * 1000.0;
    }
    println!(
        "  {label} {setting:?} run: {duplicates} sent twice ({counted} counted at the kills); last worker: \
         {:.0}/s, window {:.2} ms on average ({:.2} ms after the server kept it), {:.2} in it at an instant",
        outcome.throughput, outcome.window_ms, outcome.after_kept_ms, outcome.little
    );
    outcome
}

#[tokio::test]
#[ignore = "a measurement of minutes: run it on purpose (see the file's comment)"]
async fn prod_measure_resends_when_a_worker_is_killed() {
    assert_production_mode();
    let concurrencies = env_list("CRASH_CONCURRENCY", "16");
    let delays = env_list("CRASH_SMTP_DELAY_MS", "0");
    let loads = env_list("CRASH_LOAD", "0");
    let runs = env_list("CRASH_RUNS", "1")[0];
    let invites = env_list("CRASH_INVITES", "300")[0] as usize;
    let pool = std::env::var("CRASH_SMTP_POOL")
        .ok()
        .map(|p| p.parse::<u64>().expect("CRASH_SMTP_POOL"));
    // `label=path,…`: worker builds to compare, run in turn for each setting.
    let workers: Vec<(String, PathBuf)> = match std::env::var("CRASH_WORKERS") {
        Ok(list) => list
            .split(',')
            .map(|w| {
                let (label, path) = w.split_once('=').expect("CRASH_WORKERS: label=path,…");
                (label.to_owned(), PathBuf::from(path))
            })
            .collect(),
        Err(_) => vec![("this".to_owned(), e2e::binary("worker"))],
    };
    let mut results: Vec<(String, Setting, Vec<Outcome>)> = Vec::new();
    for &load in &loads {
        for &delay_ms in &delays {
            for &concurrency in &concurrencies {
                let setting = Setting {
                    concurrency,
                    delay_ms,
                    load,
                };
                let mut outcomes: Vec<Vec<Outcome>> = workers.iter().map(|_| Vec::new()).collect();
                for _ in 0..runs {
                    for (w, worker) in workers.iter().enumerate() {
                        outcomes[w].push(run_once(setting, worker, invites, pool).await);
                    }
                }
                for (w, o) in outcomes.into_iter().enumerate() {
                    results.push((workers[w].0.clone(), setting, o));
                }
            }
        }
    }
    println!(
        "\nre-transmissions per kill (SMTP_POOL_SIZE {}), {invites} invites a run, {runs} run(s):",
        pool.map_or("16 (default)".to_owned(), |p| p.to_string())
    );
    println!(
        "| worker | WORKER_CONCURRENCY | end of data answered after | load | early | kept | recorded | random | mean per kill | in window (Little) | window ms (after kept) | emails/s | uncounted |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (label, s, outcomes) in &results {
        let at = |name: &str| {
            outcomes
                .iter()
                .flat_map(|o| o.kills.iter().filter(|(n, _)| *n == name).map(|(_, k)| k))
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let all: Vec<usize> = outcomes
            .iter()
            .flat_map(|o| o.kills.iter().map(|(_, k)| *k))
            .collect();
        let mean = all.iter().sum::<usize>() as f64 / all.len().max(1) as f64;
        let avg = |f: fn(&Outcome) -> f64| {
            outcomes.iter().map(f).sum::<f64>() / outcomes.len().max(1) as f64
        };
        println!(
            "| {label} | {} | {} ms | {} | {} | {} | {} | {} | {mean:.1} | {:.1} | {:.2} ({:.2}) | {:.0} | {} |",
            s.concurrency,
            s.delay_ms,
            s.load,
            at("early"),
            at("kept"),
            at("recorded"),
            at("random"),
            avg(|o| o.little),
            avg(|o| o.window_ms),
            avg(|o| o.after_kept_ms),
            avg(|o| o.throughput),
            outcomes.iter().map(|o| o.uncounted).sum::<i64>(),
        );
    }
}
