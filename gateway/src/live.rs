//! The live client list: `Subscription.clientChanged` over WebSocket at `/graphql/ws`
//! (graphql-transport-ws; the older graphql-ws protocol is also spoken).
//!
//! - **Events in.** Every committed change to a client row is published on the bus
//!   (`worker::events`: Redis pub/sub, or this process). One task per gateway
//!   ([`fan_out`]) takes the events of partners someone here watches, reads those rows
//!   (and the partner users' seats in the client accounts) in two queries per batch, not
//!   per subscriber, and hands each change to that partner's channel.
//! - **Events out.** A subscriber gets its partner's changes only ([`Live::watch`]), each
//!   row rendered for its own user (`partnerAccess` is per partner user).
//! - **Limits.** Connections per session (this process), messages per second and
//!   subscriptions per connection, a bounded buffer per subscriber (one that falls behind
//!   is dropped, code 1013), a send timeout (a socket that stops reading is dropped) and
//!   an init timeout. The session is checked again every `WS_SESSION_CHECK`, and at its
//!   expiry: a connection whose session ended is closed with code 4401.

use crate::auth::session::{self, Viewer};
use crate::config::LiveConfig;
use crate::graphql::AppSchema;
use crate::services::AppState;
use async_graphql::Data;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use entity::{PartnerSeat, client, user};
use futures::{SinkExt, StreamExt};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use worker::ClientEvent;
use worker::events::ChangeKind;

/// One change as every subscriber of the partner receives it: the row as committed and
/// the seats of the partner's users in the client account, by email.
#[derive(Debug)]
pub struct Change {
    pub kind: ChangeKind,
    pub row: client::ListRow,
    pub seats: HashMap<String, PartnerSeat>,
}

/// The subscribers of this gateway process; cheap to clone.
#[derive(Clone, Debug)]
pub struct Live {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    partners: Mutex<HashMap<i64, broadcast::Sender<Arc<Change>>>>,
    sessions: Mutex<HashMap<i64, usize>>,
    config: LiveConfig,
    /// Cancelled when the gateway stops: every connection is closed (1001).
    stopping: CancellationToken,
}

/// Most events read from the bus in one batch.
const BATCH: usize = 500;

impl Live {
    pub fn new(config: LiveConfig) -> Self {
        Live {
            inner: Arc::new(Inner {
                partners: Mutex::new(HashMap::new()),
                sessions: Mutex::new(HashMap::new()),
                config,
                stopping: CancellationToken::new(),
            }),
        }
    }

