//! How a send through the relay failed: for the message, or for the relay itself.

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
    pub(super) fn relay(code: &str, reason: String) -> Self {
        SmtpFailure::Relay {
            code: code.to_owned(),
            reason,
        }
    }

    /// A failure while the connection is set up (`stage`: greeting, STARTTLS, AUTH). A
    /// 5xx answer there, a certificate that does not verify or no AUTH mechanism in
    /// common is a refusal of the connection; a 4xx answer ("later") or a dropped
    /// connection stays an ordinary temporary failure.
    pub(super) fn at_connection(stage: &str, e: lettre::transport::smtp::Error) -> Self {
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

/// Whether `e` or an error under it is rustls refusing the handshake (a certificate that
/// does not verify, no common protocol), as opposed to a dropped connection.
pub(super) fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
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
