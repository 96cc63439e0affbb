//! What a run found after its last worker: the duplicates no kill accounted for, and
//! the window itself on the last worker's steady middle.

use super::probe::{invite_mid, message_id};
use super::run::{Outcome, Run};
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// Seconds from `a` to `b` (negative when `b` is earlier).
fn secs(a: SystemTime, b: SystemTime) -> f64 {
    b.duration_since(a)
        .map(|d| d.as_secs_f64())
        .unwrap_or_else(|e| -e.duration().as_secs_f64())
}

impl Run {
    /// Says what the duplicates no kill counted went through, and keeps the processes'
    /// logs (they go with the app's directory).
    pub async fn explain_uncounted(&self, seen: &HashMap<String, usize>, final_start: SystemTime) {
        let at = |t: SystemTime| t.duration_since(self.started).unwrap_or_default();
        let kills: Vec<Duration> = self.kill_times.iter().map(|t| at(*t)).collect();
        let keep = std::env::temp_dir().join(format!("crash-window-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&keep).unwrap();
        for entry in std::fs::read_dir(self.app.dir.path()).unwrap().flatten() {
            if entry.path().extension().is_some_and(|e| e == "log") {
                let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
            }
        }
        println!(
            "  kills at {kills:?}, the last worker started at {:?}; logs in {}",
            at(final_start),
            keep.display()
        );
        for id in &self.ids {
            let mid = invite_mid(*id);
            if seen.get(&mid).is_none_or(|n| *n <= 1) || self.counted_ids.contains(id) {
                continue;
            }
            let d = Delivery::find_by_id(*id)
                .one(self.app.db())
                .await
                .unwrap()
                .unwrap();
            let copies: Vec<(Duration, Duration)> = self
                .smtp
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

    /// The window, from the last worker's messages: the server read the end of data →
    /// the worker took `sent_at` (then it writes the UPDATE).
    pub async fn measure_window(&self, final_start: SystemTime, outcome: &mut Outcome) {
        let sent_at: HashMap<String, SystemTime> = Delivery::find()
            .filter(Column::Kind.eq("invite"))
            .all(self.app.db())
            .await
            .unwrap()
            .iter()
            .filter_map(|d| d.sent_at.map(|t| (invite_mid(d.id), SystemTime::from(t))))
            .collect();
        let mut last: HashMap<String, e2e::Received> = HashMap::new();
        for m in self.smtp.received() {
            if let Some(mid) = message_id(&m.raw).map(str::to_owned)
                && self.mids.contains(&mid)
            {
                last.insert(mid, m);
            }
        }
        // (read the end of data, its window, the window's part after the server kept it)
        let mut timed: Vec<(SystemTime, f64, f64)> = Vec::new();
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
    }
}
