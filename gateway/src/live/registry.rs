//! This gateway's subscribers and connections: each watched partner's channel, the
//! connections per session, user and process, and the users whose connections wait for
//! news of their sessions.

use super::seats;
use crate::config::LiveConfig;
use entity::{SeatAccess, client};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;
use worker::events::ChangeKind;

/// One change as every subscriber of the partner receives it: the row as committed, the
/// seats and grants of the partner's people in the client account, by email, and who is
/// assigned to the client (a member limited to assigned clients sees only those).
#[derive(Debug)]
pub struct Change {
    pub kind: ChangeKind,
    pub row: client::ListRow,
    pub seats: HashMap<String, SeatAccess>,
    pub assignees: Vec<i64>,
}

/// What a partner's subscribers receive.
#[derive(Debug)]
pub enum Update {
    Row(Box<Change>),
    /// Changes of this partner were missed (the gateway fell behind the bus, or could
    /// not read them): its subscribers must read the list again.
    Stale,
    /// A row of this partner was removed: there is no row to send, so its subscribers
    /// read the list again.
    Removed,
}

impl Update {
    /// Why a subscriber is closed to read its list again (`None` for a row).
    pub fn reread(&self) -> Option<&'static str> {
        match self {
            Update::Row(_) => None,
            Update::Stale => {
                Some("changes to your list were missed: reconnect and read the list again")
            }
            Update::Removed => {
                Some("a client was removed from your list: reconnect and read the list again")
            }
        }
    }
}

/// The subscribers of this gateway process; cheap to clone.
#[derive(Clone, Debug)]
pub struct Live {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    partners: Mutex<HashMap<i64, broadcast::Sender<Arc<Update>>>>,
    /// Open connections per session (this process).
    sessions: Mutex<HashMap<i64, usize>>,
    /// The connections of each signed-in user, woken to check their session again.
    users: Mutex<HashMap<i64, HashMap<u64, Arc<Notify>>>>,
    /// Connections open on this process, signed in or not.
    open: AtomicUsize,
    next_id: AtomicU64,
    seats: seats::Seats,
    config: LiveConfig,
    /// Cancelled when the gateway stops: every connection is closed (1001).
    stopping: CancellationToken,
}

impl Live {
    pub fn new(config: LiveConfig, seats: seats::Seats) -> Self {
        Live {
            inner: Arc::new(Inner {
                partners: Mutex::new(HashMap::new()),
                sessions: Mutex::new(HashMap::new()),
                users: Mutex::new(HashMap::new()),
                open: AtomicUsize::new(0),
                next_id: AtomicU64::new(1),
                seats,
                config,
                stopping: CancellationToken::new(),
            }),
        }
    }

    pub fn config(&self) -> &LiveConfig {
        &self.inner.config
    }

    /// The open connections' places per user and address (across gateways).
    pub(super) fn seats(&self) -> &seats::Seats {
        &self.inner.seats
    }

    /// Cancelled when the gateway stops: every connection is closed (1001).
    pub(super) fn stopping(&self) -> &CancellationToken {
        &self.inner.stopping
    }

    /// The changes to `partner_account_id`'s clients from now on. The channel holds
    /// `WS_BUFFER` changes for a subscriber that has not taken them yet; the last
    /// subscriber of a partner to go takes the channel (and its buffer) with it.
    pub fn watch(&self, partner_account_id: i64) -> Watch {
        let mut partners = self.inner.partners.lock().expect("live registry");
        let rx = partners
            .entry(partner_account_id)
            .or_insert_with(|| broadcast::channel(self.inner.config.buffer.max(1)).0)
            .subscribe();
        Watch {
            rx,
            live: self.clone(),
            partner_account_id,
        }
    }

    /// Whether anyone here watches the partner.
    pub(super) fn watched(&self, partner_account_id: i64) -> bool {
        let partners = self.inner.partners.lock().expect("live registry");
        partners.contains_key(&partner_account_id)
    }

    pub(super) fn send(&self, partner_account_id: i64, update: Arc<Update>) -> usize {
        let partners = self.inner.partners.lock().expect("live registry");
        partners
            .get(&partner_account_id)
            .and_then(|tx| tx.send(update).ok())
            .unwrap_or(0)
    }

    /// Tells the subscribers of `partners` (every partner watched here, for `None`) that
    /// they missed changes.
    pub(super) fn stale(&self, partners: Option<&[i64]>) {
        self.tell(partners, Update::Stale);
    }

    /// Tells the subscribers of `partners` that rows of theirs were removed.
    pub(super) fn removed(&self, partners: &[i64]) {
        self.tell(Some(partners), Update::Removed);
    }

    fn tell(&self, partners: Option<&[i64]>, update: Update) {
        let watched = self.inner.partners.lock().expect("live registry");
        let update = Arc::new(update);
        for (partner, tx) in watched.iter() {
            if partners.is_none_or(|p| p.contains(partner)) {
                let _ = tx.send(update.clone());
            }
        }
    }

    /// Counts one more connection of `session_id`, or `None` past
    /// `WS_CONNECTIONS_PER_SESSION`. The count goes down when the guard is dropped.
    pub(super) fn admit_session(&self, session_id: i64) -> Option<SessionSlot> {
        let mut sessions = self.inner.sessions.lock().expect("live sessions");
        let n = sessions.entry(session_id).or_insert(0);
        if *n >= self.inner.config.connections_per_session {
            return None;
        }
        *n += 1;
        Some(SessionSlot {
            live: self.clone(),
            session_id,
        })
    }

