//! Email as a person reads it: parsed from the SMTP server's messages or the `.eml`
//! outbox, with its links and their secrets; and the app's mail, read and waited for.

use crate::TestApp;
use crate::smtp::SmtpAnswer;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One email as a person would read it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The `.eml` file it was read from (embedded mode), if any.
    pub file: Option<PathBuf>,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The plain-text body.
    pub text: String,
    pub raw: String,
}

impl Mail {
    pub fn parse(file: Option<PathBuf>, raw: String) -> Mail {
        let header = |name: &str| {
            raw.lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
                .unwrap_or_default()
        };
        let part = raw
            .split("Content-Type: text/plain; charset=utf-8")
            .nth(1)
            .map(|rest| rest.replace("\r\n", "\n"))
            .unwrap_or_default();
        let (part_headers, body) = part.split_once("\n\n").unwrap_or(("", ""));
        let body = body.split("\n--").next().unwrap_or_default();
        let text = if part_headers.contains("quoted-printable") {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        };
        Mail {
            to: header("To"),
            subject: header("Subject"),
            message_id: header("Message-ID"),
            text,
            file,
            raw,
        }
    }

    /// The secret at the end of the first link that starts with `prefix`.
    pub fn token(&self, prefix: &str) -> Option<String> {
        self.link(prefix)
            .and_then(|l| l.rsplit('/').next().map(str::to_owned))
    }

    /// The first link in the text body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(str::to_owned)
    }
}

/// Undoes quoted-printable transfer encoding (soft line breaks and `=XX` escapes).
fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(b) = escaped {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The secret at the end of a link such as `http://app.test/invite/{token}`.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap_or_default().to_owned()
}

impl TestApp {
    /// Every email received, oldest first: from the SMTP server, or the `.eml` outbox.
    pub fn mails(&self) -> Vec<Mail> {
        if let Some(smtp) = &self.smtp {
            return smtp
                .raw_messages()
                .into_iter()
                .map(|raw| Mail::parse(None, raw))
                .collect();
        }
        let dir = self.dir.path().join("outbox");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.trim_start_matches("delivery-").parse::<i64>().ok())
                .unwrap_or(i64::MAX)
        });
        files
            .into_iter()
            .filter_map(|f| {
                std::fs::read_to_string(&f)
                    .ok()
                    .map(|raw| Mail::parse(Some(f), raw))
            })
            .collect()
    }

    /// Waits (up to 30 s: a job held by a stopped worker comes back after its missed
    /// heartbeats) for an email to `to` whose subject contains `subject`.
    pub async fn wait_for_mail(&self, to: &str, subject: &str) -> Mail {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(m) = self
                .mails()
                .into_iter()
                .find(|m| m.to == to && m.subject.contains(subject))
            {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no email to {to} about {subject:?}; received: {:#?}",
                self.mails()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The newest of at least `n` emails to `to` about `subject`, newest by delivery id
    /// (the Message-ID is `<delivery-{id}@…>`), since two workers may deliver them in
    /// either order.
    pub async fn newest_mail(&self, to: &str, subject: &str, n: usize) -> Mail {
        let delivery = |id: &str| -> u64 {
            id.trim_start_matches("<delivery-")
                .split('@')
                .next()
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| panic!("a delivery Message-ID: {id}"))
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut mails: Vec<(u64, Mail)> = self
                .mails()
                .into_iter()
                .filter(|m| m.to == to && m.subject.contains(subject))
                .map(|m| (delivery(&m.message_id), m))
                .collect();
            if mails.len() >= n {
                mails.sort_by_key(|(id, _)| *id);
                return mails.pop().unwrap().1;
            }
            assert!(
                Instant::now() < deadline,
                "fewer than {n} emails to {to} about {subject:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Makes mail delivery fail temporarily (the outbox directory is blocked, or the SMTP
    /// server answers 451) until [`mend_mail`](Self::mend_mail).
    pub fn break_mail(&self) {
        match &self.smtp {
            Some(smtp) => smtp.answer(SmtpAnswer::Temporary),
            None => std::fs::write(self.dir.path().join("outbox"), b"in the way").unwrap(),
        }
    }

    pub fn mend_mail(&self) {
        match &self.smtp {
            Some(smtp) => smtp.answer(SmtpAnswer::Accept),
            None => std::fs::remove_file(self.dir.path().join("outbox")).unwrap(),
        }
    }

    /// The newest delivery of this kind (`invite`, `set_password`, …) to `to`, once it
    /// was sent.
    pub async fn sent_delivery(&self, kind: &str, to: &str) -> entity::delivery::Model {
        use entity::delivery::{Column, Entity};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let d = Entity::find()
                .filter(Column::Kind.eq(kind))
                .filter(Column::Recipient.eq(to))
                .order_by_desc(Column::Id)
                .one(self.db())
                .await
                .unwrap();
            if let Some(d) = d.filter(|d| d.status == entity::DeliveryStatus::Sent) {
                return d;
            }
            assert!(Instant::now() < deadline, "no {kind} email sent to {to}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Records for a sent delivery what a mail server's later bounce (550) leaves: FAILED,
    /// its link removed, as the sender records a permanent refusal.
    pub async fn bounce(&self, d: &entity::delivery::Model) {
        use entity::delivery::{Column, Entity};
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let mail: worker::Mail = serde_json::from_str(&d.payload).unwrap();
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(entity::DeliveryStatus::Failed))
            .col_expr(
                Column::LastError,
                Expr::value("smtp: 550 5.1.1 no such mailbox"),
            )
            .col_expr(
                Column::Payload,
                Expr::value(serde_json::to_string(&mail.redacted()).unwrap()),
            )
            .filter(Column::Id.eq(d.id))
            .exec(self.db())
            .await
            .unwrap();
    }

    /// Forgets every email received so far.
    pub fn clear_mails(&self) {
        match &self.smtp {
            Some(smtp) => smtp.clear(),
            None => {
                for m in self.mails() {
                    if let Some(f) = m.file {
                        std::fs::remove_file(f).unwrap();
                    }
                }
            }
        }
    }
}
