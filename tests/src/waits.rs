//! Waiting for the system to get somewhere: [`eventually`] polls until a check passes and
//! fails the test saying what it waited for, and how things stood at the last look.

use std::fmt::Debug;
use std::time::{Duration, Instant};

/// What one look answers: done (with a value), or not yet (with how things stand).
///
/// `bool` (true: done), `Option<T>` (Some: done) and `Result<T, E>` (Ok: done; the `Err`
/// is how things stand, shown if the wait gives up).
pub trait Look<T> {
    fn done(self) -> Result<T, String>;
}

impl Look<()> for bool {
    fn done(self) -> Result<(), String> {
        if self { Ok(()) } else { Err("no".into()) }
    }
}

impl<T> Look<T> for Option<T> {
    fn done(self) -> Result<T, String> {
        self.ok_or_else(|| "nothing yet".into())
    }
}

impl<T, E: Debug> Look<T> for Result<T, E> {
    fn done(self) -> Result<T, String> {
        self.map_err(|e| format!("{e:?}"))
    }
}

/// Looks every 50 ms until `look` is done and returns its value; panics after `within`,
/// saying it waited for `what` and what the last look found.
///
/// ```text
/// let d = eventually("the welcome to be SENT", secs(20), async || {
///     let d = app.delivery(id).await;
///     if d.status == Sent { Ok(d) } else { Err(d) }
/// })
/// .await;
/// ```
pub async fn eventually<T, L: Look<T>>(
    what: &str,
    within: Duration,
    look: impl AsyncFnMut() -> L,
) -> T {
    eventually_every(what, within, Duration::from_millis(50), look).await
}

/// [`eventually`], looking every `every` (for looks that cost something, such as reading
/// a thousand emails).
pub async fn eventually_every<T, L: Look<T>>(
    what: &str,
    within: Duration,
    every: Duration,
    mut look: impl AsyncFnMut() -> L,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        match look().await.done() {
            Ok(v) => return v,
            Err(last) if Instant::now() >= deadline => {
                panic!("waited {within:?} for {what}; the last look found: {last}")
            }
            Err(_) => tokio::time::sleep(every).await,
        }
    }
}

/// `n` seconds, for waits and time travel.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
