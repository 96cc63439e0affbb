//! What the measurement reads: settings from the environment, the machine's load, the
//! deliveries in the database and the messages the SMTP server holds.

use e2e::TestApp;
use entity::DeliveryStatus;
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

pub fn env_list(name: &str, default: &str) -> Vec<u64> {
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
pub fn random_fraction() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_owned()
}

/// `n` processes keeping a CPU busy each, until dropped (each killed by its own id).
pub struct Load {
    _busy: Vec<tokio::process::Child>,
}

impl Load {
    pub fn start(n: usize) -> Load {
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

/// The Message-ID header of a raw message.
pub fn message_id(raw: &str) -> Option<&str> {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Message-ID: "))
}

pub fn invite_mid(id: i64) -> String {
    format!("<delivery-{id}@partner-dashboard.localhost>")
}

pub async fn invite_ids(app: &TestApp) -> Vec<i64> {
    Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect()
}

pub async fn sent_count(app: &TestApp) -> u64 {
    Delivery::find()
        .filter(Column::Kind.eq("invite"))
        .filter(Column::Status.eq(DeliveryStatus::Sent))
        .count(app.db())
        .await
        .unwrap()
}

/// How many copies of each invite the SMTP server holds, by Message-ID.
pub fn held(app: &TestApp, invites: &HashSet<String>) -> HashMap<String, usize> {
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
pub fn log_tail(app: &TestApp, name: &str) -> String {
    let log =
        std::fs::read_to_string(app.dir.path().join(format!("{name}.log"))).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

pub fn held_count(app: &TestApp) -> usize {
    app.smtp.as_ref().unwrap().count()
}
