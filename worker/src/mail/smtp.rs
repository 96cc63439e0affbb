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

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore};

/// An idle connection is dropped after this long; the server may have closed it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// An idle connection older than this is checked with a NOOP before it is used again.
/// Connections in steady use skip the check (and its round trip).
const CHECK_AFTER: Duration = Duration::from_secs(1);

/// How the connection is secured, from the URL.
#[derive(Clone)]
enum Security {
    /// `smtp://host` — plain text.
    Plain,
    /// `smtp://host?tls=required` (STARTTLS or refuse) / `?tls=opportunistic` (if offered).
    StartTls {
        params: TlsParameters,
        required: bool,
    },
    /// `smtps://host` — TLS from the first byte.
    Wrapper(Arc<rustls::ClientConfig>),
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Security::Plain => "plain",
            Security::StartTls { required: true, .. } => "STARTTLS",
            Security::StartTls {
                required: false, ..
            } => "STARTTLS if offered",
            Security::Wrapper(_) => "TLS",
        })
    }
}

/// Where and how to connect: parsed from `SMTP_URL` with lettre's own rules (default
/// ports 25, 587 with `tls=…`, 465 for `smtps`; `user:pass@` percent-decoded; a path
/// names the EHLO host).
#[derive(Clone)]
struct Relay {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The credentials stay out of logs.
        f.debug_struct("Relay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("authenticated", &self.credentials.is_some())
            .finish()
    }
}

impl Relay {
    fn from_url(url: &str) -> Result<Self, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let host = url
            .host_str()
            .ok_or("the URL names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let tls_params = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let (port, security) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (25, Security::Plain),
            ("smtp", Some(mode @ ("required" | "opportunistic"))) => (
                587,
                Security::StartTls {
                    params: tls_params()?,
                    required: mode == "required",
                },
            ),
            ("smtps", None) => (465, Security::Wrapper(Arc::new(rustls_config()))),
            (scheme, tls) => {
                return Err(format!(
                    "unknown scheme '{scheme}' or tls={tls:?} (smtp://, smtp://…?tls=required, smtp://…?tls=opportunistic, smtps://)"
                ));
            }
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|e| e.to_string())
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(Relay {
            host,
            port: url.port().unwrap_or(port),
            security,
            credentials,
            hello,
        })
    }

    /// Opens, secures and authenticates one connection.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpFailure> {
        let net = |e: std::io::Error| {
            SmtpFailure::Temporary(format!("connecting to {}:{}: {e}", self.host, self.port))
        };
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(net)?;
        // The point of this pool: every write leaves at once.
        tcp.set_nodelay(true).map_err(net)?;
        let stream: Box<dyn AsyncTokioStream> = match &self.security {
            Security::Wrapper(config) => {
                let name =
                    rustls::pki_types::ServerName::try_from(self.host.clone()).map_err(|e| {
                        SmtpFailure::Permanent(format!("TLS server name {}: {e}", self.host))
                    })?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(net)?;
                Box::new(TlsTcp(tls))
            }
            _ => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(SmtpFailure::from)?;
        if let Security::StartTls { params, required } = &self.security
            && (*required || conn.can_starttls())
        {
            conn.starttls(params.clone(), &self.hello)
                .await
                .map_err(SmtpFailure::from)?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(SmtpFailure::from)?;
        }
        Ok(conn)
    }
}

/// rustls with the system's root certificates (lettre's own choice for its TLS).
fn rustls_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// An implicit-TLS stream, as lettre's SMTP client takes it.
struct TlsTcp(tokio_rustls::client::TlsStream<TcpStream>);

impl fmt::Debug for TlsTcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsTcp")
    }
}

impl AsyncTokioStream for TlsTcp {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsTcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsTcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Why a pooled send did not happen.
#[derive(Debug)]
pub enum SmtpFailure {
    /// The server answered 5xx: the same message will be refused again.
    Permanent(String),
    /// Anything else: a 4xx answer, a network error, a timeout.
    Temporary(String),
}

impl From<lettre::transport::smtp::Error> for SmtpFailure {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        if e.is_permanent() {
            SmtpFailure::Permanent(e.to_string())
        } else {
            SmtpFailure::Temporary(e.to_string())
        }
    }
}

/// Up to `size` SMTP connections, reused while they work.
pub struct SmtpPool {
    relay: Relay,
    timeout: Duration,
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
    /// A pool for `url` (see [`Relay::from_url`]); nothing connects until the first send.
    pub fn new(url: &str, size: u32, timeout: Duration) -> Result<Self, String> {
        Ok(SmtpPool {
            relay: Relay::from_url(url)?,
            timeout,
            permits: Semaphore::new(Ord::max(size, 1) as usize),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends one message; the whole exchange (connecting included) is cut at the pool's
    /// timeout. Returns once the server has answered the end of data.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SmtpFailure> {
        let _permit = self
            .permits
            .acquire()
            .await
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
        tokio::time::timeout(self.timeout, exchange)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let r = Relay::from_url("smtp://mail.example.com").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("mail.example.com", 25));
        assert!(matches!(r.security, Security::Plain) && r.credentials.is_none());

        let r = Relay::from_url("smtp://u%40x:p%2Fw@mail.example.com?tls=required").unwrap();
        assert_eq!(r.port, 587);
        assert!(matches!(
            r.security,
            Security::StartTls { required: true, .. }
        ));
        assert!(r.credentials == Some(Credentials::new("u@x".into(), "p/w".into())));
        // Credentials are kept out of Debug output.
        assert!(!format!("{r:?}").contains("p/w"));

        let r = Relay::from_url("smtp://h:2525/client.example?tls=opportunistic").unwrap();
        assert_eq!(r.port, 2525);
        assert!(matches!(
            r.security,
            Security::StartTls {
                required: false,
                ..
            }
        ));
        assert_eq!(r.hello, ClientId::Domain("client.example".into()));

        let r = Relay::from_url("smtps://mail.example.com").unwrap();
        assert_eq!(r.port, 465);
        assert!(matches!(r.security, Security::Wrapper(_)));

        assert!(Relay::from_url("http://mail.example.com").is_err());
        assert!(Relay::from_url("smtp://mail.example.com?tls=sometimes").is_err());
        assert!(Relay::from_url("not a url").is_err());
    }
}
