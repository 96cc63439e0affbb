//! `connection_init`: the session it names is checked and counted (per session on this
//! process, per user across gateways), and watched until it ends.

use super::connection::Connection;
use super::registry::{Live, SessionSlot, UserListener};
use super::seats::Seat;
use crate::auth::cookie::UpgradeCookies;
use crate::auth::session::{self, Viewer};
use crate::services::AppState;
use async_graphql::Data;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// What a connection holds once `connection_init` is accepted.
pub(super) struct SignedIn {
    _session: SessionSlot,
    _user: Seat,
    _listener: UserListener,
}

/// What answering `connection_init` needs of its connection.
#[derive(Clone)]
pub(super) struct Init {
    pub(super) state: AppState,
    pub(super) live: Live,
    pub(super) conn: Connection,
    /// Held for the connection's life once accepted.
    pub(super) signed_in: Arc<Mutex<Option<SignedIn>>>,
    /// Cancelled once accepted (the init timeout stops counting).
    pub(super) initialized: CancellationToken,
    /// The connection's id, for its seats.
    pub(super) id: String,
    pub(super) peer: SocketAddr,
    /// The web app's session cookies on the upgrade, for a `connection_init` that names
    /// one (`{"session": "main"}`) instead of sending a token.
    pub(super) cookies: UpgradeCookies,
}

impl Init {
    /// Accepts `connection_init` with a valid session within the limits, or closes the
    /// connection with the reason (4401, 4429, 1011).
    pub(super) async fn answer(self, payload: serde_json::Value) -> async_graphql::Result<Data> {
        let refuse = |code: u16, message: String| {
            self.conn.close(code, message.clone());
            Err(async_graphql::Error::new(message))
        };
        let auth = authorization(&payload).or_else(|| {
            let named = payload.get("session")?.as_str()?;
            self.cookies.bearer(named)
        });
        let viewer = match session::resolve(&self.state.db, auth.as_deref()).await {
            Ok(v) => v,
            Err(_) => return refuse(1011, "the service is unavailable; try again".into()),
        };
        let Viewer::User(v) = &viewer else {
            return refuse(
                4401,
                "connection_init needs {\"authorization\": \"Bearer <token>\"} with a token from logIn that is still valid (the web app: {\"session\": \"main\"} with its session cookie)".into(),
            );
        };
        if v.enrol_only {
            return refuse(
                4403,
                "add a second factor first: your firm requires one before anything else".into(),
            );
        }
        let live = &self.live;
        let Some(session) = live.admit_session(v.session_id) else {
            let most = live.config().connections_per_session;
            return refuse(
                4429,
                format!("this session already has {most} live connections open: close one first"),
            );
        };
        let per_user = live.config().connections_per_user;
        let key = format!("user:{}", v.user.id);
        let Some(user) = live.seats().take(&key, per_user, &self.id).await else {
            return refuse(
                4429,
                format!("you already have {per_user} live connections open: close one first"),
            );
        };
        let listener = live.listen_for_user(v.user.id);
        tokio::spawn(watch_session(
            self.state.clone(),
            live.config().session_check,
            self.conn.clone(),
            auth.unwrap_or_default(),
            (v.user.role, v.user.client_scope, v.expires_at),
            listener.notify.clone(),
        ));
        *self.signed_in.lock().expect("signed in") = Some(SignedIn {
            _session: session,
            _user: user,
            _listener: listener,
        });
        self.initialized.cancel();
        let mut data = Data::default();
        data.insert(viewer);
        data.insert(self.conn.clone());
        data.insert(crate::services::audit::RequestMeta {
            ip: Some(self.peer.ip().to_string()),
            request_id: String::new(),
        });
        Ok(data)
    }
}

/// Reads `authorization` (or `Authorization`) from `connection_init`'s payload.
fn authorization(payload: &serde_json::Value) -> Option<String> {
    ["authorization", "Authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned)
}

/// Closes `conn` once its session ends: at once when a session event about its user
/// arrives (`woken`), at the session's expiry, and every `WS_SESSION_CHECK` as a
/// backstop for an event the bus lost. A user no longer OWNER or ADMIN is closed too
/// (4403): the list is theirs no more; one whose client scope changed is told to read
/// the list again (1013).
async fn watch_session(
    state: AppState,
    every: Duration,
    conn: Connection,
    auth: String,
    (role, scope, expires_at): (
        entity::Role,
        entity::ClientScope,
        chrono::DateTime<chrono::Utc>,
    ),
    woken: Arc<Notify>,
) {
    let until_expiry = (expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO);
    let expiry = tokio::time::sleep(until_expiry);
    tokio::pin!(expiry);
    loop {
        tokio::select! {
            _ = conn.closed.cancelled() => return,
            _ = &mut expiry => {
                conn.close(4401, "your session expired: log in again");
                return;
            }
            _ = woken.notified() => {}
            _ = tokio::time::sleep(every) => {}
        }
        match session::resolve(&state.db, Some(&auth)).await {
            Ok(Viewer::User(v)) => {
                if role.is_admin() && !v.user.role.is_admin() {
                    conn.close(
                        4403,
                        "your role changed: only OWNERs and ADMINs see the client list",
                    );
                    return;
                }
                if v.user.client_scope != scope {
                    conn.close(
                        1013,
                        "which clients you see changed: reconnect and read the list again",
                    );
                    return;
                }
            }
            Ok(_) => {
                conn.close(
                    4401,
                    "your session ended (logged out, made inactive or expired): log in again",
                );
                return;
            }
            // The database is unreachable for now: the next check decides.
            Err(_) => {}
        }
    }
}
