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

mod probe;
mod run;
mod window;

use e2e::assert_production_mode;
use probe::env_list;
use run::{Outcome, Setting, run_once};
use std::path::PathBuf;

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
    print_table(&results, invites, runs, pool);
}

/// The figures of every setting as one Markdown table.
fn print_table(
    results: &[(String, Setting, Vec<Outcome>)],
    invites: usize,
    runs: u64,
    pool: Option<u64>,
) {
    println!(
        "\nre-transmissions per kill (SMTP_POOL_SIZE {}), {invites} invites a run, {runs} run(s):",
        pool.map_or("16 (default)".to_owned(), |p| p.to_string())
    );
    println!(
        "| worker | WORKER_CONCURRENCY | end of data answered after | load | early | kept | recorded | random | mean per kill | in window (Little) | window ms (after kept) | emails/s | uncounted |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (label, s, outcomes) in results {
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
