//! One live connection's state shared by its parts: how the server ends it
//! ([`Connection`]), when the client last sent anything ([`LastHeard`]), and the close
//! frame that tells it why.

use axum::extract::ws::{CloseFrame, Message};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How one WebSocket connection ends when the server ends it, and how many of its
/// subscriptions have started (their resolver ran: registered, or refused).
#[derive(Clone, Debug, Default)]
pub struct Connection {
    pub(super) closed: CancellationToken,
    why: Arc<Mutex<Option<(u16, String)>>>,
    started: Arc<tokio::sync::watch::Sender<u64>>,
}

/// Counts a subscription as started when dropped: held by a subscription's resolver, so
/// it counts once the resolver has registered what it watches, or refused.
pub struct Started(Connection);

impl Drop for Started {
    fn drop(&mut self) {
        self.0.started.send_modify(|n| *n += 1);
    }
}

impl Connection {
    /// Closes the connection with `code` and `reason` (the first reason given wins).
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        let mut why = self.why.lock().expect("connection");
        if why.is_none() {
            *why = Some((code, reason.into()));
        }
        self.closed.cancel();
    }

    /// Held by a subscription's resolver from its start (see [`Started`]).
    pub fn starting(&self) -> Started {
        Started(self.clone())
    }

    /// Waits until `n` subscriptions of this connection have started, at most `within`.
    pub(super) async fn started(&self, n: u64, within: Duration) {
        let mut rx = self.started.subscribe();
        let _ = tokio::time::timeout(within, rx.wait_for(|started| *started >= n)).await;
    }

    pub(super) fn reason(&self) -> Option<(u16, String)> {
        self.why.lock().expect("connection").clone()
    }
}

/// Milliseconds since the connection opened, when the client last sent anything.
#[derive(Clone)]
pub(super) struct LastHeard {
    opened: Instant,
    at_ms: Arc<AtomicU64>,
}

impl LastHeard {
    pub(super) fn new() -> Self {
        LastHeard {
            opened: Instant::now(),
            at_ms: Arc::default(),
        }
    }

    pub(super) fn now(&self) {
        self.at_ms
            .store(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// A mark of now, for [`LastHeard::since`].
    pub(super) fn now_mark(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    /// Whether the client sent anything at or after `mark`.
    pub(super) fn since(&self, mark: u64) -> bool {
        self.at_ms.load(Ordering::Relaxed) >= mark
    }

    pub(super) fn silent_for(&self) -> Duration {
        self.opened
            .elapsed()
            .saturating_sub(Duration::from_millis(self.at_ms.load(Ordering::Relaxed)))
    }
}

pub(super) fn close_frame(code: u16, reason: String) -> Message {
    // A close frame's reason is at most 123 bytes.
    let mut reason = reason;
    if reason.len() > 123 {
        let mut end = 120;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
        reason.push_str("...");
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}
