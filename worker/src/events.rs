//! Events published after a change commits, heard by every gateway: changes to a
//! partner's clients, for the live client lists (`Subscription.clientChanged`,
//! `gateway/src/live.rs`), and sessions that ended or changed, so every gateway drops
//! what it holds for them at once (live connections; cached sessions).
//!
//! An event names only the partner, the client row and whether the row is new: each
//! gateway reads the row itself when it hands the event on, so what a subscriber sees is
//! what the database holds, never a stale copy carried along.
//!
//! With `REDIS_URL` every process publishes to one Redis channel per kind of event
//! (`{QUEUE_NAMESPACE}.client-events`, `….session-events`) and every gateway listens on
//! them, so a change made
//! through any gateway or worker reaches the subscribers on all of them. Without Redis
//! (the embedded default) events stay inside the process, which is where the embedded
//! worker and every subscriber are. Redis pub/sub delivers at most once: events published
//! while a gateway is cut off from Redis are lost to it, so a front end re-reads its list
//! when its WebSocket reconnects.

use apalis_redis::ConnectionManager;
use futures::StreamExt;
use serde::de::DeserializeOwned;
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
    /// The row is gone (`removeClient`): subscribers read their list again.
    #[serde(rename = "R")]
    Removed,
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

    pub fn removed(partner_account_id: i64, client_id: i64) -> Self {
        Self {
            partner_account_id,
            client_id,
            kind: ChangeKind::Removed,
        }
    }
}

/// The sessions of one user ended or changed (log-out, deactivation, a role or password
/// change): whatever a gateway holds for them is checked again at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionEvent {
    #[serde(rename = "u")]
    pub user_id: i64,
}

/// A kind of event, with the Redis channel it travels on.
pub trait Topic: Clone + Send + Serialize + DeserializeOwned + std::fmt::Debug + 'static {
    /// `{QUEUE_NAMESPACE}.{CHANNEL}`.
    const CHANNEL: &'static str;
}

impl Topic for ClientEvent {
    const CHANNEL: &'static str = "client-events";
}

impl Topic for SessionEvent {
    const CHANNEL: &'static str = "session-events";
}

/// Changes to clients (`Subscription.clientChanged`).
pub type ClientEvents = Bus<ClientEvent>;

/// Sessions that ended or changed.
pub type SessionEvents = Bus<SessionEvent>;

/// How many events a listener may fall behind before it misses some (logged and
/// counted as `client_events_missed_total`).
const LOCAL_BUFFER: usize = 16_384;

/// At most this many events go in one Redis message.
const EVENTS_PER_MESSAGE: usize = 1_000;

/// Publishes and listens to one kind of event; cheap to clone.
pub struct Bus<E: Topic> {
    inner: Arc<Inner<E>>,
}

impl<E: Topic> Clone for Bus<E> {
    fn clone(&self) -> Self {
        Bus {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<E> {
    local: broadcast::Sender<E>,
    redis: Option<RedisBus>,
    /// Set once the Redis relay (Redis channel → `local`) runs.
    relay: OnceLock<()>,
    /// Whether the relay is subscribed on Redis right now (always true without Redis).
    listening: tokio::sync::watch::Sender<bool>,
}

struct RedisBus {
    url: String,
    channel: String,
    conn: ConnectionManager,
}

impl<E: Topic> std::fmt::Debug for Bus<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("redis", &self.inner.redis.as_ref().map(|r| &r.channel))
            .finish()
    }
}

impl<E: Topic> Bus<E> {
    /// Events that stay in this process.
    pub fn in_process() -> Self {
        Self::new(None)
    }

    /// Events through Redis channel `{namespace}.{E::CHANNEL}`: `conn` publishes; a
    /// listener opens its own pub/sub connection to `url`.
    pub fn redis(url: &str, conn: ConnectionManager, namespace: &str) -> Self {
        Self::new(Some(RedisBus {
            url: url.to_owned(),
            channel: format!("{namespace}.{}", E::CHANNEL),
            conn,
        }))
    }

    fn new(redis: Option<RedisBus>) -> Self {
        let (local, _) = broadcast::channel(LOCAL_BUFFER);
        let (listening, _) = tokio::sync::watch::channel(redis.is_none());
        Bus {
            inner: Arc::new(Inner {
                local,
                redis,
                relay: OnceLock::new(),
                listening,
            }),
        }
    }

    /// Publishes events of changes that have committed. Never fails the caller: the
    /// change is made whether or not anyone hears of it. When Redis cannot take them,
    /// this process's own subscribers still get them.
    pub async fn publish(&self, events: &[E]) {
        if events.is_empty() {
            return;
        }
        metrics::counter!("events_published_total", "channel" => E::CHANNEL)
            .increment(events.len() as u64);
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
                tracing::warn!(error = %e, events = chunk.len(), channel = E::CHANNEL, "could not publish events to Redis; only this process hears them");
                self.deliver_here(chunk);
            }
        }
    }

    /// Publishes one event (see [`Bus::publish`]).
    pub async fn publish_one(&self, event: E) {
        self.publish(&[event]).await;
    }

    fn deliver_here(&self, events: &[E]) {
        for e in events {
            // No receiver is not an error: nobody is listening.
            let _ = self.inner.local.send(e.clone());
        }
    }

    /// Every event published from now on, by any process sharing the bus (with Redis,
    /// after this process's relay has subscribed, which takes a few milliseconds the
    /// first time).
    pub fn listen(&self) -> broadcast::Receiver<E> {
        let rx = self.inner.local.subscribe();
        if let Some(bus) = &self.inner.redis {
            self.inner.relay.get_or_init(|| {
                let local = self.inner.local.downgrade();
                let listening = self.inner.listening.clone();
                tokio::spawn(relay(
                    bus.url.clone(),
                    bus.channel.clone(),
                    local,
                    listening,
                ));
            });
        }
        rx
    }

    /// Waits until this process hears the events other processes publish (the Redis
    /// relay has subscribed), at most `within`; false if it has not by then. A gateway
    /// waits for it before it serves, so no event of its first requests is lost.
    pub async fn wait_listening(&self, within: Duration) -> bool {
        let mut rx = self.inner.listening.subscribe();
        tokio::time::timeout(within, rx.wait_for(|on| *on))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// Hands every message on the Redis channel to this process's listeners, reconnecting
/// with backoff; ends when the bus is dropped.
async fn relay<E: Topic>(
    url: String,
    channel: String,
    local: broadcast::WeakSender<E>,
    listening: tokio::sync::watch::Sender<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match subscribe(&url, &channel).await {
            Ok(pubsub) => {
                backoff = Duration::from_millis(100);
                listening.send_replace(true);
                tracing::info!(%channel, "listening for events on Redis");
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let Some(local) = local.upgrade() else {
                        return;
                    };
                    match serde_json::from_slice::<Vec<E>>(msg.get_payload_bytes()) {
                        Ok(events) => {
                            for e in events {
                                let _ = local.send(e);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, %channel, "ignored a message on an events channel that is not a list of its events")
                        }
                    }
                }
                listening.send_replace(false);
                tracing::warn!(%channel, "lost the Redis events subscription; reconnecting (events meanwhile are lost)");
            }
            Err(e) => {
                tracing::warn!(error = %e, %channel, "cannot subscribe to events on Redis; retrying")
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
        let s = serde_json::to_string(&[SessionEvent { user_id: 9 }]).unwrap();
        assert_eq!(s, r#"[{"u":9}]"#);
    }
}
