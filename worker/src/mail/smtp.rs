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

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
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
    /// `plain_auth=loopback-only`: AUTH may go unencrypted to a peer on a loopback address.
    plain_auth_on_loopback: bool,
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
            .field("plain_auth_on_loopback", &self.plain_auth_on_loopback)
            .finish()
    }
}

impl Relay {
    /// `roots`: certificate authorities trusted besides the system's (`SMTP_CA_FILE`).
    fn from_url(url: &str, roots: &[CertificateDer<'static>]) -> Result<Self, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let host = url
            .host_str()
            .ok_or("the URL names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let tls = param("tls");
        let tls_params = || {
            let mut builder = TlsParameters::builder(host.clone());
            for root in roots {
                builder = builder.add_root_certificate(
                    Certificate::from_der(root.to_vec()).map_err(|e| e.to_string())?,
                );
            }
            builder.build_rustls().map_err(|e| e.to_string())
        };
        let (port, security) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (25, Security::Plain),
            ("smtp", Some(mode @ ("required" | "opportunistic"))) => (
                587,
                Security::StartTls {
                    params: tls_params()?,
                    required: mode == "required",
                },
            ),
            ("smtps", None) => (465, Security::Wrapper(Arc::new(rustls_config(roots)))),
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
        let plain_auth_on_loopback = match param("plain_auth").as_deref() {
            None => false,
            Some("loopback-only") if is_loopback_host(&host) => true,
            Some("loopback-only") => {
                return Err(format!(
                    "plain_auth=loopback-only is for a relay on this machine (127.0.0.1, ::1, localhost), not {host}: use smtps://… or ?tls=required"
                ));
            }
            Some(other) => {
                return Err(format!(
                    "plain_auth={other}: the only value is loopback-only"
                ));
            }
        };
        let encrypted_before_auth = matches!(
            security,
            Security::Wrapper(_) | Security::StartTls { required: true, .. }
        );
        if credentials.is_some() && !encrypted_before_auth && !plain_auth_on_loopback {
            let how = if tls.is_some() {
                "tls=opportunistic sends them in clear when STARTTLS is not offered (or is stripped)"
            } else {
                "smtp:// without tls=required sends them in clear"
            };
            return Err(format!(
                "the URL has credentials and {how}: use smtps://… or add ?tls=required (for a relay on a loopback address, ?plain_auth=loopback-only allows it)"
            ));
        }
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(Relay {
            host,
            port: url.port().unwrap_or(port),
            security,
            credentials,
            plain_auth_on_loopback,
            hello,
        })
    }

    /// Opens, secures and authenticates one connection. Credentials are sent only over
    /// TLS, or in clear to a loopback peer when the URL allows it; anything else gives up
    /// the attempt before AUTH.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpFailure> {
        let net = |e: std::io::Error| {
            SmtpFailure::Temporary(format!("connecting to {}:{}: {e}", self.host, self.port))
        };
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(net)?;
        // The point of this pool: every write leaves at once.
        tcp.set_nodelay(true).map_err(net)?;
        let peer = tcp.peer_addr().map_err(net)?;
        let stream: Box<dyn AsyncTokioStream> = match &self.security {
            Security::Wrapper(config) => {
                let name =
                    rustls::pki_types::ServerName::try_from(self.host.clone()).map_err(|e| {
                        SmtpFailure::Permanent(format!("TLS server name {}: {e}", self.host))
                    })?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| {
                        if is_tls_failure(&e) {
                            SmtpFailure::relay("tls", format!("TLS with {}: {e}", self.host))
                        } else {
                            net(e)
                        }
                    })?;
                Box::new(TlsTcp(tls))
            }
            _ => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(|e| SmtpFailure::at_connection("greeting", e))?;
        let mut encrypted = matches!(self.security, Security::Wrapper(_));
        if let Security::StartTls { params, required } = &self.security {
            if conn.can_starttls() {
                conn.starttls(params.clone(), &self.hello)
                    .await
                    .map_err(|e| SmtpFailure::at_connection("STARTTLS", e))?;
                encrypted = true;
            } else if *required {
                conn.abort().await;
                return Err(SmtpFailure::relay(
                    "tls",
                    "the relay offers no STARTTLS and the URL says tls=required; nothing was sent"
                        .into(),
                ));
            }
        }
        if let Some(credentials) = &self.credentials {
            let allowed_in_clear = self.plain_auth_on_loopback && peer.ip().is_loopback();
            if !encrypted && !allowed_in_clear {
                conn.abort().await;
                return Err(SmtpFailure::relay(
                    "tls",
                    format!(
                        "the connection to {peer} is not encrypted (no STARTTLS offered); the credentials are not sent in clear"
                    ),
                ));
            }
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| SmtpFailure::at_connection("AUTH", e))?;
        }
        Ok(conn)
    }
}

