//! A graphql-transport-ws client for the live client list (`/graphql/ws`), as a front
//! end speaks it: `connection_init` with the token, `subscribe`, then `next` messages.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// The fields of a row the live tests read.
pub const CLIENT_CHANGED: &str = "subscription { clientChanged { kind client {
    id email status inviteState partnerAccess lastPartnerLoginAt availableActions } } }";

/// How the server ended a connection: close code and reason (1006 when it closed the
/// socket without a close frame).
pub type Closed = (u16, String);

pub struct LiveClient {
    socket: Socket,
}

/// The WebSocket URL of a gateway's base URL.
fn ws_url(base: &str) -> String {
    format!("{}/graphql/ws", base.replacen("http", "ws", 1))
}

impl LiveClient {
    /// Opens a connection asking for graphql-transport-ws, without sending anything.
    /// `recv_buffer`: a small socket receive buffer, for a client that stops reading.
    pub async fn open(base: &str, recv_buffer: Option<u32>) -> LiveClient {
        match Self::try_open(base, recv_buffer).await {
            Ok(c) => c,
            Err((status, body)) => panic!("WebSocket upgrade refused: HTTP {status} {body}"),
        }
    }

    /// [`LiveClient::open`], or the HTTP status and body of a refused upgrade.
    pub async fn try_open(
        base: &str,
        recv_buffer: Option<u32>,
    ) -> Result<LiveClient, (u16, String)> {
        Self::try_open_with(base, recv_buffer, &[]).await
    }

    /// Opens a connection as a browser page would, with its `Origin` and `Cookie`
    /// headers (`headers`), without sending anything.
    pub async fn open_with_headers(base: &str, headers: &[(&str, &str)]) -> LiveClient {
        match Self::try_open_with(base, None, headers).await {
            Ok(c) => c,
            Err((status, body)) => panic!("WebSocket upgrade refused: HTTP {status} {body}"),
        }
    }

    async fn try_open_with(
        base: &str,
        recv_buffer: Option<u32>,
        headers: &[(&str, &str)],
    ) -> Result<LiveClient, (u16, String)> {
        let url = ws_url(base);
        let mut req = url.as_str().into_client_request().unwrap();
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        for (k, v) in headers {
            req.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let addr: std::net::SocketAddr = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if let Some(n) = recv_buffer {
            socket.set_recv_buffer_size(n).unwrap();
        }
        let tcp = socket.connect(addr).await.expect("gateway accepts");
        let (socket, res) = match tokio_tungstenite::client_async(req, tcp).await {
            Ok(upgraded) => upgraded,
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                let body = res
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                return Err((res.status().as_u16(), body));
            }
            Err(e) => panic!("WebSocket upgrade: {e}"),
        };
        assert_eq!(
            res.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        Ok(LiveClient { socket })
    }

    /// Connects and initialises with `token`: Ok after `connection_ack`, or how the
    /// server closed the connection instead.
    pub async fn connect(base: &str, token: &str) -> Result<LiveClient, Closed> {
        let mut c = Self::open(base, None).await;
        c.init(json!({ "authorization": format!("Bearer {token}") }))
            .await?;
        Ok(c)
    }

    /// Sends `connection_init` with `payload` and waits for the ack.
    pub async fn init(&mut self, payload: Value) -> Result<(), Closed> {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match self.next_message(Duration::from_secs(10)).await {
            Ok(m) if m["type"] == "connection_ack" => Ok(()),
            Ok(m) => panic!("expected connection_ack, got {m}"),
            Err(closed) => Err(closed),
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// Sends `subscribe` for operation `id` with this payload (`query`, `variables`, …).
    pub async fn subscribe_with(&mut self, id: &str, payload: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": payload }))
            .await;
    }

    /// Starts subscription `id` with `query`.
    pub async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } }))
            .await;
    }

    /// The next protocol message (pings are answered), or how the connection ended.
    /// Panics when nothing comes within `wait`.
    pub async fn next_message(&mut self, wait: Duration) -> Result<Value, Closed> {
        loop {
            let got = tokio::time::timeout(wait, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("nothing from the live connection within {wait:?}"));
            match got {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).expect("JSON message");
                    if v["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Ok(v);
                }
                Some(Ok(Message::Close(frame))) => return Err(close_of(frame)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Err((1006, String::new())),
            }
        }
    }

    /// The next `next` payload's `data.clientChanged`; panics on anything else.
    pub async fn next_change(&mut self) -> Value {
        let m = self
            .next_message(Duration::from_secs(15))
            .await
            .unwrap_or_else(|c| panic!("the connection closed: {c:?}"));
        assert_eq!(m["type"], "next", "{m}");
        assert!(m["payload"].get("errors").is_none(), "{m}");
        m["payload"]["data"]["clientChanged"].clone()
    }

    /// Nothing arrives within `wait` (the connection stays open).
    /// WebSocket pings are answered and are not counted as something.
    pub async fn quiet_for(&mut self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        while let Ok(got) = tokio::time::timeout_at(until, self.socket.next()).await {
            match got {
                // tungstenite queues the pong; sending flushes it, as a browser would.
                Some(Ok(Message::Ping(_))) => self.socket.flush().await.expect("pong"),
                Some(Ok(Message::Pong(_))) => continue,
                other => panic!("expected nothing, got {other:?}"),
            }
        }
    }

    /// Reads until the server closes the connection; returns how, and how many `next`
    /// messages came before.
    pub async fn closed(&mut self, wait: Duration) -> (Closed, usize) {
        let mut nexts = 0;
        loop {
            match self.next_message(wait).await {
                Ok(m) if m["type"] == "next" => nexts += 1,
                Ok(_) => {}
                Err(closed) => return (closed, nexts),
            }
        }
    }
}

fn close_of(frame: Option<CloseFrame>) -> Closed {
    match frame {
        Some(f) => (u16::from(f.code), f.reason.to_string()),
        None => (1005, String::new()),
    }
}
