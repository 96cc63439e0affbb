//! A pool of SMTP connections whose sockets send at once (TCP_NODELAY).
//!
//! lettre's own pooled transport writes a message's body and its final `\r\n.\r\n` in two
//! writes on a socket with Nagle's algorithm on: the final `.` waits in the socket
//! buffer until the server acknowledges the body, and the server delays that ACK (about
//! 40 ms on Linux) because it has nothing to answer yet. That wait capped one connection
//! at about 40 messages a second, and it widened the window in which a killed worker's
//! socket still flushes an end of data the worker never recorded (a re-transmission on
//! the next attempt). lettre gives no way to set TCP_NODELAY on the sockets it opens, so
//! this pool opens them itself and hands them to lettre's SMTP client
//! ([`AsyncSmtpConnection::connect_with_transport`]), which speaks the protocol:
//! EHLO, STARTTLS, AUTH and the message exchange are lettre's.
//!
//! Credentials leave only over an encrypted connection (`smtps://`, or STARTTLS with
//! `tls=required`); the one exception is a relay on a loopback address, named in the URL
//! (`plain_auth=loopback-only`). A refusal by the relay itself (its greeting, STARTTLS,
//! AUTH, "authentication required") says nothing about the message: it is
//! [`SmtpFailure::Relay`], retried like any temporary failure.

mod failure;
mod relay;
#[cfg(test)]
mod tests;

pub use failure::SmtpFailure;
pub use relay::read_ca_file;

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use relay::Relay;
use rustls::pki_types::CertificateDer;
use std::fmt;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};

/// An idle connection is dropped after this long; the server may have closed it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// An idle connection older than this is checked with a NOOP before it is used again.
/// Connections in steady use skip the check (and its round trip).
const CHECK_AFTER: Duration = Duration::from_secs(1);

/// Up to `size` SMTP connections, reused while they work.
pub struct SmtpPool {
    relay: Relay,
    timeout: Duration,
    size: u32,
    permits: Semaphore,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl fmt::Debug for SmtpPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpPool")
            .field("relay", &self.relay)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SmtpPool {
    /// A pool for `url` (see [`Relay::from_url`]) trusting `roots` besides the system's
    /// certificate authorities; nothing connects until the first send.
    pub fn new(
        url: &str,
        roots: &[CertificateDer<'static>],
        size: u32,
        timeout: Duration,
    ) -> Result<Self, String> {
        Ok(SmtpPool::with_relay(
            Relay::from_url(url, roots)?,
            size,
            timeout,
        ))
    }

    fn with_relay(relay: Relay, size: u32, timeout: Duration) -> Self {
        let size = Ord::max(size, 1);
        SmtpPool {
            relay,
            timeout,
            size,
            permits: Semaphore::new(size as usize),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message; everything, the wait for a free connection included, is cut at
    /// the pool's timeout, so a send never outlives its delivery's claim. Returns once the
    /// server has answered the end of data.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SmtpFailure> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let _permit = tokio::time::timeout_at(deadline, self.permits.acquire())
            .await
            .map_err(|_| {
                SmtpFailure::Temporary(format!(
                    "all {} SMTP connections stayed busy for {:?}",
                    self.size, self.timeout
                ))
            })?
            .map_err(|_| SmtpFailure::Temporary("the SMTP pool is closed".into()))?;
        let exchange = async {
            let mut conn = self.connection().await?;
            let sent = conn.send(envelope, message).await;
            // A failed exchange leaves lettre's connection marked broken (it sends QUIT);
            // only a working one goes back to the pool.
            if !conn.has_broken() {
                self.idle.lock().await.push((conn, Instant::now()));
            }
            sent.map(|_| ()).map_err(SmtpFailure::from)
        };
        tokio::time::timeout_at(deadline, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(SmtpFailure::Temporary(format!(
                    "no answer from the SMTP server within {:?}",
                    self.timeout
                )))
            })
    }

    /// An idle connection that still works, or a new one.
    async fn connection(&self) -> Result<AsyncSmtpConnection, SmtpFailure> {
        loop {
            let next = self.idle.lock().await.pop();
            let Some((mut conn, since)) = next else {
                return self.relay.connect().await;
            };
            let idle = since.elapsed();
            if idle > IDLE_TIMEOUT {
                conn.abort().await;
                continue;
            }
            if idle > CHECK_AFTER && !conn.test_connected().await {
                conn.abort().await;
                continue;
            }
            return Ok(conn);
        }
    }
}
