//! One `/graphql/ws` connection: admitted (per process, per address), initialised with a
//! session (per session, per user), fed only the subscriptions `/graphql`'s document
//! limits allow, pinged when idle, and closed when its session ends.

use super::registry::{Live, ProcessSlot, SessionSlot, UserListener};
use super::seats::Seat;
use crate::auth::session::{self, Viewer};
use crate::config::LiveConfig;
use crate::error::http_error;
use crate::limits::Gate;
use crate::services::AppState;
use async_graphql::Data;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

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

/// The subprotocol a `Sec-WebSocket-Protocol` header asks for, the first one spoken here.
pub fn protocol_of(header: Option<&str>) -> Option<WebSocketProtocols> {
    header?
        .split(',')
        .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
}

/// What a connection holds from its upgrade on: its place on this process and its
/// address's seat.
struct Admitted {
    _process: ProcessSlot,
    _address: Seat,
    id: String,
}

/// What a connection holds once `connection_init` is accepted.
struct SignedIn {
    _session: SessionSlot,
    _user: Seat,
    _listener: UserListener,
}

/// Admits and upgrades a `/graphql/ws` request, or refuses it with an HTTP error: the
/// process holds `WS_CONNECTIONS_PER_PROCESS` connections (503), or the address
/// `WS_CONNECTIONS_PER_ADDRESS` (429).
pub async fn upgrade<E: async_graphql::Executor>(
    state: AppState,
    live: Live,
    schema: E,
    gate: Arc<Gate>,
    peer: SocketAddr,
    protocol: WebSocketProtocols,
    ws: WebSocketUpgrade,
) -> Response {
    let limits = live.config().clone();
    let Some(process) = live.admit_connection() else {
        metrics::counter!("ws_refused_total", "why" => "process").increment(1);
        return http_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "this server holds as many live connections as it may: try again shortly",
            Some(5),
        );
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let key = format!("ip:{}", peer.ip());
    let Some(address) = live
        .seats()
        .take(&key, limits.connections_per_address, &id)
        .await
    else {
        metrics::counter!("ws_refused_total", "why" => "address").increment(1);
        return http_error(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!(
                "your address already has {} live connections open: close one first",
                limits.connections_per_address
            ),
            Some(30),
        );
    };
    let admitted = Admitted {
        _process: process,
        _address: address,
        id,
    };
    ws.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| {
            serve(state, live, schema, gate, socket, protocol, peer, admitted)
        })
}

