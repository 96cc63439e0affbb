//! Signed-in firm sessions held in the process for the client list (issue 27), so the
//! request every partner makes all day costs one database round trip: its page.
//!
//! Only a request that is the client list alone reads this cache (`crate::http`), and
//! only full sessions of partner-firm users are kept (not a pending second step, not an
//! enrol-only session, not client accounts or support staff). An entry goes:
//! - when any session of its user ends or the user changes: every such change publishes
//!   a `worker::events::SessionEvent` after its commit (log-out, deactivation, demotion,
//!   a password change or reset, a factor reset, a scope change, ending client seats),
//!   which this process applies before publishing and every other gateway hears on the
//!   bus ([`SessionCache::start`]); a listener that fell behind the bus forgets all;
//! - when the session's own end passes;
//! - after `SESSION_CACHE_TTL` (default 5 s) whatever happened: the backstop for a
//!   change no event names (a firm policy, an upgrade) or an event Redis lost.
//!
//! A read that started before an event and finishes after it never refills the cache
//! with what it read: every event moves a generation on, and a read keeps its result
//! only if no event came between its start and its end ([`SessionCache::ticket`]).

use super::session::Viewer;
use chrono::Utc;
use entity::AccountKind;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// At most this many sessions are held: past it, those past the bound go, and if that
/// is not enough, all (they are read again).
const MAX_ENTRIES: usize = 100_000;

pub struct SessionCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache")
            .field("ttl", &self.ttl)
            .field("held", &self.len())
            .finish()
    }
}

#[derive(Default)]
struct Inner {
    /// Moves on with every event: a read started under an older one is not kept.
    generation: u64,
    /// By the session token's SHA-256.
    entries: HashMap<String, Entry>,
}

struct Entry {
    viewer: Viewer,
    user_id: i64,
    at: Instant,
}

