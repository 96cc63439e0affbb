//! One `/graphql/ws` connection: admitted (per process, per address), initialised with a
//! session (`init`), fed only the subscriptions `/graphql`'s document limits allow
//! (`inbound`), pinged when idle, and closed when its session ends.

use super::connection::{Connection, LastHeard, close_frame};
use super::inbound::{Inbound, forget_ended};
use super::init::{Init, SignedIn};
use super::registry::{Live, ProcessSlot};
use super::seats::Seat;
use crate::auth::cookie::UpgradeCookies;
use crate::config::LiveConfig;
use crate::error::http_error;
use crate::limits::Gate;
use crate::services::AppState;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::Response;
use futures::stream::SplitSink;
use futures::{SinkExt, Stream, StreamExt};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

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
    /// The web app's session cookies on the upgrade.
    cookies: UpgradeCookies,
}

/// Who opens a live connection: their address, and the web app's session cookies when
/// the upgrade came from its own pages.
pub struct Caller {
    pub peer: SocketAddr,
    pub cookies: UpgradeCookies,
}

/// Admits and upgrades a `/graphql/ws` request, or refuses it with an HTTP error: the
/// process holds `WS_CONNECTIONS_PER_PROCESS` connections (503), or the address
/// `WS_CONNECTIONS_PER_ADDRESS` (429).
pub async fn upgrade<E: async_graphql::Executor>(
    state: AppState,
    live: Live,
    schema: E,
    gate: Arc<Gate>,
    caller: Caller,
    protocol: WebSocketProtocols,
    ws: WebSocketUpgrade,
) -> Response {
    let Caller { peer, cookies } = caller;
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
        cookies,
    };
    ws.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| {
            serve(state, live, schema, gate, socket, protocol, peer, admitted)
        })
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
    let (sink, stream) = socket.split();
    let (replies, replied) = mpsc::channel::<String>(16);
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
        subscribed: Arc::default(),
        heard: heard.clone(),
        window: Arc::new(Mutex::new((Instant::now(), 0))),
    }
    .stream(stream);
    let init = Init {
        state,
        live: live.clone(),
        conn: conn.clone(),
        signed_in: Arc::<Mutex<Option<SignedIn>>>::default(),
        initialized: CancellationToken::new(),
        id: admitted.id.clone(),
        peer,
        cookies: admitted.cookies.clone(),
    };
    let (signed_in, initialized) = (init.signed_in.clone(), init.initialized.clone());
    let messages = async_graphql::http::WebSocket::new(schema, input, protocol)
        .on_connection_init(move |payload| init.clone().answer(payload))
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
    let pump = Pump {
        conn: conn.clone(),
        limits: live.config().clone(),
        live,
        heard,
        initialized,
        peer,
    };
    pump.run(messages, replied, sink).await;
    conn.closed.cancel();
    drop(signed_in.lock().expect("signed in").take());
    drop(admitted);
    metrics::gauge!("ws_connections").decrement(1.0);
}

/// Moves a connection's messages to its socket until it ends: async-graphql's answers,
/// the server's own replies, pings; and ends it for the init timeout, an unanswered ping,
/// a stopping gateway, or a socket that takes nothing.
struct Pump {
    conn: Connection,
    live: Live,
    limits: LiveConfig,
    heard: LastHeard,
    initialized: CancellationToken,
    peer: SocketAddr,
}

/// What a ping tick found.
enum Tick {
    /// The client talked lately or answered the last ping.
    Quiet,
    /// Time to ping it.
    Ping,
    /// It answered nothing since the last ping.
    Gone,
}

impl Pump {
    async fn run(
        self,
        messages: impl Stream<Item = Message>,
        mut replied: mpsc::Receiver<String>,
        mut sink: SplitSink<WebSocket, Message>,
    ) {
        let (conn, limits) = (&self.conn, &self.limits);
        futures::pin_mut!(messages);
        let init_deadline = tokio::time::sleep(limits.init_timeout);
        tokio::pin!(init_deadline);
        let start = tokio::time::Instant::now() + limits.ping_every;
        let mut ping = tokio::time::interval_at(start, limits.ping_every);
        // When the last unanswered ping went out.
        let mut pinged = None;
        loop {
            let next = tokio::select! {
                biased;
                _ = conn.closed.cancelled() => break,
                _ = self.live.stopping().cancelled() => {
                    conn.close(1001, "the server is restarting: connect again");
                    break;
                }
                _ = &mut init_deadline, if !self.initialized.is_cancelled() => {
                    conn.close(4408, "connection_init was not sent in time");
                    break;
                }
                _ = ping.tick() => match self.tick(&mut pinged) {
                    Tick::Quiet => continue,
                    Tick::Ping => Some(Message::Ping(Default::default())),
                    Tick::Gone => break,
                },
                reply = replied.recv() => reply.map(|text| Message::Text(text.into())),
                next = messages.next() => next,
            };
            let Some(msg) = next else { break };
            if !self.send(&mut sink, msg).await {
                return;
            }
        }
        if let Some((code, reason)) = conn.reason() {
            let close = sink.send(close_frame(code, reason));
            let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
        }
    }

    /// Pings a connection quiet for most of a period (a client that talks is known to be
    /// there); one that answered nothing since the last ping is gone.
    fn tick(&self, pinged: &mut Option<u64>) -> Tick {
        if let Some(sent) = pinged.take()
            && !self.heard.since(sent)
        {
            metrics::counter!("ws_unresponsive_dropped_total").increment(1);
            self.conn
                .close(1001, "the connection did not answer a ping: connect again");
            return Tick::Gone;
        }
        if self.heard.silent_for() < self.limits.ping_every / 2 {
            return Tick::Quiet;
        }
        *pinged = Some(self.heard.now_mark());
        Tick::Ping
    }

    /// Sends one message; false once the connection is over (closed, or a socket that
    /// took nothing for `WS_SEND_TIMEOUT`: a close frame would not get through either).
    async fn send(&self, sink: &mut SplitSink<WebSocket, Message>, msg: Message) -> bool {
        let timeout = self.limits.send_timeout;
        if let Message::Close(_) = msg {
            // The server's reason, when it gave one, says more than the library's.
            let msg = match self.conn.reason() {
                Some((code, reason)) => close_frame(code, reason),
                None => msg,
            };
            let _ = tokio::time::timeout(timeout, sink.send(msg)).await;
            self.conn.closed.cancel();
            return false;
        }
        match tokio::time::timeout(timeout, sink.send(msg)).await {
            Ok(Ok(())) => true,
            Ok(Err(_)) => {
                self.conn.closed.cancel();
                false
            }
            Err(_) => {
                metrics::counter!("ws_slow_consumers_dropped_total").increment(1);
                let peer = self.peer;
                tracing::info!(%peer, "dropped a live-list connection that stopped reading");
                self.conn.closed.cancel();
                false
            }
        }
    }
}
