//! What every email shares: the HTML page around its body, the button, escaping, a
//! chosen name in a subject line, and the digest a sweep sends a partner.

use entity::mail::ExpiredClient;

/// A rendered email, ready to be put in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Rendered {
    /// An email whose HTML is `body` in the common layout.
    pub(super) fn new(subject: String, text: String, body: &str) -> Rendered {
        let html = layout(&subject, body);
        Rendered {
            subject,
            text,
            html,
        }
    }
}

/// Values every template may use.
#[derive(Debug, Clone)]
pub struct TemplateContext<'a> {
    /// Base URL for links, from configuration only (never from a request).
    pub public_url: &'a str,
    /// The free trial's length as a person reads it (`TRIAL_LENGTH`: "14 days").
    pub trial: &'a str,
    /// How long an invite link works ("30 days": `entity::invite::INVITE_TTL`).
    pub invite_valid: &'a str,
    /// How long a reset link works ("1 hour": `entity::password_token::RESET_TTL`).
    pub reset_valid: &'a str,
}

/// A partner's digest about some of its clients (the trial and invite sweeps): a
/// greeting, `intro`, one line per client, then `outro` and a link to the client list
/// filtered on `status`.
pub(super) fn digest(
    cx: &TemplateContext<'_>,
    partner_name: &str,
    clients: &[ExpiredClient],
    subject: String,
    intro: &str,
    outro: &str,
    status: &str,
) -> Rendered {
    let url = format!("{}/clients?status={status}", cx.public_url);
    let lines: String = clients
        .iter()
        .map(|c| format!("- {} <{}>\n", c.name, c.email))
        .collect();
    let text = format!("Hello {partner_name},\n\n{intro}\n\n{lines}\n{outro}\n{url}\n");
    let items: String = clients
        .iter()
        .map(|c| format!("<li>{} &lt;{}&gt;</li>", esc(&c.name), esc(&c.email)))
        .collect();
    let html = layout(
        &subject,
        &format!(
            "<p>Hello {},</p><p>{}</p><ul>{}</ul><p>{}</p>{}",
            esc(partner_name),
            esc(intro),
            items,
            esc(outro),
            button(&url, "Open your client list"),
        ),
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// A name someone chose (a firm's, a company's), as a subject line shows it: on one line
/// and cut to 40 characters, so nobody writes a recipient's whole subject line.
pub(super) fn subject_name(name: &str) -> String {
    let one_line: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one_line = one_line.trim();
    let cut: String = one_line.chars().take(40).collect();
    if cut.len() < one_line.len() {
        format!("{}...", cut.trim_end())
    } else {
        cut
    }
}

pub(super) fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

pub(super) fn button(href: &str, label: &str) -> String {
    format!(
        "<p><a href=\"{}\" style=\"background:#1f6feb;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{}</a></p>",
        html_escape::encode_double_quoted_attribute(href),
        esc(label)
    )
}

pub(super) fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body style=\"font-family:sans-serif;max-width:560px;margin:auto\">{}</body></html>",
        esc(title),
        body
    )
}
