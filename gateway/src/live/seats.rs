//! Open live connections counted per key (a user, a client address), across every gateway
//! that shares the Redis, so a limit holds however the connections are spread.
//!
//! With Redis, a key is a sorted set of connection ids scored by when their lease ends:
//! taking a seat drops the ended leases, counts the rest and adds this one, in one
//! script; every gateway renews its own connections' leases every [`RENEW_EVERY`], and
//! a gateway that dies without closing its connections frees their seats when their
//! leases end ([`LEASE`]). Without Redis, or while Redis does not answer, seats are
//! counted in this process.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a seat is held without being renewed.
pub const LEASE: Duration = Duration::from_secs(60);
/// How often a gateway renews the leases of its open connections.
pub const RENEW_EVERY: Duration = Duration::from_secs(20);

const TAKE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"#;

const RENEW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, lease)
end
return #KEYS
"#;

/// The seats of this process; cheap to clone.
#[derive(Clone)]
pub struct Seats {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Option<(redis::aio::ConnectionManager, String)>,
    /// Seats counted here: every seat without Redis, and those taken while Redis did not
    /// answer.
    local: Mutex<HashMap<String, usize>>,
    /// The Redis seats this process holds, (key, connection id), for renewal.
    held: Mutex<HashSet<(String, String)>>,
}

impl std::fmt::Debug for Seats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.inner.redis.is_some() {
            "Seats::Redis"
        } else {
            "Seats::Local"
        })
    }
}

/// One taken seat; given back when dropped.
pub struct Seat {
    seats: Seats,
    key: String,
    /// The connection id, for a seat held in Redis.
    redis_id: Option<String>,
}

impl Seats {
    /// Seats counted in this process only.
    pub fn local() -> Seats {
        Self::new(None)
    }

    /// Seats shared through Redis under `{prefix}:ws:`.
    pub fn redis(conn: redis::aio::ConnectionManager, prefix: &str) -> Seats {
        Self::new(Some((conn, format!("{prefix}:ws:"))))
    }

    fn new(redis: Option<(redis::aio::ConnectionManager, String)>) -> Seats {
        Seats {
            inner: Arc::new(Inner {
                redis,
                local: Mutex::new(HashMap::new()),
                held: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Takes one of `limit` seats of `key` for connection `id`, or `None` when all are
    /// taken.
    pub async fn take(&self, key: &str, limit: usize, id: &str) -> Option<Seat> {
        if let Some((conn, prefix)) = &self.inner.redis {
            let full = format!("{prefix}{key}");
            let taken: redis::RedisResult<i64> = redis::Script::new(TAKE)
                .key(&full)
                .arg(limit)
                .arg(id)
                .arg(LEASE.as_millis() as u64)
                .invoke_async(&mut conn.clone())
                .await;
            match taken {
                Ok(1) => {
                    self.held().insert((full.clone(), id.to_owned()));
                    return Some(Seat {
                        seats: self.clone(),
                        key: full,
                        redis_id: Some(id.to_owned()),
                    });
                }
                Ok(_) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "live connection limits: Redis unreachable; counting in this process");
                }
            }
        }
        let mut local = self.inner.local.lock().unwrap_or_else(|p| p.into_inner());
        let n = local.entry(key.to_owned()).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Seat {
            seats: self.clone(),
            key: key.to_owned(),
            redis_id: None,
        })
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.inner.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Renews the leases of this process's Redis seats every [`RENEW_EVERY`], until
    /// `stop`.
    pub fn start_renewing(&self, stop: tokio_util::sync::CancellationToken) {
        let Some((conn, _)) = self.inner.redis.clone() else {
            return;
        };
        let seats = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(RENEW_EVERY) => {}
                }
                let held: Vec<(String, String)> = seats.held().iter().cloned().collect();
                let renew = redis::Script::new(RENEW);
                for chunk in held.chunks(500) {
                    let mut script = renew.prepare_invoke();
                    script.arg(LEASE.as_millis() as u64);
                    for (key, id) in chunk {
                        script.key(key).arg(id);
                    }
                    let renewed: redis::RedisResult<i64> =
                        script.invoke_async(&mut conn.clone()).await;
                    if let Err(e) = renewed {
                        tracing::warn!(error = %e, "could not renew live connection seats in Redis");
                    }
                }
            }
        });
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        match self.redis_id.take() {
            Some(id) => {
                let entry = (std::mem::take(&mut self.key), id);
                self.seats.held().remove(&entry);
                let Some((conn, _)) = self.seats.inner.redis.clone() else {
                    return;
                };
                // Dropped outside a runtime only at process exit: the lease ends it then.
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    rt.spawn(async move {
                        let (key, id) = entry;
                        let _: redis::RedisResult<i64> = redis::cmd("ZREM")
                            .arg(&key)
                            .arg(&id)
                            .query_async(&mut conn.clone())
                            .await;
                    });
                }
            }
            None => {
                let mut local = self
                    .seats
                    .inner
                    .local
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if let Some(n) = local.get_mut(&self.key) {
                    *n -= 1;
                    if *n == 0 {
                        local.remove(&self.key);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_seats_are_bounded_per_key_and_come_back_when_dropped() {
        let seats = Seats::local();
        let a = seats.take("user:1", 2, "a").await.expect("first");
        let _b = seats.take("user:1", 2, "b").await.expect("second");
        assert!(seats.take("user:1", 2, "c").await.is_none(), "full");
        assert!(seats.take("user:2", 2, "c").await.is_some(), "per key");
        drop(a);
        assert!(seats.take("user:1", 2, "c").await.is_some(), "given back");
    }
}
