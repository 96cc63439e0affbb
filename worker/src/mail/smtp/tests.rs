//! The pool against a real relay on a loopback port (`crate::mail::test_relay`).

use super::relay::Security;
use super::*;
use crate::mail::Transport;
use crate::mail::test_relay::{RelayTls, TestCa, TestRelay};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use std::path::Path;

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
        Transport::from_config(Some(&url), Some(&ca_file), 1, TIMEOUT, dir.path().into()).unwrap()
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
    let mut opportunistic = parse(&format!("smtp://127.0.0.1:{port}?tls=opportunistic")).unwrap();
    opportunistic.credentials = Some(Credentials::new("mailer".into(), "s3cret".into()));
    let pool = SmtpPool::with_relay(opportunistic, 1, TIMEOUT);
    let (code, reason) = refused_by_relay(send(&pool, "in clear?").await);
    assert_eq!(code, "tls", "{reason}");
    assert!(reason.contains("not encrypted"), "{reason}");
    assert_eq!(relay.auth_in_clear(), 0);
    assert!(relay.messages().is_empty());

    // Allowed in the URL for a relay on this machine: AUTH goes in clear, and the
    // mail with it.
    let url =
        format!("smtp://mailer:s3cret@127.0.0.1:{port}?tls=opportunistic&plain_auth=loopback-only");
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
