//! One run of the measurement: the invites, a worker killed at each point, a last one
//! sending the rest.

use super::probe::{
    Load, held, held_count, invite_ids, invite_mid, load_average, log_tail, random_fraction,
    sent_count,
};
use e2e::TestApp;
use entity::DeliveryStatus;
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// When a worker is killed.
#[derive(Debug, Clone, Copy)]
pub enum KillAt {
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
    pub const ALL: [KillAt; 4] = [
        KillAt::Early,
        KillAt::Kept,
        KillAt::Recorded,
        KillAt::Random,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KillAt::Early => "early",
            KillAt::Kept => "kept",
            KillAt::Recorded => "recorded",
            KillAt::Random => "random",
        }
    }
}

/// Messages a worker sends before `Kept` and `Recorded` kill it.
pub const MID: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Setting {
    pub concurrency: u64,
    pub delay_ms: u64,
    pub load: u64,
}

#[derive(Debug, Default)]
pub struct Outcome {
    /// Re-transmissions at each kill ([`KillAt::ALL`]).
    pub kills: Vec<(&'static str, usize)>,
    /// Messages in the window at an instant, by Little's law (window × emails/s), over the
    /// steady middle of the last worker's sending.
    pub little: f64,
    /// Mean window (the server read the end of data → the worker took `sent_at`), and its
    /// part after the server kept the message (the 250's way back and the worker), in ms.
    pub window_ms: f64,
    pub after_kept_ms: f64,
    /// Duplicates by Message-ID minus those counted at the kills (0 unless something other
    /// than the window sent an email twice; the run prints what those went through).
    pub uncounted: i64,
    /// Emails a second (last worker).
    pub throughput: f64,
}

/// One run's state: the gateway and its SMTP server, the invites, the worker to start.
pub struct Run {
    pub app: TestApp,
    pub(super) smtp: e2e::SmtpServer,
    pub(super) setting: Setting,
    pub(super) label: String,
    pub(super) bin: PathBuf,
    pub(super) env: Vec<(&'static str, String)>,
    pub(super) ids: Vec<i64>,
    pub(super) mids: HashSet<String>,
    /// How long a dead worker's last messages take to settle.
    pub(super) settle: Duration,
    pub(super) started: SystemTime,
    /// Deliveries counted as re-sent at a kill, and when each kill was.
    pub(super) counted_ids: HashSet<i64>,
    pub(super) kill_times: Vec<SystemTime>,
}

/// One run: `invites_n` invites, a worker killed at each [`KillAt`], a last one sending
/// the rest; what each kill re-sent and the window measured on the last worker.
pub async fn run_once(
    setting: Setting,
    worker: &(String, PathBuf),
    invites_n: usize,
    pool: Option<u64>,
) -> Outcome {
    let mut run = Run::start(setting, worker, invites_n, pool).await;
    let load = Load::start(setting.load as usize);
    let mut outcome = Outcome::default();
    let mut mid_took = Duration::from_secs(2);
    for (k, at) in KillAt::ALL.into_iter().enumerate() {
        let resent = run.kill_one(k, at, &mut mid_took).await;
        outcome.kills.push((at.name(), resent));
    }
    let final_start = run.send_the_rest(invites_n).await;
    drop(load);
    let seen = held(&run.app, &run.mids);
    assert_eq!(seen.len(), invites_n, "every invite arrives");
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    let counted: usize = outcome.kills.iter().map(|(_, n)| n).sum();
    if duplicates != counted {
        run.explain_uncounted(&seen, final_start).await;
    }
    outcome.uncounted = duplicates as i64 - counted as i64;
    run.measure_window(final_start, &mut outcome).await;
    println!(
        "  {} {setting:?} run: {duplicates} sent twice ({counted} counted at the kills); last worker: \
         {:.0}/s, window {:.2} ms on average ({:.2} ms after the server kept it), {:.2} in it at an instant",
        run.label, outcome.throughput, outcome.window_ms, outcome.after_kept_ms, outcome.little
    );
    outcome
}

impl Run {
    /// A gateway without a worker, `invites_n` invites in its outbox.
    async fn start(
        setting: Setting,
        worker: &(String, PathBuf),
        invites_n: usize,
        pool: Option<u64>,
    ) -> Run {
        let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
        let smtp = app.smtp.clone().unwrap();
        smtp.delay_end_of_data(Duration::from_millis(setting.delay_ms));
        let partner = app.partner("rosa@ledgerline.example").await;
        {
            use futures::StreamExt;
            let (app, partner) = (&app, &partner);
            futures::stream::iter(0..invites_n)
                .for_each_concurrent(16, |i| async move {
                    app.invite(partner, &format!("c{i}@client.example"), Some("Client Co"))
                        .await;
                })
                .await;
        }
        let ids = invite_ids(&app).await;
        assert_eq!(ids.len(), invites_n);
        let mids = ids.iter().map(|id| invite_mid(*id)).collect();
        let mut env = vec![("WORKER_CONCURRENCY", setting.concurrency.to_string())];
        if let Some(pool) = pool {
            env.push(("SMTP_POOL_SIZE", pool.to_string()));
        }
        Run {
            app,
            smtp,
            setting,
            label: worker.0.clone(),
            bin: worker.1.clone(),
            env,
            ids,
            mids,
            settle: Duration::from_millis(setting.delay_ms) + Duration::from_secs(1),
            started: SystemTime::now(),
            counted_ids: HashSet::new(),
            kill_times: Vec::new(),
        }
    }