/// Taken before reading a session from the database ([`SessionCache::keep`]).
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl SessionCache {
    /// A cache whose entries live at most `ttl`; `Duration::ZERO` keeps nothing.
    pub fn new(ttl: Duration) -> Self {
        SessionCache {
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The signed-in viewer of the session whose token hashes to `token_hash`, if held
    /// and still good.
    pub fn get(&self, token_hash: &str) -> Option<Viewer> {
        if self.ttl.is_zero() {
            return None;
        }
        let inner = self.inner();
        let e = inner.entries.get(token_hash)?;
        let Viewer::User(v) = &e.viewer else {
            return None;
        };
        (e.at.elapsed() < self.ttl && v.expires_at > Utc::now()).then(|| e.viewer.clone())
    }

    /// Take before reading a session from the database, give to [`keep`](Self::keep).
    pub fn ticket(&self) -> Ticket {
        Ticket(self.inner().generation)
    }

    /// Keeps `viewer`, read for `token_hash` since `ticket` was taken, unless an event
    /// came in between or it is not a kind this cache holds.
    pub fn keep(&self, ticket: Ticket, token_hash: String, viewer: &Viewer) {
        if self.ttl.is_zero() {
            return;
        }
        let Viewer::User(v) = viewer else {
            return;
        };
        if v.enrol_only || v.account.kind != AccountKind::Partner {
            return;
        }
        let mut inner = self.inner();
        if inner.generation != ticket.0 {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            inner.entries.retain(|_, e| e.at.elapsed() < ttl);
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
        }
        inner.entries.insert(
            token_hash,
            Entry {
                viewer: viewer.clone(),
                user_id: v.user.id,
                at: Instant::now(),
            },
        );
    }

    /// Forgets every session of these users.
    pub fn forget_users(&self, user_ids: &[i64]) {
        if user_ids.is_empty() {
            return;
        }
        let mut inner = self.inner();
        inner.generation += 1;
        inner.entries.retain(|_, e| !user_ids.contains(&e.user_id));
    }

    /// Forgets everything (the bus may have lost events).
    pub fn forget_all(&self) {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.entries.clear();
    }

    /// How many sessions are held.
    pub fn len(&self) -> usize {
        self.inner().entries.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies the session events of every process (`worker::events::SessionEvent`)
    /// until `stop`. Call once, before serving.
    pub fn start(
        cache: std::sync::Arc<SessionCache>,
        queue: &worker::JobQueue,
        stop: CancellationToken,
    ) {
        let mut rx = queue.sessions().listen();
        tokio::spawn(async move {
            loop {
                let event = tokio::select! {
                    _ = stop.cancelled() => return,
                    e = rx.recv() => e,
                };
                match event {
                    Ok(e) => cache.forget_users(&[e.user_id]),
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(
                            missed,
                            "the session cache fell behind the session events; it forgets all"
                        );
                        cache.forget_all();
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ViewerUser;
    use entity::{ClientScope, Platform, Role, account, user};

    fn viewer(user_id: i64, kind: AccountKind, ends_in: chrono::Duration) -> Viewer {
        let now = Utc::now();
        let account = account::Model {
            id: 1,
            company_id: "C".into(),
            name: "Firm".into(),
            kind,
            platform: Platform::V2,
            trial_ends_at: None,
            invite_code: None,
            plan: None,
            subscribed_at: None,
            created_at: now,
            second_factor_required_from: None,
            access_reason_required: false,
        };
        let user = user::Model {
            id: user_id,
            account_id: 1,
            email: format!("u{user_id}@firm.example"),
            name: "U".into(),
            password_hash: None,
            role: Role::Owner,
            active: true,
            created_at: now,
            suspended_by_partner: false,
            client_scope: ClientScope::AllClients,
        };
        Viewer::User(Box::new(ViewerUser {
            session_id: user_id,
            expires_at: now + ends_in,
            opened_by: None,
            enrol_only: false,
            second_factor_at: None,
            user,
            account,
        }))
    }

    fn held(c: &SessionCache, hash: &str) -> bool {
        c.get(hash).is_some()
    }

    #[test]
    fn a_session_is_held_until_an_event_names_its_user() {
        let c = SessionCache::new(Duration::from_secs(60));
        let day = chrono::Duration::days(1);
        c.keep(
            c.ticket(),
            "a".into(),
            &viewer(1, AccountKind::Partner, day),
        );
        c.keep(
            c.ticket(),
            "b".into(),
            &viewer(2, AccountKind::Partner, day),
        );
        assert!(held(&c, "a") && held(&c, "b"));
        c.forget_users(&[1]);
        assert!(!held(&c, "a"), "user 1's session was forgotten");
        assert!(held(&c, "b"), "user 2's stays");
        c.forget_all();
        assert!(c.is_empty());
    }

    #[test]
    fn a_read_that_an_event_overtook_is_not_kept() {
        let c = SessionCache::new(Duration::from_secs(60));
        let ticket = c.ticket();
        // The session is read from the database here, then its user logs out elsewhere.
        c.forget_users(&[1]);
        c.keep(
            ticket,
            "a".into(),
            &viewer(1, AccountKind::Partner, chrono::Duration::days(1)),
        );
        assert!(!held(&c, "a"));
    }

    #[test]
    fn only_live_partner_sessions_within_the_bound_are_served() {
        let day = chrono::Duration::days(1);
        let c = SessionCache::new(Duration::from_secs(60));
        c.keep(
            c.ticket(),
            "client".into(),
            &viewer(1, AccountKind::Client, day),
        );
        c.keep(
            c.ticket(),
            "staff".into(),
            &viewer(2, AccountKind::Staff, day),
        );
        c.keep(
            c.ticket(),
            "over".into(),
            &viewer(3, AccountKind::Partner, -day),
        );
        assert!(!held(&c, "client") && !held(&c, "staff"));
        assert!(!held(&c, "over"), "a session past its end is not served");
        let c = SessionCache::new(Duration::from_millis(1));
        c.keep(
            c.ticket(),
            "a".into(),
            &viewer(1, AccountKind::Partner, day),
        );
        std::thread::sleep(Duration::from_millis(5));
        assert!(!held(&c, "a"), "past the bound it is read again");
        let off = SessionCache::new(Duration::ZERO);
        off.keep(
            off.ticket(),
            "a".into(),
            &viewer(1, AccountKind::Partner, day),
        );
        assert!(!held(&off, "a"));
    }
}
