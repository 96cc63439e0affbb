//! Where and how to reach the relay, from `SMTP_URL`: one connection opened, secured
//! and authenticated (credentials only over TLS, or to a loopback relay the URL names).

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
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::failure::{SmtpFailure, is_tls_failure};

/// How the connection is secured, from the URL.
#[derive(Clone)]
pub(super) enum Security {
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
pub(super) struct Relay {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) security: Security,
    pub(super) credentials: Option<Credentials>,
    /// `plain_auth=loopback-only`: AUTH may go unencrypted to a peer on a loopback address.
    pub(super) plain_auth_on_loopback: bool,
    pub(super) hello: ClientId,
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
    pub(super) fn from_url(url: &str, roots: &[CertificateDer<'static>]) -> Result<Self, String> {
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
        let (port, security) = security(url.scheme(), tls.as_deref(), &host, roots)?;
        let credentials = credentials(&url)?;
        let plain_auth_on_loopback = plain_auth(param("plain_auth").as_deref(), &host)?;
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
    pub(super) async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpFailure> {
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

/// The default port and the security of a URL's scheme and `tls` parameter.
fn security(
    scheme: &str,
    tls: Option<&str>,
    host: &str,
    roots: &[CertificateDer<'static>],
) -> Result<(u16, Security), String> {
    let tls_params = || {
        let mut builder = TlsParameters::builder(host.to_owned());
        for root in roots {
            builder = builder.add_root_certificate(
                Certificate::from_der(root.to_vec()).map_err(|e| e.to_string())?,
            );
        }
        builder.build_rustls().map_err(|e| e.to_string())
    };
    Ok(match (scheme, tls) {
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
    })
}

/// The URL's `user:pass@`, percent-decoded.
fn credentials(url: &url::Url) -> Result<Option<Credentials>, String> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|e| e.to_string())
    };
    Ok(match url.password() {
        Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
        None => None,
    })
}

/// Whether `plain_auth` lets credentials go in clear: only `loopback-only`, and only to a
/// relay on this machine.
fn plain_auth(value: Option<&str>, host: &str) -> Result<bool, String> {
    match value {
        None => Ok(false),
        Some("loopback-only") if is_loopback_host(host) => Ok(true),
        Some("loopback-only") => Err(format!(
            "plain_auth=loopback-only is for a relay on this machine (127.0.0.1, ::1, localhost), not {host}: use smtps://… or ?tls=required"
        )),
        Some(other) => Err(format!(
            "plain_auth={other}: the only value is loopback-only"
        )),
    }
}
