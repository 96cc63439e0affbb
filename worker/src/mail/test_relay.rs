//! A real SMTP relay for the tests, on a loopback port: plain text, STARTTLS or TLS from
//! the first byte, with a certificate from a certificate authority made in the test
//! (rcgen), AUTH PLAIN, and the answers a test asks for. It records what reached it and
//! whether it came encrypted.

use base64::Engine;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// A certificate authority that exists only in this test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Partner Dashboard test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        TestCa { issuer }
    }

    /// The CA certificate, as a file for `SMTP_CA_FILE` holds it.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate, to trust it.
    pub fn roots(&self) -> Vec<CertificateDer<'static>> {
        vec![self.issuer.der().clone()]
    }

    /// A server configuration whose certificate, signed by this CA, names `names`.
    fn server_config(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone(), self.issuer.der().clone()], key)
        .unwrap();
        Arc::new(config)
    }
}

/// How the relay secures its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayTls {
    /// Plain text, no STARTTLS offered.
    None,
    /// Plain text, STARTTLS offered.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// One message the relay accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub encrypted: bool,
    pub authenticated: bool,
    pub text: String,
}

#[derive(Debug)]
struct State {
    /// When set, MAIL FROM needs AUTH with this user and password first (530).
    login: Option<(String, String)>,
    greeting: String,
    /// The answer to RCPT TO, when not 250.
    rcpt_answer: Option<String>,
    /// Accept connections and never answer.
    stall: bool,
    connections: u32,
    auth_in_clear: u32,
    auth_encrypted: u32,
    mail_commands: u32,
    messages: Vec<Received>,
}

/// A running test relay; it stops with the test's runtime.
#[derive(Clone)]
pub struct TestRelay {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl TestRelay {
    /// A relay securing its connections as `tls` says, with a certificate from `ca` for
    /// `names`.
    pub async fn start(ca: &TestCa, tls: RelayTls, names: &[&str]) -> TestRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            login: None,
            greeting: "220 relay.test ESMTP".into(),
            rcpt_answer: None,
            stall: false,
            connections: 0,
            auth_in_clear: 0,
            auth_encrypted: 0,
            mail_commands: 0,
            messages: Vec::new(),
        }));
        let acceptor = TlsAcceptor::from(ca.server_config(names));
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (st, acceptor) = (st.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let _ = serve(tcp, tls, acceptor, st).await;
                });
            }
        });
        TestRelay { addr, state }
    }

    /// From now on, MAIL FROM needs AUTH PLAIN with `user` and `password`.
    pub fn require_login(&self, user: &str, password: &str) {
        self.state.lock().unwrap().login = Some((user.into(), password.into()));
    }

    /// The greeting of new connections, e.g. `554 5.3.2 not accepting mail`.
    pub fn greet_with(&self, line: &str) {
        self.state.lock().unwrap().greeting = line.into();
    }

    /// The answer to RCPT TO, e.g. `550 5.1.1 no such user`.
    pub fn answer_rcpt_with(&self, line: &str) {
        self.state.lock().unwrap().rcpt_answer = Some(line.into());
    }

    /// New connections are accepted and never answered.
    pub fn stall(&self) {
        self.state.lock().unwrap().stall = true;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.state.lock().unwrap().messages.clone()
    }

    pub fn connections(&self) -> u32 {
        self.state.lock().unwrap().connections
    }

    /// AUTH commands received on an unencrypted connection.
    pub fn auth_in_clear(&self) -> u32 {
        self.state.lock().unwrap().auth_in_clear
    }

    /// AUTH commands received over TLS.
    pub fn auth_encrypted(&self) -> u32 {
        self.state.lock().unwrap().auth_encrypted
    }

    /// MAIL FROM commands received, accepted or not.
    pub fn mail_commands(&self) -> u32 {
        self.state.lock().unwrap().mail_commands
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// What a session ended with.
enum Next {
    Closed,
    /// The client asked for STARTTLS and was told to go ahead: the same socket, to secure.
    StartTls(Box<dyn Io>),
}

async fn serve(
    tcp: TcpStream,
    tls: RelayTls,
    acceptor: TlsAcceptor,
    state: Arc<Mutex<State>>,
) -> std::io::Result<()> {
    let (stall, greeting) = {
        let mut st = state.lock().unwrap();
        st.connections += 1;
        (st.stall, st.greeting.clone())
    };
    if stall {
        let _held = tcp;
        std::future::pending::<()>().await;
        return Ok(());
    }
    let (mut stream, mut encrypted): (Box<dyn Io>, bool) = match tls {
        RelayTls::Implicit => (Box::new(acceptor.accept(tcp).await?), true),
        _ => (Box::new(tcp), false),
    };
    stream
        .write_all(format!("{greeting}\r\n").as_bytes())
        .await?;
    if !greeting.starts_with('2') {
        return Ok(());
    }
    loop {
        let offer_starttls = tls == RelayTls::StartTls && !encrypted;
        match session(stream, encrypted, offer_starttls, &state).await? {
            Next::Closed => return Ok(()),
            Next::StartTls(plain) => {
                stream = Box::new(acceptor.accept(plain).await?);
                encrypted = true;
            }
        }
    }
}

/// Commands until QUIT, the end of the connection, or STARTTLS.
async fn session(
    stream: Box<dyn Io>,
    encrypted: bool,
    offer_starttls: bool,
    state: &Mutex<State>,
) -> std::io::Result<Next> {
    let mut reader = BufReader::new(stream);
    let mut authenticated = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(Next::Closed);
        }
        let line = line.trim_end();
        let verb = line
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let login = state.lock().unwrap().login.clone();
        let answer = match verb.as_str() {
            "EHLO" | "HELO" => ehlo(offer_starttls, login.is_some()),
            "STARTTLS" if offer_starttls => {
                reader
                    .get_mut()
                    .write_all(b"220 2.0.0 go ahead\r\n")
                    .await?;
                return Ok(Next::StartTls(reader.into_inner()));
            }
            "AUTH" => {
                let ok = auth(&mut reader, line, encrypted, login, state).await?;
                authenticated |= ok;
                if ok {
                    "235 2.7.0 authenticated".into()
                } else {
                    "535 5.7.8 authentication credentials invalid".into()
                }
            }
            "MAIL" => {
                state.lock().unwrap().mail_commands += 1;
                if login.is_some() && !authenticated {
                    "530 5.7.0 authentication required".into()
                } else {
                    "250 2.1.0 ok".into()
                }
            }
            "RCPT" => state
                .lock()
                .unwrap()
                .rcpt_answer
                .clone()
                .unwrap_or_else(|| "250 2.1.5 ok".into()),
            "DATA" => {
                let Some(text) = data(&mut reader).await? else {
                    return Ok(Next::Closed);
                };
                let received = Received {
                    encrypted,
                    authenticated,
                    text,
                };
                state.lock().unwrap().messages.push(received);
                "250 2.0.0 queued".into()
            }
            "RSET" | "NOOP" => "250 2.0.0 ok".into(),
            "QUIT" => {
                reader.get_mut().write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(Next::Closed);
            }
            _ => "502 5.5.2 not implemented".into(),
        };
        reader
            .get_mut()
            .write_all(format!("{answer}\r\n").as_bytes())
            .await?;
    }
}

