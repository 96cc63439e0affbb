//! Delivering one email of the outbox, idempotently on its delivery id.

use crate::WorkerError;
use crate::mail::smtp::{SmtpFailure, SmtpPool};
use crate::mail::{TemplateContext, render};
use chrono::Utc;
use entity::DeliveryStatus;
use entity::delivery::{self, Column, Entity as Delivery};
use entity::mail::Mail;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// After this many temporary failures a delivery is marked failed.
pub const MAX_ATTEMPTS: i32 = 10;

/// A claimed delivery is another job's to send for this long; then it may be claimed
/// again (its worker died mid-send). Longer than any one send: SMTP exchanges are cut
/// at [`MAX_SMTP_TIMEOUT`].
const CLAIM_FOR: Duration = Duration::from_secs(30);
/// The longest SMTP_TIMEOUT used.
pub const MAX_SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum Transport {
    /// Embedded default: each message written as `DATA_DIR/outbox/delivery-{id}.eml`.
    Outbox(PathBuf),
    /// An SMTP server, through a pool of connections that send without delay
    /// (`mail/smtp.rs`).
    Smtp(Arc<SmtpPool>),
}

impl Transport {
    /// SMTP when `smtp_url` is given (`smtp://[user:pass@]host:port[?tls=required]`,
    /// `smtps://…`; see `mail/smtp.rs` for the rules on credentials), trusting the
    /// certificate authorities of `ca_file` (PEM) besides the system's; otherwise `.eml`
    /// files in `outbox_dir`.
    pub fn from_config(
        smtp_url: Option<&str>,
        ca_file: Option<&Path>,
        pool_size: u32,
        timeout: Duration,
        outbox_dir: PathBuf,
    ) -> Result<Self, WorkerError> {
        let Some(url) = smtp_url else {
            return Ok(Transport::Outbox(outbox_dir));
        };
        let roots = match ca_file {
            Some(path) => crate::mail::smtp::read_ca_file(path)
                .map_err(|e| WorkerError::Config(format!("SMTP_CA_FILE: {e}")))?,
            None => Vec::new(),
        };
        let pool = SmtpPool::new(url, &roots, pool_size, timeout.min(MAX_SMTP_TIMEOUT))
            .map_err(|e| WorkerError::Config(format!("SMTP_URL: {e}")))?;
        Ok(Transport::Smtp(Arc::new(pool)))
    }

    /// `"smtp"` or `"outbox"`, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Transport::Outbox(_) => "outbox",
            Transport::Smtp(_) => "smtp",
        }
    }
}

/// Why a send did not happen.
#[derive(Debug)]
pub enum SendFailure {
    /// Worth retrying later (network, a 4xx answer, a full disk).
    Temporary(String),
    /// Will never work (a malformed address, a 5xx refusal, an unreadable payload).
    Permanent(String),
}

/// Everything a send job needs.
#[derive(Debug, Clone)]
pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
    pub public_url: String,
    /// `TRIAL_LENGTH` as the emails say it.
    pub trial: String,
    /// How long invite and reset links work, as the emails say it.
    pub invite_valid: String,
    pub reset_valid: String,
}

/// A link's lifetime as an email says it ("30 days").
fn human(d: chrono::Duration) -> String {
    entity::human_duration(d.to_std().unwrap_or_default())
}