/// `localhost` or a loopback address: a relay on this machine.
fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `e` or an error under it is rustls refusing the handshake (a certificate that
/// does not verify, no common protocol), as opposed to a dropped connection.
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if e.is::<rustls::Error>() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
        {
            return true;
        }
        next = e.source();
    }
    false
}

/// The certificates of a PEM file (`SMTP_CA_FILE`), trusted for the relay besides the
/// system's roots. A file without any is an error.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
            path.display()
        ));
    }
    Ok(certs)
}

/// rustls with the system's root certificates (lettre's own choice for its TLS) and
/// `extra` (`SMTP_CA_FILE`).
fn rustls_config(extra: &[CertificateDer<'static>]) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    roots.add_parsable_certificates(extra.iter().cloned());
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
    /// The server answered 5xx to this message (MAIL FROM, RCPT, DATA): it will be
    /// refused again.
    Permanent(String),
    /// A 4xx answer, a network error, a timeout.
    Temporary(String),
    /// The relay refused the connection, not the message: a 5xx answer to the greeting,
    /// STARTTLS or AUTH (554, 535, …), "530 authentication required", a
    /// certificate that does not verify, no STARTTLS where it is required, or no
    /// encryption for the credentials. Every message would get the same answer until ops
    /// fix the relay or its credentials: temporary for each message.
    Relay {
        /// The SMTP code, or `tls` / `auth` when the refusal has none.
        code: String,
        reason: String,
    },
}

impl SmtpFailure {
    fn relay(code: &str, reason: String) -> Self {
        SmtpFailure::Relay {
            code: code.to_owned(),
            reason,
        }
    }

    /// A failure while the connection is set up (`stage`: greeting, STARTTLS, AUTH). A
    /// 5xx answer there, a certificate that does not verify or no AUTH mechanism in
    /// common is a refusal of the connection; a 4xx answer ("later") or a dropped
    /// connection stays an ordinary temporary failure.
    fn at_connection(stage: &str, e: lettre::transport::smtp::Error) -> Self {
        let answer = answer_text(&e);
        match e.status() {
            Some(code) if e.is_permanent() => {
                SmtpFailure::relay(&code.to_string(), format!("{stage}: {code} {answer}"))
            }
            None if e.is_tls() || is_tls_failure(&e) => {
                SmtpFailure::relay("tls", format!("{stage}: {e}"))
            }
            // lettre's own refusal: no AUTH mechanism in common.
            None if e.is_client() && stage == "AUTH" => {
                SmtpFailure::relay("auth", format!("{stage}: {e}"))
            }
            _ => SmtpFailure::Temporary(format!("{stage}: {e}")),
        }
    }
}

/// The text of the server's answer in `e` (without lettre's "permanent error" words,
/// which would mislead in a failure that is retried).
fn answer_text(e: &lettre::transport::smtp::Error) -> String {
    std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

impl From<lettre::transport::smtp::Error> for SmtpFailure {
    /// A failure of the message exchange: 5xx is permanent, except "530 authentication
    /// required", which is the relay's.
    fn from(e: lettre::transport::smtp::Error) -> Self {
        match e.status() {
            Some(code) if code.to_string() == "530" => {
                SmtpFailure::relay("530", format!("{code} {}", answer_text(&e)))
            }
            _ if e.is_permanent() => SmtpFailure::Permanent(e.to_string()),
            _ => SmtpFailure::Temporary(e.to_string()),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Transport;
    use crate::mail::test_relay::{RelayTls, TestCa, TestRelay};

    fn parse(url: &str) -> Result<Relay, String> {
        Relay::from_url(url, &[])
    }

    async fn send(pool: &SmtpPool, text: &str) -> Result<(), SmtpFailure> {
        let message = lettre::Message::builder()
            .from(
                "Partner Dashboard <no-reply@dashboard.example>"
                    .parse()
                    .unwrap(),
            )
            .to("rosa@ledgerline.example".parse().unwrap())
            .subject("A test")
            .body(text.to_owned())
            .unwrap();
        pool.send(message.envelope(), &message.formatted()).await
    }

    /// The refusal's code, when the relay refused the connection.
    fn refused_by_relay(outcome: Result<(), SmtpFailure>) -> (String, String) {
        match outcome {
            Err(SmtpFailure::Relay { code, reason }) => (code, reason),
            other => panic!("expected a refusal by the relay, got {other:?}"),
        }
    }

    const TIMEOUT: Duration = Duration::from_secs(5);

    #[test]
    fn credentials_go_only_encrypted_unless_the_url_allows_a_loopback_relay() {
        for url in [
            "smtp://u:p@mail.example.com",
            "smtp://u:p@mail.example.com:587?tls=opportunistic",
            "smtp://u:p@127.0.0.1:2525",
            "smtp://u:p@localhost:2525?tls=opportunistic",
        ] {
            let e = parse(url).unwrap_err();
            assert!(
                e.contains("smtps://") && e.contains("tls=required") && e.contains("plain_auth"),
                "{url}: {e}"
            );
            assert!(!e.contains("u:p"), "the error shows no credentials: {e}");
        }
        // The allowance is for a relay on this machine only, and has one spelling.
        let e = parse("smtp://u:p@mail.example.com?plain_auth=loopback-only").unwrap_err();
        assert!(
            e.contains("mail.example.com") && e.contains("loopback"),
            "{e}"
        );
        assert!(parse("smtp://u:p@10.0.0.5?plain_auth=loopback-only").is_err());
        assert!(parse("smtp://u:p@127.0.0.1?plain_auth=yes").is_err());
        for url in [
            "smtps://u:p@mail.example.com",
            "smtp://u:p@mail.example.com?tls=required",
            "smtp://u:p@127.0.0.1:2525?plain_auth=loopback-only",
            "smtp://u:p@[::1]:2525?tls=opportunistic&plain_auth=loopback-only",
            "smtp://u:p@localhost?plain_auth=loopback-only",
            // Without credentials nothing secret goes in clear.
            "smtp://mail.example.com",
            "smtp://mail.example.com?tls=opportunistic",
        ] {
            parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
        // At start-up: the worker does not start with such a URL, and says why.
        let e = Transport::from_config(
            Some("smtp://u:p@mail.example.com"),
            None,
            1,
            TIMEOUT,
            "outbox".into(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("SMTP_URL") && e.contains("tls=required"), "{e}");
    }

    #[test]
    fn a_ca_file_without_a_certificate_stops_start_up() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "not a certificate\n").unwrap();
        let start = |file: &Path| {
            Transport::from_config(
                Some("smtps://mail.example.com"),
                Some(file),
                1,
                TIMEOUT,
                dir.path().join("outbox"),
            )
            .map(|_| ())
            .unwrap_err()
            .to_string()
        };
        let e = start(&file);
        assert!(
            e.contains("SMTP_CA_FILE") && e.contains("no PEM certificate"),
            "{e}"
        );
        let e = start(&dir.path().join("missing.pem"));
        assert!(
            e.contains("SMTP_CA_FILE") && e.contains("missing.pem"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn mail_goes_through_starttls_to_a_relay_with_a_private_ca() {
        let ca = TestCa::new();
        let relay = TestRelay::start(&ca, RelayTls::StartTls, &["localhost"]).await;
        relay.require_login("mailer", "s3cret");
        let url = format!(
            "smtp://mailer:s3cret@localhost:{}?tls=required",
            relay.addr.port()
        );
        // Without the CA the relay's certificate is not trusted: nothing is sent.
        let untrusting = SmtpPool::new(&url, &[], 1, TIMEOUT).unwrap();
        let (code, reason) = refused_by_relay(send(&untrusting, "not trusted").await);
        assert_eq!(code, "tls", "{reason}");
        assert_eq!(relay.auth_in_clear() + relay.auth_encrypted(), 0);

        // SMTP_CA_FILE, as ops give it.
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let Transport::Smtp(pool) =
            Transport::from_config(Some(&url), Some(&ca_file), 1, TIMEOUT, dir.path().into())
                .unwrap()
        else {
            panic!("an SMTP transport")
        };
        send(&pool, "over STARTTLS").await.unwrap();
        let got = relay.messages();
        assert_eq!(got.len(), 1);
        assert!(got[0].encrypted && got[0].authenticated, "{got:?}");
        assert!(got[0].text.contains("over STARTTLS"), "{got:?}");
        assert_eq!((relay.auth_in_clear(), relay.auth_encrypted()), (0, 1));
    }

    #[tokio::test]
    async fn mail_goes_through_implicit_tls_to_a_relay_with_a_private_ca() {
        let ca = TestCa::new();
        let relay = TestRelay::start(&ca, RelayTls::Implicit, &["localhost"]).await;
        relay.require_login("mailer", "s3cret");
        let url = format!("smtps://mailer:s3cret@localhost:{}", relay.addr.port());
        let pool = SmtpPool::new(&url, &ca.roots(), 1, TIMEOUT).unwrap();
        send(&pool, "over TLS").await.unwrap();
        // The connection is reused for the next message.
        send(&pool, "over TLS again").await.unwrap();
        let got = relay.messages();
        assert_eq!(got.len(), 2);
        assert!(
            got.iter().all(|m| m.encrypted && m.authenticated),
            "{got:?}"
        );
        assert_eq!((relay.auth_in_clear(), relay.auth_encrypted()), (0, 1));
        assert_eq!(relay.connections(), 1);
    }

    #[tokio::test]
    async fn a_certificate_for_another_host_name_is_refused() {
        let ca = TestCa::new();
        for (tls, url) in [
            (
                RelayTls::StartTls,
                "smtp://mailer:s3cret@localhost:{port}?tls=required",
            ),
            (RelayTls::Implicit, "smtps://mailer:s3cret@localhost:{port}"),
        ] {
            let relay = TestRelay::start(&ca, tls, &["relay.other.example"]).await;
            relay.require_login("mailer", "s3cret");
            let url = url.replace("{port}", &relay.addr.port().to_string());
            let pool = SmtpPool::new(&url, &ca.roots(), 1, TIMEOUT).unwrap();
            let (code, reason) = refused_by_relay(send(&pool, "to the wrong host").await);
            assert_eq!(code, "tls", "{tls:?}: {reason}");
            assert!(reason.contains("not valid for name"), "{tls:?}: {reason}");
            assert_eq!(relay.auth_in_clear() + relay.auth_encrypted(), 0, "{tls:?}");
            assert_eq!(relay.mail_commands(), 0, "{tls:?}");
            assert!(relay.messages().is_empty());
        }
    }

    #[tokio::test]
    async fn tls_required_against_a_relay_without_starttls_fails_closed() {
        let ca = TestCa::new();
        let relay = TestRelay::start(&ca, RelayTls::None, &["localhost"]).await;
        relay.require_login("mailer", "s3cret");
        let port = relay.addr.port();
        for url in [
            format!("smtp://mailer:s3cret@localhost:{port}?tls=required"),
            format!("smtp://localhost:{port}?tls=required"),
        ] {
            let pool = SmtpPool::new(&url, &ca.roots(), 1, TIMEOUT).unwrap();
            let (code, reason) = refused_by_relay(send(&pool, "in clear?").await);
            assert_eq!(code, "tls", "{url}: {reason}");
            assert!(reason.contains("STARTTLS"), "{reason}");
        }
        assert_eq!(relay.auth_in_clear(), 0);
        assert_eq!(relay.mail_commands(), 0);
        assert!(relay.messages().is_empty());
    }

    #[tokio::test]
    async fn an_opportunistic_connection_that_ends_plain_sends_no_credentials() {
        let ca = TestCa::new();
        // An attacker stripped STARTTLS: the relay offers none.
        let relay = TestRelay::start(&ca, RelayTls::None, &["localhost"]).await;
        relay.require_login("mailer", "s3cret");
        let port = relay.addr.port();
        // The URL rules refuse credentials with tls=opportunistic at start-up; the check
        // at AUTH holds on its own.
        let mut opportunistic =
            parse(&format!("smtp://127.0.0.1:{port}?tls=opportunistic")).unwrap();
        opportunistic.credentials = Some(Credentials::new("mailer".into(), "s3cret".into()));
        let pool = SmtpPool::with_relay(opportunistic, 1, TIMEOUT);
        let (code, reason) = refused_by_relay(send(&pool, "in clear?").await);
        assert_eq!(code, "tls", "{reason}");
        assert!(reason.contains("not encrypted"), "{reason}");
        assert_eq!(relay.auth_in_clear(), 0);
        assert!(relay.messages().is_empty());

        // Allowed in the URL for a relay on this machine: AUTH goes in clear, and the
        // mail with it.
        let url = format!(
            "smtp://mailer:s3cret@127.0.0.1:{port}?tls=opportunistic&plain_auth=loopback-only"
        );
        let pool = SmtpPool::new(&url, &ca.roots(), 1, TIMEOUT).unwrap();
        send(&pool, "to the local relay").await.unwrap();
        assert_eq!(relay.auth_in_clear(), 1);
        assert_eq!(relay.messages().len(), 1);
    }

    #[tokio::test]
    async fn refusals_by_the_relay_are_told_apart_from_refused_recipients() {
        let ca = TestCa::new();
        let relay = TestRelay::start(&ca, RelayTls::StartTls, &["localhost"]).await;
        relay.require_login("mailer", "rotated");
        let port = relay.addr.port();
        let pool = |url: String| SmtpPool::new(&url, &ca.roots(), 1, TIMEOUT).unwrap();

        // A credential that no longer works: 535 at AUTH.
        let stale = pool(format!("smtp://mailer:old@localhost:{port}?tls=required"));
        assert_eq!(refused_by_relay(send(&stale, "m").await).0, "535");
        // No credentials where the relay wants them: 530 at MAIL FROM.
        let anonymous = pool(format!("smtp://localhost:{port}?tls=required"));
        assert_eq!(refused_by_relay(send(&anonymous, "m").await).0, "530");
        // A relay refusing every connection: 554 in its greeting.
        let closed = TestRelay::start(&ca, RelayTls::StartTls, &["localhost"]).await;
        closed.greet_with("554 5.3.2 not accepting mail");
        let to_closed = pool(format!(
            "smtp://localhost:{}?tls=required",
            closed.addr.port()
        ));
        assert_eq!(refused_by_relay(send(&to_closed, "m").await).0, "554");
        assert!(relay.messages().is_empty() && closed.messages().is_empty());

        // A recipient refused for good stays a permanent failure of that message; one
        // refused for now stays temporary.
        let good = pool(format!(
            "smtp://mailer:rotated@localhost:{port}?tls=required"
        ));
        relay.answer_rcpt_with("550 5.1.1 no such user");
        let outcome = send(&good, "m").await;
        assert!(
            matches!(outcome, Err(SmtpFailure::Permanent(ref e)) if e.contains("550")),
            "{outcome:?}"
        );
        relay.answer_rcpt_with("451 4.3.0 try again later");
        let outcome = send(&good, "m").await;
        assert!(
            matches!(outcome, Err(SmtpFailure::Temporary(ref e)) if e.contains("451")),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn the_wait_for_a_free_connection_counts_in_the_timeout() {
        let ca = TestCa::new();
        let relay = TestRelay::start(&ca, RelayTls::None, &["localhost"]).await;
        // The relay takes connections and never answers: the pool's one connection is
        // held for the whole timeout by the first send.
        relay.stall();
        let timeout = Duration::from_secs(2);
        let pool = SmtpPool::new(
            &format!("smtp://127.0.0.1:{}", relay.addr.port()),
            &[],
            1,
            timeout,
        )
        .unwrap();
        let started = Instant::now();
        let (first, second) = tokio::join!(send(&pool, "first"), send(&pool, "second"));
        let took = started.elapsed();
        assert!(matches!(first, Err(SmtpFailure::Temporary(_))), "{first:?}");
        assert!(
            matches!(second, Err(SmtpFailure::Temporary(_))),
            "{second:?}"
        );
        // Both within the timeout (and a margin for a busy machine), not one timeout
        // after the other (4 s).
        assert!(took < timeout + Duration::from_secs(1), "{took:?}");
    }

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let r = parse("smtp://mail.example.com").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("mail.example.com", 25));
        assert!(matches!(r.security, Security::Plain) && r.credentials.is_none());

        let r = parse("smtp://u%40x:p%2Fw@mail.example.com?tls=required").unwrap();
        assert_eq!(r.port, 587);
        assert!(matches!(
            r.security,
            Security::StartTls { required: true, .. }
        ));
        assert!(r.credentials == Some(Credentials::new("u@x".into(), "p/w".into())));
        // Credentials are kept out of Debug output.
        assert!(!format!("{r:?}").contains("p/w"));

        let r = parse("smtp://h:2525/client.example?tls=opportunistic").unwrap();
        assert_eq!(r.port, 2525);
        assert!(matches!(
            r.security,
            Security::StartTls {
                required: false,
                ..
            }
        ));
        assert_eq!(r.hello, ClientId::Domain("client.example".into()));

        let r = parse("smtps://mail.example.com").unwrap();
        assert_eq!(r.port, 465);
        assert!(matches!(r.security, Security::Wrapper(_)));

        assert!(parse("http://mail.example.com").is_err());
        assert!(parse("smtp://mail.example.com?tls=sometimes").is_err());
        assert!(parse("not a url").is_err());
    }
}
