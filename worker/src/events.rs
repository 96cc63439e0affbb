//! Changes to a partner's clients, published after they commit, for the gateways' live
//! client lists (`Subscription.clientChanged`, `gateway/src/live.rs`).
//!
//! An event names only the partner, the client row and whether the row is new: each
//! gateway reads the row itself when it hands the event on, so what a subscriber sees is
//! what the database holds, never a stale copy carried along.
//!
//! With `REDIS_URL` every process publishes to one Redis channel
//! (`{QUEUE_NAMESPACE}.client-events`) and every gateway listens on it, so a change made
//! through any gateway or worker reaches the subscribers on all of them. Without Redis
//! (the embedded default) events stay inside the process, which is where the embedded
//! worker and every subscriber are. Redis pub/sub delivers at most once: events published
//! while a gateway is cut off from Redis are lost to it, so a front end re-reads its list
//! when its WebSocket reconnects.

use apalis_redis::ConnectionManager;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::broadcast;

/// What happened to the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChangeKind {
    /// A new row on the list: an invite, a sign-up through the link or the form, an import.
    #[serde(rename = "A")]
    Added,
    /// Anything else: status, invite, access, last log-in.
    #[serde(rename = "U")]
    Updated,
}

/// One client row of one partner changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientEvent {
    #[serde(rename = "p")]
    pub partner_account_id: i64,
    #[serde(rename = "c")]
    pub client_id: i64,
    #[serde(rename = "k")]
    pub kind: ChangeKind,
}

impl ClientEvent {
    pub fn added(partner_account_id: i64, client_id: i64) -> Self {
        Self {
            partner_account_id,
            client_id,
            kind: ChangeKind::Added,
        }
    }

    pub fn updated(partner_account_id: i64, client_id: i64) -> Self {
        Self {
            partner_account_id,
            client_id,
            kind: ChangeKind::Updated,
        }
    }
}

/// How many events a listener may fall behind before it misses some (logged and
/// counted as `client_events_missed_total`).
const LOCAL_BUFFER: usize = 16_384;

/// At most this many events go in one Redis message.
const EVENTS_PER_MESSAGE: usize = 1_000;

/// Publishes and listens; cheap to clone.
#[derive(Clone)]
pub struct ClientEvents {
    inner: Arc<Inner>,
}

struct Inner {
    local: broadcast::Sender<ClientEvent>,
    redis: Option<RedisBus>,
    /// Set once the Redis relay (Redis channel → `local`) runs.
    relay: OnceLock<()>,
}

struct RedisBus {
    url: String,
    channel: String,
    conn: ConnectionManager,
}

impl std::fmt::Debug for ClientEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientEvents")
            .field("redis", &self.inner.redis.as_ref().map(|r| &r.channel))
            .finish()
    }
}

impl ClientEvents {
    /// Events that stay in this process.
    pub fn in_process() -> Self {
        Self::new(None)
    }

    /// Events through Redis channel `{namespace}.client-events`: `conn` publishes; a
    /// listener opens its own pub/sub connection to `url`.
    pub fn redis(url: &str, conn: ConnectionManager, namespace: &str) -> Self {
        Self::new(Some(RedisBus {
            url: url.to_owned(),
            channel: format!("{namespace}.client-events"),
            conn,
        }))
    }

    fn new(redis: Option<RedisBus>) -> Self {
        let (local, _) = broadcast::channel(LOCAL_BUFFER);
        ClientEvents {
            inner: Arc::new(Inner {
                local,
                redis,
                relay: OnceLock::new(),
            }),
        }
    }

    /// Publishes events of changes that have committed. Never fails the caller: the
    /// change is made whether or not anyone hears of it. When Redis cannot take them,
    /// this process's own subscribers still get them.
    pub async fn publish(&self, events: &[ClientEvent]) {
        if events.is_empty() {
            return;
        }
        metrics::counter!("client_events_published_total").increment(events.len() as u64);
        let Some(bus) = &self.inner.redis else {
            self.deliver_here(events);
            return;
        };
        let mut conn = bus.conn.clone();
        for chunk in events.chunks(EVENTS_PER_MESSAGE) {
            let payload = serde_json::to_vec(chunk).expect("events serialize");
            let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                .arg(&bus.channel)
                .arg(payload)
                .query_async(&mut conn)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, events = chunk.len(), "could not publish client events to Redis; only this process's subscribers get them");
                self.deliver_here(chunk);
            }
        }
    }

    /// Publishes one event (see [`ClientEvents::publish`]).
    pub async fn publish_one(&self, event: ClientEvent) {
        self.publish(&[event]).await;
    }

    fn deliver_here(&self, events: &[ClientEvent]) {
        for e in events {
            // No receiver is not an error: nobody is watching.
            let _ = self.inner.local.send(*e);
        }
    }

    /// Every event published from now on, by any process sharing the bus (with Redis,
    /// after this process's relay has subscribed, which takes a few milliseconds the
    /// first time).
    pub fn listen(&self) -> broadcast::Receiver<ClientEvent> {
        let rx = self.inner.local.subscribe();
        if let Some(bus) = &self.inner.redis {
            self.inner.relay.get_or_init(|| {
                let local = self.inner.local.downgrade();
                tokio::spawn(relay(bus.url.clone(), bus.channel.clone(), local));
            });
        }
        rx
    }
}

/// Hands every message on the Redis channel to this process's listeners, reconnecting
/// with backoff; ends when the bus is dropped.
async fn relay(url: String, channel: String, local: broadcast::WeakSender<ClientEvent>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match subscribe(&url, &channel).await {
            Ok(pubsub) => {
                backoff = Duration::from_millis(100);
                tracing::info!(%channel, "listening for client events on Redis");
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let Some(local) = local.upgrade() else {
                        return;
                    };
                    match serde_json::from_slice::<Vec<ClientEvent>>(msg.get_payload_bytes()) {
                        Ok(events) => {
                            for e in events {
                                let _ = local.send(e);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "ignored a message on the client-events channel that is not a list of events")
                        }
                    }
                }
                tracing::warn!(%channel, "lost the Redis client-events subscription; reconnecting (events meanwhile are lost)");
            }
            Err(e) => {
                tracing::warn!(error = %e, %channel, "cannot subscribe to client events on Redis; retrying")
            }
        }
        if local.upgrade().is_none() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn subscribe(url: &str, channel: &str) -> redis::RedisResult<redis::aio::PubSub> {
    let client = redis::Client::open(url)?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_events_reach_every_listener_in_order() {
        let bus = ClientEvents::in_process();
        let mut a = bus.listen();
        let mut b = bus.listen();
        bus.publish(&[ClientEvent::added(1, 10), ClientEvent::updated(2, 20)])
            .await;
        for rx in [&mut a, &mut b] {
            assert_eq!(rx.recv().await.unwrap(), ClientEvent::added(1, 10));
            assert_eq!(rx.recv().await.unwrap(), ClientEvent::updated(2, 20));
        }
    }

    #[test]
    fn the_wire_format_is_short() {
        let s = serde_json::to_string(&[ClientEvent::added(7, 42)]).unwrap();
        assert_eq!(s, r#"[{"p":7,"c":42,"k":"A"}]"#);
    }
}