    pub fn config(&self) -> &LiveConfig {
        &self.inner.config
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
    fn watched(&self, partner_account_id: i64) -> bool {
        let partners = self.inner.partners.lock().expect("live registry");
        partners.contains_key(&partner_account_id)
    }

    fn send(&self, partner_account_id: i64, change: Arc<Change>) -> usize {
        let partners = self.inner.partners.lock().expect("live registry");
        partners
            .get(&partner_account_id)
            .and_then(|tx| tx.send(change).ok())
            .unwrap_or(0)
    }

    /// Counts one more connection of `session_id`, or `None` past
    /// `WS_CONNECTIONS_PER_SESSION`. The count goes down when the guard is dropped.
    fn admit(&self, session_id: i64) -> Option<SessionSlot> {
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

    /// Starts handing the bus's events to this process's subscribers, until `stop`.
    pub fn start(
        &self,
        db: DatabaseConnection,
        events: &worker::ClientEvents,
        stop: CancellationToken,
    ) {
        let rx = events.listen();
        let stopping = self.inner.stopping.clone();
        tokio::spawn(async move {
            stop.cancelled().await;
            stopping.cancel();
        });
        tokio::spawn(fan_out(self.clone(), db, rx, self.inner.stopping.clone()));
    }
}

/// One subscriber's changes of one partner ([`Live::watch`]).
pub struct Watch {
    rx: broadcast::Receiver<Arc<Change>>,
    live: Live,
    partner_account_id: i64,
}

impl Watch {
    /// The next change; `Lagged` once the subscriber fell `WS_BUFFER` behind.
    pub async fn recv(&mut self) -> Result<Arc<Change>, broadcast::error::RecvError> {
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
struct SessionSlot {
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

async fn fan_out(
    live: Live,
    db: DatabaseConnection,
    mut rx: broadcast::Receiver<ClientEvent>,
    stop: CancellationToken,
) {
    use broadcast::error::{RecvError, TryRecvError};
    let missed = |n: u64| {
        metrics::counter!("client_events_missed_total").increment(n);
        tracing::warn!(
            missed = n,
            "the live list fell behind the bus and missed client events"
        );
    };
    loop {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            got = rx.recv() => got,
        };
        let mut batch = match first {
            Ok(e) => vec![e],
            Err(RecvError::Lagged(n)) => {
                missed(n);
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(TryRecvError::Lagged(n)) => missed(n),
                Err(_) => break,
            }
        }
        let mut seen = HashSet::new();
        batch.retain(|e| seen.insert(*e) && live.watched(e.partner_account_id));
        if batch.is_empty() {
            continue;
        }
        match read(&db, &batch).await {
            Ok(changes) => {
                for (partner, change) in changes {
                    let n = live.send(partner, change);
                    metrics::counter!("client_changes_delivered_total").increment(n as u64);
                }
            }
            Err(e) => {
                metrics::counter!("client_events_missed_total").increment(batch.len() as u64);
                tracing::warn!(error = %e, events = batch.len(), "could not read changed clients for the live list; those changes were not sent");
            }
        }
    }
}

/// The rows of `events` as committed, with the seats of their partners' users in the
/// client accounts: two queries for the whole batch.
async fn read(
    db: &DatabaseConnection,
    events: &[ClientEvent],
) -> Result<Vec<(i64, Arc<Change>)>, sea_orm::DbErr> {
    let ids: Vec<i64> = events.iter().map(|e| e.client_id).collect();
    let rows: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let accounts: Vec<i64> = rows.values().filter_map(|c| c.client_account_id).collect();
    let partners: HashSet<i64> = events.iter().map(|e| e.partner_account_id).collect();
    let mut seats: HashMap<i64, HashMap<String, PartnerSeat>> = HashMap::new();
    if !accounts.is_empty() {
        let partner_emails = Query::select()
            .column(user::Column::Email)
            .from(user::Entity)
            .and_where(user::Column::AccountId.is_in(partners.iter().copied()))
            .to_owned();
        let found: Vec<(i64, String, entity::Role, bool)> = user::Entity::find()
            .select_only()
            .column(user::Column::AccountId)
            .column(user::Column::Email)
            .column(user::Column::Role)
            .column(user::Column::Active)
            .filter(user::Column::AccountId.is_in(accounts))
            .filter(user::Column::Email.in_subquery(partner_emails))
            .into_tuple()
            .all(db)
            .await?;
        for (account, email, role, active) in found {
            seats
                .entry(account)
                .or_default()
                .insert(email, PartnerSeat { role, active });
        }
    }
    Ok(events
        .iter()
        .filter_map(|e| {
            let c = rows.get(&e.client_id)?;
            // A row names its partner; an event that says otherwise is not believed.
            (c.partner_account_id == e.partner_account_id).then(|| {
                let seats = c
                    .client_account_id
                    .and_then(|a| seats.get(&a).cloned())
                    .unwrap_or_default();
                (
                    e.partner_account_id,
                    Arc::new(Change {
                        kind: e.kind,
                        row: c.into(),
                        seats,
                    }),
                )
            })
        })
        .collect())
}

/// How one WebSocket connection ends when the server ends it.
#[derive(Clone, Debug, Default)]
pub struct Connection {
    closed: CancellationToken,
    why: Arc<Mutex<Option<(u16, String)>>>,
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

    fn reason(&self) -> Option<(u16, String)> {
        self.why.lock().expect("connection").clone()
    }
}

/// Upgrades a `/graphql/ws` request and serves the connection.
pub fn upgrade(
    state: AppState,
    schema: AppSchema,
    peer: SocketAddr,
    protocol: WebSocketProtocols,
    ws: WebSocketUpgrade,
) -> Response {
    ws.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| serve(state, schema, socket, protocol, peer))
}

/// The subprotocol a `Sec-WebSocket-Protocol` header asks for, the first one spoken here.
pub fn protocol_of(header: Option<&str>) -> Option<WebSocketProtocols> {
    header?
        .split(',')
        .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
}

/// Reads `authorization` (or `Authorization`) from `connection_init`'s payload.
fn authorization(payload: &serde_json::Value) -> Option<String> {
    ["authorization", "Authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned)
}

async fn serve(
    state: AppState,
    schema: AppSchema,
    socket: WebSocket,
    protocol: WebSocketProtocols,
    peer: SocketAddr,
) {
    metrics::gauge!("ws_connections").increment(1.0);
    let conn = Connection::default();
    let live = state.live.clone();
    let limits = live.config().clone();
    let (mut sink, stream) = socket.split();
    let input = limited_input(stream, &conn, &limits);
    // Held for the connection's life once `connection_init` is accepted.
    let slot: Arc<Mutex<Option<SessionSlot>>> = Arc::default();
    let initialized = CancellationToken::new();
    let on_init = {
        let (state, conn, slot, initialized) = (
            state.clone(),
            conn.clone(),
            slot.clone(),
            initialized.clone(),
        );
        move |payload: serde_json::Value| async move {
            let refuse = |code: u16, message: String| {
                conn.close(code, message.clone());
                Err(async_graphql::Error::new(message))
            };
            let auth = authorization(&payload);
            let viewer = match session::resolve(&state.db, auth.as_deref()).await {
                Ok(v) => v,
                Err(_) => return refuse(1011, "the service is unavailable; try again".into()),
            };
            let Viewer::User(v) = &viewer else {
                return refuse(
                    4401,
                    "connection_init needs {\"authorization\": \"Bearer <token>\"} with a token from logIn that is still valid".into(),
                );
            };
            let Some(admitted) = state.live.admit(v.session_id) else {
                return refuse(
                    4429,
                    format!(
                        "this session already has {} live connections open: close one first",
                        state.live.config().connections_per_session
                    ),
                );
            };
            *slot.lock().expect("slot") = Some(admitted);
            initialized.cancel();
            tokio::spawn(watch_session(
                state.clone(),
                conn.clone(),
                auth.unwrap_or_default(),
                v.user.role,
                v.expires_at,
            ));
            let mut data = Data::default();
            data.insert(viewer);
            data.insert(conn.clone());
            data.insert(crate::services::audit::RequestMeta {
                ip: Some(peer.ip().to_string()),
                request_id: String::new(),
            });
            Ok(data)
        }
    };
    let messages = async_graphql::http::WebSocket::new(schema, input, protocol)
        .on_connection_init(on_init)
        .map(|msg| match msg {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
        });
    futures::pin_mut!(messages);
    let init_deadline = tokio::time::sleep(limits.init_timeout);
    tokio::pin!(init_deadline);
    let mut dropped = false;
    loop {
        let next = tokio::select! {
            biased;
            _ = conn.closed.cancelled() => break,
            _ = live.inner.stopping.cancelled() => {
                conn.close(1001, "the server is restarting: connect again");
                break;
            }
            _ = &mut init_deadline, if !initialized.is_cancelled() => {
                conn.close(4408, "connection_init was not sent in time");
                break;
            }
            next = messages.next() => next,
        };
        let Some(mut msg) = next else { break };
        if let Message::Close(_) = msg {
            // The server's reason, when it gave one, says more than the library's.
            if let Some((code, reason)) = conn.reason() {
                msg = close_frame(code, reason);
            }
            let _ = tokio::time::timeout(limits.send_timeout, sink.send(msg)).await;
            conn.closed.cancel();
            break;
        }
        match tokio::time::timeout(limits.send_timeout, sink.send(msg)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => break,
            Err(_) => {
                // The socket took nothing for WS_SEND_TIMEOUT: a close frame would not get
                // through either.
                metrics::counter!("ws_slow_consumers_dropped_total").increment(1);
                tracing::info!(%peer, "dropped a live-list connection that stopped reading");
                dropped = true;
                break;
            }
        }
    }
    if !dropped && let Some((code, reason)) = conn.reason() {
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close_frame(code, reason)))
            .await;
    }
    conn.closed.cancel();
    drop(slot.lock().expect("slot").take());
    metrics::gauge!("ws_connections").decrement(1.0);
}

fn close_frame(code: u16, reason: String) -> Message {
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

/// The client's text and binary messages, counted: more than `WS_MESSAGES_PER_SECOND`
/// in a second, or more than `WS_SUBSCRIPTIONS_PER_CONNECTION` open subscriptions, close
/// the connection. Ends with the socket or the connection.
fn limited_input(
    stream: futures::stream::SplitStream<WebSocket>,
    conn: &Connection,
    limits: &LiveConfig,
) -> impl futures::Stream<Item = Vec<u8>> + Send + 'static {
    struct Count {
        window: Instant,
        in_window: u32,
        open: HashSet<String>,
    }
    let conn = conn.clone();
    let (per_second, max_open) = (
        limits.messages_per_second,
        limits.subscriptions_per_connection,
    );
    let mut count = Count {
        window: Instant::now(),
        in_window: 0,
        open: HashSet::new(),
    };
    stream
        .take_while(|m| futures::future::ready(m.is_ok()))
        .filter_map(|m| {
            futures::future::ready(match m {
                Ok(Message::Text(t)) => Some(t.as_bytes().to_vec()),
                Ok(Message::Binary(b)) => Some(b.to_vec()),
                _ => None,
            })
        })
        .take_while(move |data| {
            let now = Instant::now();
            if now.duration_since(count.window) >= Duration::from_secs(1) {
                count.window = now;
                count.in_window = 0;
            }
            count.in_window += 1;
            if count.in_window > per_second {
                conn.close(
                    1008,
                    format!("more than {per_second} messages in a second: slow down"),
                );
                return futures::future::ready(false);
            }
            #[derive(serde::Deserialize)]
            struct Peek {
                #[serde(rename = "type")]
                kind: String,
                id: Option<String>,
            }
            if let Ok(Peek { kind, id: Some(id) }) = serde_json::from_slice::<Peek>(data) {
                match kind.as_str() {
                    "subscribe" | "start" => {
                        count.open.insert(id);
                    }
                    "complete" | "stop" => {
                        count.open.remove(&id);
                    }
                    _ => {}
                }
                if count.open.len() > max_open {
                    conn.close(
                        4400,
                        format!("at most {max_open} subscriptions at once on one connection"),
                    );
                    return futures::future::ready(false);
                }
            }
            futures::future::ready(true)
        })
}

/// Closes `conn` once its session ends: checked every `WS_SESSION_CHECK`, and at the
/// session's expiry. A user no longer OWNER or ADMIN is closed too (4403): the list is
/// theirs no more.
async fn watch_session(
    state: AppState,
    conn: Connection,
    auth: String,
    role: entity::Role,
    expires_at: chrono::DateTime<chrono::Utc>,
) {
    let every = state.live.config().session_check;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> Live {
        Live::new(LiveConfig {
            connections_per_session: 5,
            messages_per_second: 20,
            subscriptions_per_connection: 10,
            buffer: 8,
            send_timeout: Duration::from_secs(10),
            session_check: Duration::from_secs(10),
            init_timeout: Duration::from_secs(10),
        })
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
}