impl Mailer {
    pub fn new(
        transport: Transport,
        from: &str,
        public_url: &str,
        trial_length: std::time::Duration,
    ) -> Result<Self, WorkerError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| WorkerError::Config(format!("MAIL_FROM '{from}': {e}")))?;
        Ok(Mailer {
            transport,
            from,
            public_url: public_url.trim_end_matches('/').to_owned(),
            trial: entity::human_duration(trial_length),
            invite_valid: human(entity::invite::INVITE_TTL),
            reset_valid: human(entity::password_token::RESET_TTL),
        })
    }

    /// The Message-ID of a delivery: derived from its id, so a retried send carries the
    /// same one and a receiver (or a test) can tell a duplicate apart.
    pub fn message_id(&self, delivery_id: i64) -> String {
        format!("<delivery-{delivery_id}@{}>", self.from.email.domain())
    }

    fn build(&self, delivery_id: i64, email: &Mail) -> Result<Message, SendFailure> {
        let to: Mailbox = email
            .recipient()
            .parse()
            .map_err(|e| SendFailure::Permanent(format!("bad recipient: {e}")))?;
        let r = render(
            email,
            &TemplateContext {
                public_url: &self.public_url,
                trial: &self.trial,
                invite_valid: &self.invite_valid,
                reset_valid: &self.reset_valid,
            },
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(r.subject)
            .message_id(Some(self.message_id(delivery_id)))
            .multipart(MultiPart::alternative_plain_html(r.text, r.html))
            .map_err(|e| SendFailure::Permanent(format!("cannot build message: {e}")))
    }

    async fn transmit(&self, delivery_id: i64, message: &Message) -> Result<(), SendFailure> {
        match &self.transport {
            Transport::Outbox(dir) => {
                // Write then rename: a reader never sees half a message, and a retry
                // overwrites the same file instead of adding a second one.
                let tmp = dir.join(format!(".delivery-{delivery_id}.eml.tmp"));
                let path = dir.join(format!("delivery-{delivery_id}.eml"));
                let io = |e: std::io::Error| SendFailure::Temporary(format!("outbox write: {e}"));
                tokio::fs::create_dir_all(dir).await.map_err(io)?;
                tokio::fs::write(&tmp, message.formatted())
                    .await
                    .map_err(io)?;
                tokio::fs::rename(&tmp, &path).await.map_err(io)?;
                Ok(())
            }
            Transport::Smtp(pool) => {
                match pool.send(message.envelope(), &message.formatted()).await {
                    Ok(()) => Ok(()),
                    // A 5xx answer will not change; anything else (4xx, a refused or
                    // dropped connection, a timeout) may.
                    Err(SmtpFailure::Permanent(e)) => {
                        Err(SendFailure::Permanent(format!("smtp: {e}")))
                    }
                    Err(SmtpFailure::Temporary(e)) => {
                        Err(SendFailure::Temporary(format!("smtp: {e}")))
                    }
                    // The relay refused the connection, whatever the message: a bad
                    // credential or a relay down for maintenance must not fail all mail
                    // in flight. Retried; ops alert on the counter.
                    Err(SmtpFailure::Relay { code, reason }) => {
                        tracing::error!(
                            delivery_id,
                            code = %code,
                            error = %reason,
                            "the SMTP relay refused the connection (the relay, not the recipient): check SMTP_URL, its credentials and the relay; the email will be retried"
                        );
                        metrics::counter!("smtp_relay_refusals_total", "code" => code).increment(1);
                        Err(SendFailure::Temporary(format!(
                            "smtp relay refused the connection: {reason}"
                        )))
                    }
                }
            }
        }
    }

    /// Sends delivery `id` unless it was already sent or given up on, and records the
    /// outcome. Temporary failures are rescheduled with exponential backoff by the outbox
    /// (not by the queue backend, whose retry timing differs per backend: docs/APALIS.md §5).
    pub async fn send_delivery(&self, db: &DatabaseConnection, id: i64) -> Result<(), WorkerError> {
        let Some(d) = claim(db, id).await? else {
            return Ok(());
        };
        let email = serde_json::from_str::<Mail>(&d.payload);
        let outcome = match &email {
            Err(e) => Err(SendFailure::Permanent(format!("unreadable payload: {e}"))),
            Ok(email) => match self.build(id, email) {
                Ok(msg) => self.transmit(id, &msg).await,
                Err(e) => Err(e),
            },
        };
        record(db, &d, email.ok().as_ref(), outcome, self.transport.name()).await
    }
}

/// Claims delivery `id` for this job, so only one job at a time sends it, even when the
/// queue runs a job twice (an orphan re-run, a re-dispatched job). The claim returns the
/// row, so sending takes no second read. `None`: already sent or given up on; busy when
/// another job holds it.
async fn claim(db: &DatabaseConnection, id: i64) -> Result<Option<delivery::Model>, WorkerError> {
    let now = Utc::now();
    let claimed = Delivery::update_many()
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(now + chrono::Duration::from_std(CLAIM_FOR).unwrap_or_default()),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_not_in([DeliveryStatus::Sent, DeliveryStatus::Failed]))
        .filter(
            Column::ClaimedUntil
                .is_null()
                .or(Column::ClaimedUntil.lt(now)),
        )
        .exec_with_returning(db)
        .await?;
    if let Some(d) = claimed.into_iter().next() {
        return Ok(Some(d));
    }
    match Delivery::find_by_id(id).one(db).await? {
        // Another job holds it (or held it and died): ask the queue to retry later, when
        // it is sent or its claim has run out.
        Some(d) if !matches!(d.status, DeliveryStatus::Sent | DeliveryStatus::Failed) => Err(
            WorkerError::Busy(format!("delivery {id} is being sent by another job")),
        ),
        _ => {
            tracing::debug!(delivery_id = id, "delivery already sent or given up on");
            Ok(None)
        }
    }
}