    /// Starts worker `k`, kills it at `at`, and counts the messages it will send again.
    async fn kill_one(&mut self, k: usize, at: KillAt, mid_took: &mut Duration) -> usize {
        let app = &self.app;
        let (held0, sent0) = (held_count(app), sent_count(app).await);
        let started = Instant::now();
        let name = format!("worker-killed-{k}");
        let mut worker = app.worker_process_with(&self.bin, &name, &self.env);
        self.wait_for_kill_point(at, &name, (held0, sent0), started, mid_took)
            .await;
        worker.start_kill().unwrap();
        self.kill_times.push(SystemTime::now());
        let killed_after = started.elapsed();
        let loadavg = load_average();
        worker.wait().await.unwrap();
        let sent_by_it = held_count(app) - held0;
        // What the dead worker's sockets had sent reaches the server and is kept; what
        // it had written to PostgreSQL is committed.
        tokio::time::sleep(self.settle).await;
        let claimed = claimed_unsent(app).await;
        let seen = held(app, &self.mids);
        let resent: Vec<i64> = claimed
            .iter()
            .copied()
            .filter(|id| seen.contains_key(&invite_mid(*id)))
            .collect();
        self.counted_ids.extend(resent.iter().copied());
        println!(
            "  {} {:?} kill {:>8} after {killed_after:>6.2?} ({sent_by_it:>3} kept by then): \
             {} claimed, {} of them kept by the server (sent again later); load {loadavg}",
            self.label,
            self.setting,
            at.name(),
            claimed.len(),
            resent.len()
        );
        release_claims(app).await;
        resent.len()
    }

    /// Waits until the worker reaches `at` (see [`KillAt`]); `held0` messages were at the
    /// SMTP server and `sent0` recorded as sent when it started.
    async fn wait_for_kill_point(
        &self,
        at: KillAt,
        name: &str,
        (held0, sent0): (usize, u64),
        started: Instant,
        mid_took: &mut Duration,
    ) {
        let app = &self.app;
        let deadline = started + Duration::from_secs(120);
        let too_little = || format!("{name} sent too little:\n{}", log_tail(app, name));
        match at {
            KillAt::Early | KillAt::Kept => {
                let enough = if matches!(at, KillAt::Early) { 1 } else { MID };
                while held_count(app) < held0 + enough {
                    assert!(Instant::now() < deadline, "{}", too_little());
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                if matches!(at, KillAt::Kept) {
                    *mid_took = started.elapsed();
                }
            }
            KillAt::Recorded => {
                while sent_count(app).await < sent0 + MID as u64 {
                    assert!(Instant::now() < deadline, "{}", too_little());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            KillAt::Random => {
                tokio::time::sleep(mid_took.mul_f64(random_fraction())).await;
            }
        }
    }

    /// The last worker hands out again at once the jobs the dead ones took from Redis,
    /// and sends everything left. Returns when it started.
    async fn send_the_rest(&self, invites_n: usize) -> SystemTime {
        let final_start = SystemTime::now();
        let mut env = self.env.clone();
        env.push(("OUTBOX_REQUEUE_AFTER", "2s".to_owned()));
        let last = self.app.worker_process_with(&self.bin, "worker-last", &env);
        let deadline = Instant::now() + Duration::from_secs(300);
        while sent_count(&self.app).await < invites_n as u64
            || held(&self.app, &self.mids).len() < invites_n
        {
            assert!(
                Instant::now() < deadline,
                "{:?}: only {} of {invites_n} invites sent",
                self.setting,
                sent_count(&self.app).await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(self.settle).await;
        drop(last);
        final_start
    }
}

/// Invites a worker claimed and did not record as sent, while its claim still runs.
async fn claimed_unsent(app: &TestApp) -> Vec<i64> {
    Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .filter(Column::Status.ne(DeliveryStatus::Sent))
        .filter(Column::ClaimedUntil.gt(chrono::Utc::now()))
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect()
}

/// The dead worker's claims would run out in 30 s: let them run out now.
async fn release_claims(app: &TestApp) {
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