/// The EHLO answer: STARTTLS and AUTH offered when the relay has them.
fn ehlo(offer_starttls: bool, auth: bool) -> String {
    let mut lines = vec!["250-relay.test"];
    if offer_starttls {
        lines.push("250-STARTTLS");
    }
    if auth {
        lines.push("250-AUTH PLAIN");
    }
    lines.push("250 8BITMIME");
    lines.join("\r\n")
}

/// AUTH PLAIN, counted by whether it came encrypted: whether the credentials match.
async fn auth(
    reader: &mut BufReader<Box<dyn Io>>,
    line: &str,
    encrypted: bool,
    login: Option<(String, String)>,
    state: &Mutex<State>,
) -> std::io::Result<bool> {
    {
        let mut st = state.lock().unwrap();
        if encrypted {
            st.auth_encrypted += 1;
        } else {
            st.auth_in_clear += 1;
        }
    }
    let mut words = line.split(' ').skip(1);
    let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
    let response = match words.next() {
        Some(r) => r.to_owned(),
        None => {
            reader.get_mut().write_all(b"334 \r\n").await?;
            let mut r = String::new();
            reader.read_line(&mut r).await?;
            r.trim_end().to_owned()
        }
    };
    let given = base64::engine::general_purpose::STANDARD
        .decode(response)
        .unwrap_or_default();
    let expected = login.map(|(u, p)| format!("\0{u}\0{p}").into_bytes());
    Ok(mechanism == "PLAIN" && expected.is_some_and(|e| e == given))
}

/// A message's text, up to its end of data; `None` when the connection ends first.
async fn data(reader: &mut BufReader<Box<dyn Io>>) -> std::io::Result<Option<String>> {
    reader.get_mut().write_all(b"354 go ahead\r\n").await?;
    let mut text = String::new();
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).await? == 0 {
            return Ok(None);
        }
        if l == ".\r\n" {
            return Ok(Some(text));
        }
        text.push_str(&l);
    }
}