/// Reads `authorization` (or `Authorization`) from `connection_init`'s payload.
fn authorization(payload: &serde_json::Value) -> Option<String> {
    ["authorization", "Authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned)
}

/// Milliseconds since the connection opened, when the client last sent anything.
#[derive(Clone)]
struct LastHeard {
    opened: Instant,
    at_ms: Arc<AtomicU64>,
}

impl LastHeard {
    fn new() -> Self {
        LastHeard {
            opened: Instant::now(),
            at_ms: Arc::default(),
        }
    }

    fn now(&self) {
        self.at_ms
            .store(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// A mark of now, for [`LastHeard::since`].
    fn now_mark(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    /// Whether the client sent anything at or after `mark`.
    fn since(&self, mark: u64) -> bool {
        self.at_ms.load(Ordering::Relaxed) >= mark
    }

    fn silent_for(&self) -> Duration {
        self.opened
            .elapsed()
            .saturating_sub(Duration::from_millis(self.at_ms.load(Ordering::Relaxed)))
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve<E: async_graphql::Executor>(
    state: AppState,
    live: Live,
    schema: E,
    gate: Arc<Gate>,
    socket: WebSocket,
    protocol: WebSocketProtocols,
    peer: SocketAddr,
    admitted: Admitted,
) {
    metrics::gauge!("ws_connections").increment(1.0);
    let conn = Connection::default();
    let limits = live.config().clone();
    let (mut sink, stream) = socket.split();
    let (replies, mut replied) = mpsc::channel::<String>(16);
    let open: Arc<Mutex<HashSet<String>>> = Arc::default();
    let heard = LastHeard::new();
    let input = Inbound {
        conn: conn.clone(),
        state: state.clone(),
        live: live.clone(),
        gate,
        ip: peer.ip().to_string(),
        protocol,
        replies,
        open: open.clone(),
        heard: heard.clone(),
        window: Arc::new(Mutex::new((Instant::now(), 0))),
    }
    .stream(stream);
    // Held for the connection's life once `connection_init` is accepted.
    let signed_in: Arc<Mutex<Option<SignedIn>>> = Arc::default();
    let initialized = CancellationToken::new();
    let on_init = {
        let (state, live, conn, signed_in, initialized, id) = (
            state.clone(),
            live.clone(),
            conn.clone(),
            signed_in.clone(),
            initialized.clone(),
            admitted.id.clone(),
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
            let Some(session) = live.admit_session(v.session_id) else {
                return refuse(
                    4429,
                    format!(
                        "this session already has {} live connections open: close one first",
                        live.config().connections_per_session
                    ),
                );
            };
            let per_user = live.config().connections_per_user;
            let key = format!("user:{}", v.user.id);
            let Some(user) = live.seats().take(&key, per_user, &id).await else {
                return refuse(
                    4429,
                    format!("you already have {per_user} live connections open: close one first"),
                );
            };
            let listener = live.listen_for_user(v.user.id);
            tokio::spawn(watch_session(
                state.clone(),
                live.config().session_check,
                conn.clone(),
                auth.unwrap_or_default(),
                v.user.role,
                v.expires_at,
                listener.notify.clone(),
            ));
            *signed_in.lock().expect("signed in") = Some(SignedIn {
                _session: session,
                _user: user,
                _listener: listener,
            });
            initialized.cancel();
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
        .map(move |msg| match msg {
            WsMessage::Text(text) => {
                forget_ended(&open, &text);
                Message::Text(text.into())
            }
            WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
        });
    futures::pin_mut!(messages);
    let init_deadline = tokio::time::sleep(limits.init_timeout);
    tokio::pin!(init_deadline);
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + limits.ping_every,
        limits.ping_every,
    );
    // When the last unanswered ping went out.
    let mut pinged = None;
    let mut dropped = false;
    loop {
        let next = tokio::select! {
            biased;
            _ = conn.closed.cancelled() => break,
            _ = live.stopping().cancelled() => {
                conn.close(1001, "the server is restarting: connect again");
                break;
            }
            _ = &mut init_deadline, if !initialized.is_cancelled() => {
                conn.close(4408, "connection_init was not sent in time");
                break;
            }
            _ = ping.tick() => {
                if let Some(sent) = pinged.take()
                    && !heard.since(sent)
                {
                    metrics::counter!("ws_unresponsive_dropped_total").increment(1);
                    conn.close(1001, "the connection did not answer a ping: connect again");
                    break;
                }
                // Pinged only when quiet for most of a period: a client that talks is
                // known to be there.
                if heard.silent_for() < limits.ping_every / 2 {
                    continue;
                }
                pinged = Some(heard.now_mark());
                Some(Message::Ping(Default::default()))
            }
            reply = replied.recv() => reply.map(|text| Message::Text(text.into())),
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
    drop(signed_in.lock().expect("signed in").take());
    drop(admitted);
    metrics::gauge!("ws_connections").decrement(1.0);
}

/// An operation the server ended (`complete`, or `error` for one it refused) no longer
/// counts against `WS_SUBSCRIPTIONS_PER_CONNECTION`. Only those short messages are read:
/// async-graphql writes the type first.
fn forget_ended(open: &Mutex<HashSet<String>>, text: &str) {
    if !(text.starts_with(r#"{"type":"complete""#) || text.starts_with(r#"{"type":"error""#)) {
        return;
    }
    #[derive(serde::Deserialize)]
    struct Ended {
        id: String,
    }
    if let Ok(Ended { id }) = serde_json::from_str::<Ended>(text) {
        open.lock().expect("open operations").remove(&id);
    }
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

/// The client's side of a connection, before async-graphql sees it.
#[derive(Clone)]
struct Inbound {
    conn: Connection,
    state: AppState,
    live: Live,
    gate: Arc<Gate>,
    ip: String,
    protocol: WebSocketProtocols,
    /// Answers the server sends itself (a refused operation's `error`).
    replies: mpsc::Sender<String>,
    /// The operations open on this connection.
    open: Arc<Mutex<HashSet<String>>>,
    heard: LastHeard,
    /// The current one-second window and the messages in it.
    window: Arc<Mutex<(Instant, u32)>>,
}

/// A refusal of one operation: its code, its message and when to retry.
type Refusal = (&'static str, String, Option<u64>);

impl Inbound {
    /// The messages async-graphql may act on: counted, and each `subscribe` checked.
    /// Ends with the socket.
    fn stream(
        self,
        stream: futures::stream::SplitStream<WebSocket>,
    ) -> impl futures::Stream<Item = Vec<u8>> + Send + 'static {
        stream
            .take_while(|m| futures::future::ready(m.is_ok()))
            .filter_map(move |m| {
                let this = self.clone();
                async move { this.admit(m.ok()?).await }
            })
    }

    async fn admit(&self, msg: Message) -> Option<Vec<u8>> {
        self.heard.now();
        let data = match msg {
            Message::Text(t) => t.as_bytes().to_vec(),
            Message::Binary(b) => b.to_vec(),
            _ => return None,
        };
        let limits = self.live.config();
        if !self.within_rate(limits) {
            let per_second = limits.messages_per_second;
            self.conn.close(
                1008,
                format!("more than {per_second} messages in a second: slow down"),
            );
            return None;
        }
        #[derive(serde::Deserialize)]
        struct Peek {
            #[serde(rename = "type")]
            kind: String,
            id: Option<String>,
        }
        let Ok(Peek { kind, id: Some(id) }) = serde_json::from_slice::<Peek>(&data) else {
            return Some(data);
        };
        match kind.as_str() {
            "subscribe" | "start" => {
                if let Err(refused) = self.check_operation(&data).await {
                    self.refuse(&id, refused);
                    return None;
                }
                let max_open = limits.subscriptions_per_connection;
                let mut open = self.open.lock().expect("open operations");
                open.insert(id);
                if open.len() > max_open {
                    self.conn.close(
                        4400,
                        format!("at most {max_open} subscriptions at once on one connection"),
                    );
                    return None;
                }
            }
            "complete" | "stop" => {
                self.open.lock().expect("open operations").remove(&id);
            }
            _ => {}
        }
        Some(data)
    }

    /// Counts a message in the current second: false past `WS_MESSAGES_PER_SECOND`.
    fn within_rate(&self, limits: &LiveConfig) -> bool {
        let mut window = self.window.lock().expect("message window");
        let now = Instant::now();
        if now.duration_since(window.0) >= Duration::from_secs(1) {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1 <= limits.messages_per_second
    }

    /// Only subscriptions run here, each within `/graphql`'s limits: the per-address
    /// ceiling and the document's size, depth, aliases and root fields.
    async fn check_operation(&self, data: &[u8]) -> Result<(), Refusal> {
        #[derive(serde::Deserialize)]
        struct Subscribe {
            payload: async_graphql::Request,
        }
        let Ok(Subscribe { payload: mut req }) = serde_json::from_slice::<Subscribe>(data) else {
            // async-graphql answers a malformed message itself.
            return Ok(());
        };
        let rule = self.state.config.security.rate_limit_ip;
        if let Err(secs) = self
            .state
            .limiter
            .check(&format!("ip:{}", self.ip), rule)
            .await
        {
            return Err((
                "RATE_LIMITED",
                format!("too many requests from your address; try again in {secs} s"),
                Some(secs),
            ));
        }
        self.gate
            .inspect(&mut req)
            .map_err(|(code, message)| (code, message, None))?;
        let name = req.operation_name.clone();
        let Ok(doc) = req.parsed_query() else {
            // A syntax error: async-graphql reports it and runs nothing.
            return Ok(());
        };
        match crate::limits::operation::selected_operation(doc, name.as_deref()) {
            Some(op) if op.node.ty != OperationType::Subscription => Err((
                "BAD_REQUEST",
                "only subscriptions run over /graphql/ws: send queries and mutations to /graphql"
                    .into(),
                None,
            )),
            _ => Ok(()),
        }
    }

    /// Answers a refused operation with an `error` message; nothing of it runs.
    fn refuse(&self, id: &str, (code, message, retry): Refusal) {
        let mut extensions = json!({ "code": code });
        if let Some(secs) = retry {
            extensions["retryAfterSeconds"] = secs.into();
        }
        let error = json!({ "message": message, "extensions": extensions });
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => json!([error]),
            // The older protocol's error payload is one error.
            _ => error,
        };
        let reply = json!({ "type": "error", "id": id, "payload": payload }).to_string();
        if self.replies.try_send(reply).is_err() {
            self.conn
                .close(1008, "too many refused operations: slow down");
        }
    }
}

/// Closes `conn` once its session ends: at once when a session event about its user
/// arrives (`woken`), at the session's expiry, and every `WS_SESSION_CHECK` as a
/// backstop for an event the bus lost. A user no longer OWNER or ADMIN is closed too
/// (4403): the list is theirs no more.
async fn watch_session(
    state: AppState,
    every: Duration,
    conn: Connection,
    auth: String,
    role: entity::Role,
    expires_at: chrono::DateTime<chrono::Utc>,
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

    #[test]
    fn only_the_servers_complete_and_error_messages_end_an_operation() {
        let open = Mutex::new(HashSet::from(["1".to_owned(), "2".to_owned()]));
        forget_ended(&open, r#"{"type":"next","id":"1","payload":{}}"#);
        forget_ended(&open, r#"{"type":"complete","id":"1"}"#);
        forget_ended(&open, r#"{"type":"error","id":"2","payload":[]}"#);
        assert!(open.lock().unwrap().is_empty());
    }
}
