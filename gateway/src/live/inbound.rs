//! The client's side of a live connection, before async-graphql sees it: messages
//! counted against `WS_MESSAGES_PER_SECOND`, and every `subscribe` checked (only
//! subscriptions, within `/graphql`'s limits and the per-address ceiling); a refused one
//! is answered with an `error` message and nothing of it runs. A `ping` waits for the
//! subscriptions sent before it to start, so its pong means they are registered.

use super::connection::{Connection, LastHeard};
use super::registry::Live;
use crate::config::LiveConfig;
use crate::limits::Gate;
use crate::ratelimit::Bucket;
use crate::services::AppState;
use async_graphql::http::WebSocketProtocols;
use async_graphql::parser::types::OperationType;
use axum::extract::ws::{Message, WebSocket};
use futures::StreamExt;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Longest a ping waits for the subscriptions sent before it to start.
const SUBSCRIPTION_START: Duration = Duration::from_secs(5);

/// The client's side of a connection, before async-graphql sees it.
#[derive(Clone)]
pub(super) struct Inbound {
    pub(super) conn: Connection,
    pub(super) state: AppState,
    pub(super) live: Live,
    pub(super) gate: Arc<Gate>,
    pub(super) ip: String,
    pub(super) protocol: WebSocketProtocols,
    /// Answers the server sends itself (a refused operation's `error`).
    pub(super) replies: mpsc::Sender<String>,
    /// The operations open on this connection.
    pub(super) open: Arc<Mutex<HashSet<String>>>,
    /// The subscriptions handed to async-graphql so far.
    pub(super) subscribed: Arc<std::sync::atomic::AtomicU64>,
    pub(super) heard: LastHeard,
    /// The current one-second window and the messages in it.
    pub(super) window: Arc<Mutex<(Instant, u32)>>,
}

/// A refusal of one operation: its code, its message and when to retry.
type Refusal = (&'static str, String, Option<u64>);

impl Inbound {
    /// The messages async-graphql may act on: counted, and each `subscribe` checked.
    /// Ends with the socket.
    pub(super) fn stream(
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
        let peek = serde_json::from_slice::<Peek>(&data);
        if let Ok(Peek { kind, .. }) = &peek
            && kind == "ping"
        {
            // async-graphql answers a ping before it first runs a subscription it was just
            // given, so a client reading its list again on that pong could miss changes
            // made before the subscription registered. Hold the ping until every
            // subscription sent before it has started.
            let n = self.subscribed.load(std::sync::atomic::Ordering::SeqCst);
            self.conn.started(n, SUBSCRIPTION_START).await;
            return Some(data);
        }
        let Ok(Peek { kind, id: Some(id) }) = peek else {
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
                self.subscribed
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
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
        let (sec, limiter) = (&self.state.config.security, &self.state.limiter);
        if let Err(crate::error::ApiError::RateLimited {
            message,
            retry_after_seconds,
        }) = limiter.take(sec, Bucket::Ip, &self.ip, 1).await
        {
            return Err(("RATE_LIMITED", message, Some(retry_after_seconds)));
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

/// An operation the server ended (`complete`, or `error` for one it refused) no longer
/// counts against `WS_SUBSCRIPTIONS_PER_CONNECTION`. Only those short messages are read:
/// async-graphql writes the type first.
pub(super) fn forget_ended(open: &Mutex<HashSet<String>>, text: &str) {
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
