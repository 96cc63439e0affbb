//! Email as a person reads it: parsed from the SMTP server's messages or the `.eml`
//! outbox, with its links and their secrets; and the app's mail, read and waited for.

use crate::TestApp;
use crate::smtp::SmtpAnswer;
use crate::waits::{eventually, secs};
use std::path::PathBuf;

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

    /// The id of the delivery it was sent for, from its Message-ID
    /// (`<delivery-{id}@…>`).
    pub fn delivery_id(&self) -> u64 {
        let id = &self.message_id;
        id.trim_start_matches("<delivery-")
            .split('@')
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("a delivery Message-ID: {id}"))
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
        let what = format!("an email to {to} about {subject:?}");
        eventually(&what, secs(30), async || {
            let mails = self.mails();
            let found = mails
                .iter()
                .find(|m| m.to == to && m.subject.contains(subject));
            found.cloned().ok_or(mails)
        })
        .await
    }

    /// The newest of at least `n` emails to `to` about `subject`, newest by delivery id
    /// (the Message-ID is `<delivery-{id}@…>`), since two workers may deliver them in
    /// either order.
    pub async fn newest_mail(&self, to: &str, subject: &str, n: usize) -> Mail {
        let what = format!("{n} emails to {to} about {subject:?}");
        eventually(&what, secs(30), async || {
            let mut mails: Vec<(u64, Mail)> = self
                .mails()
                .into_iter()
                .filter(|m| m.to == to && m.subject.contains(subject))
                .map(|m| (m.delivery_id(), m))
                .collect();
            mails.sort_by_key(|(id, _)| *id);
            if mails.len() >= n {
                Ok(mails.pop().unwrap().1)
            } else {
                Err(format!("{} of them", mails.len()))
            }
        })
        .await
    }

    /// The link starting with `prefix` (such as `http://app.test/invite/`) in the first
    /// email to `to` about `subject`, waiting for it.
    pub async fn link_mailed_to(&self, to: &str, subject: &str, prefix: &str) -> String {
        let mail = self.wait_for_mail(to, subject).await;
        mail.link(prefix)
            .unwrap_or_else(|| panic!("no {prefix} link in the email: {}", mail.text))
    }

    /// The invite link in the first invite email to `to`.
    pub async fn invite_link_mailed_to(&self, to: &str) -> String {
        self.link_mailed_to(to, "invites you", "http://app.test/invite/")
            .await
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