    /// Counts one more open connection on this process, or `None` past
    /// `WS_CONNECTIONS_PER_PROCESS`.
    pub(super) fn admit_connection(&self) -> Option<ProcessSlot> {
        let limit = self.inner.config.connections_per_process;
        self.inner
            .open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| ProcessSlot { live: self.clone() })
    }

    /// Registers connection `conn` of `user_id` to be woken when the user's sessions
    /// change; unregistered when the guard is dropped.
    pub(super) fn listen_for_user(&self, user_id: i64) -> UserListener {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let notify = Arc::new(Notify::new());
        self.inner
            .users
            .lock()
            .expect("live users")
            .entry(user_id)
            .or_default()
            .insert(id, notify.clone());
        UserListener {
            live: self.clone(),
            user_id,
            id,
            notify,
        }
    }

    /// Wakes the connections of these users (every connection, for `None`) to check
    /// their sessions now.
    pub(super) fn sessions_changed(&self, users: Option<&[i64]>) {
        let registered = self.inner.users.lock().expect("live users");
        for (user, conns) in registered.iter() {
            if users.is_none_or(|u| u.contains(user)) {
                conns.values().for_each(|n| n.notify_one());
            }
        }
    }
}

/// One subscriber's changes of one partner ([`Live::watch`]).
pub struct Watch {
    rx: broadcast::Receiver<Arc<Update>>,
    live: Live,
    partner_account_id: i64,
}

impl Watch {
    /// The next update; `Lagged` once the subscriber fell `WS_BUFFER` behind.
    pub async fn recv(&mut self) -> Result<Arc<Update>, broadcast::error::RecvError> {
        self.rx.recv().await
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // Under the registry's lock, so a subscriber arriving now finds the channel
        // either still there (and keeps it) or gone (and makes a new one).
        let mut partners = self.live.inner.partners.lock().expect("live registry");
        if partners
            .get(&self.partner_account_id)
            .is_some_and(|tx| tx.receiver_count() <= 1)
        {
            partners.remove(&self.partner_account_id);
        }
    }
}

/// One counted connection of a session.
pub(super) struct SessionSlot {
    live: Live,
    session_id: i64,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut sessions = self.live.inner.sessions.lock().expect("live sessions");
        if let Some(n) = sessions.get_mut(&self.session_id) {
            *n -= 1;
            if *n == 0 {
                sessions.remove(&self.session_id);
            }
        }
    }
}

/// One counted connection of this process.
pub(super) struct ProcessSlot {
    live: Live,
}

impl Drop for ProcessSlot {
    fn drop(&mut self) {
        self.live.inner.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection listening for its user's session events.
pub(super) struct UserListener {
    live: Live,
    user_id: i64,
    id: u64,
    pub(super) notify: Arc<Notify>,
}

impl Drop for UserListener {
    fn drop(&mut self) {
        let mut users = self.live.inner.users.lock().expect("live users");
        if let Some(conns) = users.get_mut(&self.user_id) {
            conns.remove(&self.id);
            if conns.is_empty() {
                users.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn live() -> Live {
        Live::new(
            LiveConfig {
                connections_per_session: 5,
                connections_per_user: 10,
                connections_per_address: 20,
                connections_per_process: 3,
                ping_every: Duration::from_secs(30),
                messages_per_second: 20,
                subscriptions_per_connection: 10,
                buffer: 8,
                send_timeout: Duration::from_secs(10),
                session_check: Duration::from_secs(10),
                init_timeout: Duration::from_secs(10),
            },
            seats::Seats::local(),
        )
    }

    /// A partner's channel (and its buffer) lives as long as someone watches it: a
    /// gateway that has seen many partners come and go holds none of their buffers.
    #[test]
    fn the_last_subscriber_to_go_takes_its_partners_channel_along() {
        let live = live();
        let a = live.watch(7);
        let b = live.watch(7);
        let other = live.watch(8);
        assert!(live.watched(7) && live.watched(8));
        drop(a);
        assert!(live.watched(7), "one subscriber of 7 is left");
        drop(b);
        assert!(!live.watched(7));
        assert!(live.watched(8));
        drop(other);
        assert!(live.inner.partners.lock().unwrap().is_empty());
    }

    #[test]
    fn the_process_holds_at_most_its_limit_of_connections() {
        let live = live();
        let held: Vec<_> = (0..3).map(|_| live.admit_connection().unwrap()).collect();
        assert!(live.admit_connection().is_none());
        drop(held);
        assert!(live.admit_connection().is_some());
    }

    #[tokio::test]
    async fn missed_changes_reach_only_the_partners_named() {
        let live = live();
        let mut seven = live.watch(7);
        let mut eight = live.watch(8);
        live.stale(Some(&[7]));
        assert!(matches!(*seven.recv().await.unwrap(), Update::Stale));
        assert!(
            tokio::time::timeout(Duration::from_millis(50), eight.recv())
                .await
                .is_err()
        );
        live.stale(None);
        assert!(matches!(*eight.recv().await.unwrap(), Update::Stale));
    }
}