/// Records how sending `d` went, in one statement: SENT, back to PENDING with backoff,
/// or FAILED; once settled the outbox keeps no secret link.
async fn record(
    db: &DatabaseConnection,
    d: &delivery::Model,
    email: Option<&Mail>,
    outcome: Result<(), SendFailure>,
    transport: &str,
) -> Result<(), WorkerError> {
    let (id, attempts, now) = (d.id, d.attempts, Utc::now());
    let mut update = Delivery::update_many()
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::Status.ne(DeliveryStatus::Sent));
    let settled = !matches!(&outcome, Err(SendFailure::Temporary(_)) if attempts < MAX_ATTEMPTS);
    if settled && let Some(email) = email {
        let kept = serde_json::to_string(&email.redacted()).unwrap_or_default();
        update = update.col_expr(Column::Payload, Expr::value(kept));
    }
    update = match outcome {
        Ok(()) => {
            tracing::info!(delivery_id = id, kind = %d.kind, transport, "email sent");
            metrics::counter!("emails_sent_total", "kind" => d.kind.clone()).increment(1);
            update
                .col_expr(Column::Status, Expr::value(DeliveryStatus::Sent))
                .col_expr(Column::SentAt, Expr::value(now))
                .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        }
        Err(SendFailure::Temporary(why)) if attempts < MAX_ATTEMPTS => {
            let backoff = chrono::Duration::seconds(2i64.pow(Ord::min(attempts, 9) as u32));
            tracing::warn!(delivery_id = id, attempts, error = %why, "email not sent; will retry");
            metrics::counter!("email_retries_total", "kind" => d.kind.clone()).increment(1);
            update
                .col_expr(Column::Status, Expr::value(DeliveryStatus::Pending))
                .col_expr(Column::NextAttemptAt, Expr::value(now + backoff))
                .col_expr(Column::LastError, Expr::value(why))
        }
        Err(SendFailure::Temporary(why)) | Err(SendFailure::Permanent(why)) => {
            tracing::error!(delivery_id = id, attempts, error = %why, "email failed permanently");
            metrics::counter!("emails_failed_total", "kind" => d.kind.clone()).increment(1);
            update
                .col_expr(Column::Status, Expr::value(DeliveryStatus::Failed))
                .col_expr(Column::LastError, Expr::value(why))
        }
    };
    update.exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::test_relay::{RelayTls, TestCa, TestRelay};
    use sea_orm_migration::MigratorTrait;

    /// One bad credential (a rotation half done) must not fail the mail in flight: each
    /// attempt is a temporary failure, retried with backoff with its link kept, and
    /// counted where ops alert; once the credential works the same delivery goes out.
    #[tokio::test]
    async fn a_refusal_by_the_relay_is_retried_with_its_link_kept_and_counted() {
        let metrics = crate::telemetry::prometheus();
        let dir = tempfile::tempdir().unwrap();
        let db = entity::db::connect(&entity::db::sqlite_url(dir.path()), 1)
            .await
            .unwrap();
        migration::Migrator::up(&db, None).await.unwrap();
        let link = "http://127.0.0.1:8000/invite/the-secret-token";
        let id = entity::delivery::queue_mail(
            &db,
            None,
            &Mail::Invite {
                to: "rosa@ledgerline.example".into(),
                partner_name: "Ledgerline".into(),
                company_name: None,
                link: link.into(),
                client_id: None,
            },
        )
        .await
        .unwrap();

        let ca = TestCa::new();
        let relay = TestRelay::start(&ca, RelayTls::StartTls, &["localhost"]).await;
        relay.require_login("mailer", "rotated");
        let url = format!(
            "smtp://mailer:old@localhost:{}?tls=required",
            relay.addr.port()
        );
        let pool = SmtpPool::new(&url, &ca.roots(), 1, Duration::from_secs(5)).unwrap();
        let mailer = Mailer::new(
            Transport::Smtp(Arc::new(pool)),
            "Partner Dashboard <no-reply@dashboard.example>",
            "http://127.0.0.1:8000",
            Duration::from_secs(14 * 86_400),
        )
        .unwrap();

        let before = Utc::now();
        mailer.send_delivery(&db, id).await.unwrap();
        let d = Delivery::find_by_id(id).one(&db).await.unwrap().unwrap();
        assert_eq!(d.status, DeliveryStatus::Pending, "{d:?}");
        assert_eq!(d.attempts, 1);
        assert!(
            d.next_attempt_at > before + chrono::Duration::seconds(1),
            "{d:?}"
        );
        assert!(
            d.payload.contains(link),
            "the link is kept for the retry: {d:?}"
        );
        let why = d.last_error.clone().unwrap_or_default();
        assert!(why.contains("relay") && why.contains("535"), "{why}");
        assert!(relay.messages().is_empty());
        let text = metrics.render();
        assert!(
            text.lines()
                .any(|l| l.starts_with("smtp_relay_refusals_total{code=\"535\"}")),
            "{text}"
        );

        // The rotation finished: the next attempt sends the same delivery.
        relay.require_login("mailer", "old");
        mailer.send_delivery(&db, id).await.unwrap();
        let d = Delivery::find_by_id(id).one(&db).await.unwrap().unwrap();
        assert_eq!(d.status, DeliveryStatus::Sent, "{d:?}");
        assert_eq!(d.attempts, 2);
        let got = relay.messages();
        assert_eq!(got.len(), 1);
        assert!(got[0].text.contains(&mailer.message_id(id)), "{got:?}");
    }
}
