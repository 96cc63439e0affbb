//! Token buckets by key: shared through Redis when `REDIS_URL` is set, so several
//! gateways enforce one limit, and in this process otherwise. A bucket holds up to
//! `capacity` tokens and refills at `capacity` per `per`; each request takes one. An
//! empty bucket answers with the seconds until a token is back.

use super::rule::Rule;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where the buckets live.
pub enum Limiter {
    Local(Mutex<HashMap<String, (f64, Instant)>>),
    Redis {
        conn: redis::aio::ConnectionManager,
        prefix: String,
        /// Used while Redis does not answer, so limits still hold per gateway.
        fallback: Box<Limiter>,
    },
}

const BUCKET_SCRIPT: &str = r#"
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or cap
local at = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - at) * rate)
local cost = tonumber(ARGV[3])
local wait = 0
if cost < 0 then
  tokens = math.min(cap, tokens - cost)
else
  local need = math.max(cost, 1)
  if tokens >= need then
    tokens = tokens - cost
  else
    wait = math.ceil((need - tokens) / rate)
  end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return wait
"#;

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limiter::Local(_) => "Limiter::Local",
            Limiter::Redis { .. } => "Limiter::Redis",
        })
    }
}

impl Limiter {
    pub fn local() -> Limiter {
        Limiter::Local(Mutex::new(HashMap::new()))
    }

    pub fn redis(conn: redis::aio::ConnectionManager, prefix: String) -> Limiter {
        Limiter::Redis {
            conn,
            prefix,
            fallback: Box::new(Limiter::local()),
        }
    }

    /// Takes a token from bucket `key` under `rule`: `Ok(())`, or `Err(seconds)` to wait.
    pub async fn check(&self, key: &str, rule: Rule) -> Result<(), u64> {
        self.bucket(key, rule, 1).await
    }

    /// Takes `n` tokens at once, or none: `Ok(())`, or `Err(seconds)` until `n` are there
    /// (a bulk operation counted per item). More than the rule's capacity never passes.
    pub async fn check_n(&self, key: &str, rule: Rule, n: u32) -> Result<(), u64> {
        self.bucket(key, rule, i32::try_from(n.max(1)).unwrap_or(i32::MAX))
            .await
    }

    /// Whether bucket `key` has a token, without taking it: `Ok(())`, or `Err(seconds)`.
    pub async fn peek(&self, key: &str, rule: Rule) -> Result<(), u64> {
        self.bucket(key, rule, 0).await
    }

    /// Gives back a token taken with [`Limiter::check`] (never past the rule's capacity).
    /// Taking before the work and giving back after it limits only some outcomes (failed
    /// log-ins) and still holds for attempts that run at once: each holds its token
    /// while it runs, so no more than the bucket's tokens can be under way.
    pub async fn refund(&self, key: &str, rule: Rule) {
        let _ = self.bucket(key, rule, -1).await;
    }

    /// Takes `cost` tokens when at least `max(cost, 1)` are there (`cost` 0: a peek;
    /// negative: gives `-cost` back).
    async fn bucket(&self, key: &str, rule: Rule, cost: i32) -> Result<(), u64> {
        let key = bounded(key);
        match self {
            Limiter::Local(buckets) => {
                let now = Instant::now();
                let mut map = buckets.lock().unwrap_or_else(|p| p.into_inner());
                if map.len() > 100_000 {
                    // A flood of keys cannot grow the map forever: buckets untouched for an
                    // hour are forgotten (every default rule refills within an hour).
                    map.retain(|_, (_, at)| now.duration_since(*at) < Duration::from_secs(3600));
                }
                let cap = f64::from(rule.capacity);
                let (tokens, at) = map.entry(key.to_owned()).or_insert((cap, now));
                let elapsed = now.duration_since(*at).as_millis() as f64;
                *tokens = (*tokens + elapsed * rule.rate_per_ms()).min(cap);
                *at = now;
                if cost < 0 {
                    *tokens = (*tokens - f64::from(cost)).min(cap);
                    return Ok(());
                }
                let need = f64::from(cost.max(1));
                if *tokens >= need {
                    *tokens -= f64::from(cost);
                    Ok(())
                } else {
                    let ms = (need - *tokens) / rule.rate_per_ms();
                    Err((ms / 1000.0).ceil().max(1.0) as u64)
                }
            }
            Limiter::Redis {
                conn,
                prefix,
                fallback,
            } => {
                let mut conn = conn.clone();
                let result: Result<u64, _> = redis::Script::new(BUCKET_SCRIPT)
                    .key(format!("{prefix}:rl:{key}"))
                    .arg(rule.capacity)
                    .arg(rule.rate_per_ms())
                    .arg(cost)
                    .invoke_async(&mut conn)
                    .await;
                match result {
                    Ok(0) => Ok(()),
                    Ok(ms) => Err(ms.div_ceil(1000).max(1)),
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limits: Redis unreachable; limiting in this process");
                        Box::pin(fallback.bucket(key, rule, cost)).await
                    }
                }
            }
        }
    }
}

/// Bucket keys hold caller input (an email): at most this many bytes of it are kept, so
/// neither the map nor Redis grows with what a caller sends. Emails are at most 254.
pub const MAX_KEY_BYTES: usize = 320;

fn bounded(key: &str) -> &str {
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let mut end = MAX_KEY_BYTES;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_bucket_allows_its_capacity_then_says_how_long_to_wait() {
        let l = Limiter::local();
        let rule: Rule = "3/1m".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(l.check("k", rule).await, Ok(()));
        }
        let wait = l.check("k", rule).await.unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(l.check("other", rule).await, Ok(()), "buckets are per key");
    }

    #[tokio::test]
    async fn peeking_takes_nothing_and_keys_are_bounded() {
        let l = Limiter::local();
        let rule: Rule = "1/1m".parse().unwrap();
        for _ in 0..5 {
            assert_eq!(l.peek("k", rule).await, Ok(()));
        }
        assert_eq!(l.check("k", rule).await, Ok(()));
        assert!(l.peek("k", rule).await.is_err());
        let long = "é".repeat(1000);
        assert!(bounded(&long).len() <= MAX_KEY_BYTES);
        assert_eq!(l.check(&long, rule).await, Ok(()));
        let mut longer = long.clone();
        longer.push('x');
        assert!(l.check(&longer, rule).await.is_err(), "one bounded bucket");
    }

    #[tokio::test]
    async fn a_batch_takes_all_its_tokens_or_none() {
        let l = Limiter::local();
        let rule: Rule = "10/1h".parse().unwrap();
        assert_eq!(l.check_n("k", rule, 7).await, Ok(()));
        // 3 left: a batch of 4 takes nothing…
        assert!(l.check_n("k", rule, 4).await.is_err());
        // …so 3 single ones still pass.
        for _ in 0..3 {
            assert_eq!(l.check("k", rule).await, Ok(()));
        }
        assert!(l.check("k", rule).await.is_err());
    }

    #[tokio::test]
    async fn a_refund_gives_a_token_back_but_never_past_the_capacity() {
        let l = Limiter::local();
        let rule: Rule = "2/1h".parse().unwrap();
        l.refund("k", rule).await;
        assert_eq!(l.check("k", rule).await, Ok(()));
        assert_eq!(l.check("k", rule).await, Ok(()));
        assert!(l.check("k", rule).await.is_err(), "still 2 at most");
        l.refund("k", rule).await;
        assert_eq!(l.check("k", rule).await, Ok(()));
        assert!(l.check("k", rule).await.is_err());
    }
}
