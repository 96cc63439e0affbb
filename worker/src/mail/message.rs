//! Email templates: one variant per kind of email, each rendered to a subject, a text
//! body and an HTML body. The variant's data is what the outbox stores.

use serde::{Deserialize, Serialize};

/// Every kind of email the product sends, with the data its template needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mail {
    /// After `signUp`.
    Welcome {
        to: String,
        name: String,
        company_name: String,
        company_id: String,
        is_partner: bool,
    },
    /// A partner invites a client by email (and each resend).
    Invite {
        to: String,
        partner_name: String,
        company_name: Option<String>,
        /// `{PUBLIC_URL}/invite/{token}`
        link: String,
        /// The client row invited: a fresh link can be made for it when this email
        /// failed and its link was removed (`deliveries::retry`). Absent in rows written
        /// before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<i64>,
    },
    /// A user created for someone else (a client created with the sign-up form) sets a password.
    SetPassword {
        to: String,
        name: String,
        company_name: String,
        partner_name: Option<String>,
        /// `{PUBLIC_URL}/reset-password/{token}`
        link: String,
        /// The user the link is for (see `Invite::client_id`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<i64>,
    },
    /// A single-use link to reset a password (1 hour).
    PasswordReset {
        to: String,
        name: String,
        company_name: String,
        company_id: String,
        /// `{PUBLIC_URL}/reset-password/{token}`
        link: String,
        /// The user the link is for (see `Invite::client_id`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<i64>,
    },
    /// A Partner Connect request failed: the support team is told why.
    ConnectFailed {
        to: String,
        v1_name: String,
        v1_company_id: String,
        requested_company_id: String,
        owner_email: String,
        reason: String,
    },
    /// The trial-expiry sweep tells a partner which clients' trials ended.
    TrialExpiredDigest {
        to: String,
        partner_name: String,
        clients: Vec<ExpiredClient>,
    },
    /// A client demoted or deactivated the user of one of the partner's people: the
    /// partner's owner learns which client did what, and who there can undo it.
    PartnerAccessChanged {
        to: String,
        partner_name: String,
        client_name: String,
        /// The client user who made the change.
        changed_by: String,
        /// e.g. "made rosa@ledgerline.example inactive".
        what: String,
        /// The client's OWNER and ADMINs who can undo it, as "Name <email>".
        can_undo: Vec<String>,
        /// Changes the same client made later, folded into this email while it waited
        /// (`outbox::fold_mail`: at most one such email a period).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        later: Vec<AccessChange>,
    },
    /// The invite-expiry sweep tells a partner which invites expired unused.
    InvitesExpiredDigest {
        to: String,
        partner_name: String,
        clients: Vec<ExpiredClient>,
    },
}

/// One more change in a folded [`Mail::PartnerAccessChanged`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessChange {
    pub by: String,
    pub what: String,
}

/// At most this many changes are listed in one folded email; the rest are counted.
pub const MAX_FOLDED_CHANGES: usize = 20;

/// One line of a trial-expiry digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredClient {
    pub name: String,
    pub email: String,
}

/// What replaces a secret link in the outbox once the email has been sent.
pub const REDACTED: &str = "[redacted after sending]";

/// A rendered email, ready to be put in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Values every template may use.
#[derive(Debug, Clone)]
pub struct TemplateContext<'a> {
    /// Base URL for links, from configuration only (never from a request).
    pub public_url: &'a str,
    /// The free trial's length as a person reads it (`TRIAL_LENGTH`: "14 days").
    pub trial: &'a str,
}

impl Mail {
    /// The template's name, stored on the delivery row.
    pub fn kind(&self) -> &'static str {
        match self {
            Mail::Welcome { .. } => "welcome",
            Mail::Invite { .. } => "invite",
            Mail::SetPassword { .. } => "set_password",
            Mail::PasswordReset { .. } => "password_reset",
            Mail::TrialExpiredDigest { .. } => "trial_expired_digest",
            Mail::InvitesExpiredDigest { .. } => "invites_expired_digest",
            Mail::PartnerAccessChanged { .. } => "partner_access_changed",
            Mail::ConnectFailed { .. } => "connect_failed",
        }
    }

    pub fn recipient(&self) -> &str {
        match self {
            Mail::Welcome { to, .. }
            | Mail::Invite { to, .. }
            | Mail::SetPassword { to, .. }
            | Mail::PasswordReset { to, .. }
            | Mail::TrialExpiredDigest { to, .. }
            | Mail::InvitesExpiredDigest { to, .. }
            | Mail::PartnerAccessChanged { to, .. }
            | Mail::ConnectFailed { to, .. } => to,
        }
    }

    /// The same email with its secret link removed: what the outbox keeps after sending,
    /// so the database holds no usable token.
    pub fn redacted(&self) -> Mail {
        let mut e = self.clone();
        match &mut e {
            Mail::Invite { link, .. }
            | Mail::SetPassword { link, .. }
            | Mail::PasswordReset { link, .. } => *link = REDACTED.to_owned(),
            Mail::Welcome { .. }
            | Mail::TrialExpiredDigest { .. }
            | Mail::InvitesExpiredDigest { .. }
            | Mail::PartnerAccessChanged { .. }
            | Mail::ConnectFailed { .. } => {}
        }
        e
    }

    /// Folds `newer`, an email of the same kind to the same person, into this one still
    /// waiting in the outbox; false when they do not fold (another kind or recipient).
    pub fn fold(&mut self, newer: &Mail) -> bool {
        match (self, newer) {
            (
                Mail::PartnerAccessChanged {
                    to,
                    client_name,
                    can_undo,
                    later,
                    ..
                },
                Mail::PartnerAccessChanged {
                    to: newer_to,
                    client_name: newer_client,
                    changed_by,
                    what,
                    can_undo: newer_undo,
                    ..
                },
            ) if to == newer_to => {
                *client_name = newer_client.clone();
                *can_undo = newer_undo.clone();
                later.push(AccessChange {
                    by: changed_by.clone(),
                    what: what.clone(),
                });
                true
            }
            _ => false,
        }
    }

    pub fn render(&self, cx: &TemplateContext<'_>) -> Rendered {
        match self {
            Mail::Welcome {
                name,
                company_name,
                company_id,
                is_partner,
                ..
            } => {
                let subject = if *is_partner {
                    format!(
                        "Welcome to your Partner Dashboard, {}",
                        subject_name(company_name)
                    )
                } else {
                    format!(
                        "Welcome, {}: your free trial of {} has started",
                        subject_name(company_name),
                        cx.trial
                    )
                };
                let next = if *is_partner {
                    "You can now invite your clients from your Partner Dashboard."
                } else {
                    "Your free trial has started."
                };
                let login = format!("{}/login", cx.public_url);
                let text = format!(
                    "Hello {name},\n\nyour account for {company_name} is ready. Your Company ID is {company_id}.\n{next}\n\nLog in: {login}\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hello {},</p><p>your account for <strong>{}</strong> is ready. Your Company ID is <strong>{}</strong>.</p><p>{}</p>{}",
                        esc(name),
                        esc(company_name),
                        esc(company_id),
                        esc(next),
                        button(&login, "Log in"),
                    ),
                );
                Rendered {
                    subject,
                    text,
                    html,
                }
            }
            Mail::Invite {
                partner_name,
                company_name,
                link,
                ..
            } => {
                let subject = format!(
                    "{} invites you to try Time, free for {}",
                    subject_name(partner_name),
                    cx.trial
                );
                let who = company_name
                    .as_deref()
                    .map(|c| format!(" for {c}"))
                    .unwrap_or_default();
                let text = format!(
                    "Hello,\n\n{partner_name} manages your books and invites you to open an account{who}.\n\nAccept the invitation:\n{link}\n\nThe link works once and expires in 30 days.\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hello,</p><p><strong>{}</strong> manages your books and invites you to open an account{}.</p>{}<p>The link works once and expires in 30 days.</p>",
                        esc(partner_name),
                        esc(&who),
                        button(link, "Accept the invitation"),
                    ),
                );
                Rendered {
                    subject,
                    text,
                    html,
                }
            }
            Mail::SetPassword {
                name,
                company_name,
                partner_name,
                link,
                ..
            } => {
                let subject = format!(
                    "Your {} account is ready: set your password",
                    subject_name(company_name)
                );
                let by = partner_name
                    .as_deref()
                    .map(|p| format!(" {p} created it for you."))
                    .unwrap_or_default();
                let text = format!(
                    "Hello {name},\n\nan account for {company_name} is ready.{by}\n\nSet your password and log in:\n{link}\n\nThe link works once.\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hello {},</p><p>an account for <strong>{}</strong> is ready.{}</p>{}<p>The link works once.</p>",
                        esc(name),
                        esc(company_name),
                        esc(&by),
                        button(link, "Set your password"),
                    ),
                );
                Rendered {
                    subject,
                    text,
                    html,
                }
            }
            Mail::PasswordReset {
                name,
                company_name,
                company_id,
                link,
                ..
            } => {
                let subject = format!("Reset your password for {}", subject_name(company_name));
                let text = format!(
                    "Hello {name},\n\nsomeone asked to reset your password for {company_name} ({company_id}).\n\nChoose a new password:\n{link}\n\nThe link works once, for one hour. If you did not ask for this, ignore this email.\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hello {},</p><p>someone asked to reset your password for <strong>{}</strong> ({}).</p>{}<p>The link works once, for one hour. If you did not ask for this, ignore this email.</p>",
                        esc(name),
                        esc(company_name),
                        esc(company_id),
                        button(link, "Choose a new password"),
                    ),
                );
                Rendered {
                    subject,
                    text,
                    html,
                }
            }
            Mail::ConnectFailed {
                v1_name,
                v1_company_id,
                requested_company_id,
                owner_email,
                reason,
                ..
            } => {
                let subject = format!(
                    "Partner Connect failed for {} ({v1_company_id})",
                    subject_name(v1_name)
                );
                let text = format!(
                    "The V1 partner {v1_name} ({v1_company_id}) asked to connect to the V2 partner dashboard {requested_company_id}, owner {owner_email}.\n\nIt failed: {reason}.\n\nThe partner was told to check the Company ID and owner email and try again.\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>The V1 partner <strong>{}</strong> ({}) asked to connect to the V2 partner dashboard {}, owner {}.</p><p>It failed: {}.</p><p>The partner was told to check the Company ID and owner email and try again.</p>",
                        esc(v1_name),
                        esc(v1_company_id),
                        esc(requested_company_id),
                        esc(owner_email),
                        esc(reason),
                    ),
                );
                Rendered {
                    subject,
                    text,
                    html,
                }
            }
            Mail::TrialExpiredDigest {
                partner_name,
                clients,
                ..
            } => digest(
                cx,
                partner_name,
                clients,
                if clients.len() == 1 {
                    "1 client's free trial has ended".to_owned()
                } else {
                    format!("{} clients' free trials have ended", clients.len())
                },
                "these clients' free trials ended without a subscription:",
                "They appear as Trial Expired in your client list:",
                "TRIAL_EXPIRED",
            ),
            Mail::PartnerAccessChanged {
                partner_name,
                client_name,
                changed_by,
                what,
                can_undo,
                later,
                ..
            } => {
                // The client names itself: its name stays out of the subject.
                let subject = "A client changed your access to its account".to_owned();
                let undo = if can_undo.is_empty() {
                    "Only the client's account owner can undo it.".to_owned()
                } else {
                    format!("It can be undone by: {}.", can_undo.join(", "))
                };
                let mut changes: Vec<String> = std::iter::once(format!("{changed_by} {what}"))
                    .chain(later.iter().map(|c| format!("{} {}", c.by, c.what)))
                    .collect();
                if changes.len() > MAX_FOLDED_CHANGES {
                    let more = changes.len() - MAX_FOLDED_CHANGES;
                    changes.truncate(MAX_FOLDED_CHANGES);
                    changes.push(format!("and {more} more changes"));
                }
                let lines: String = changes.iter().map(|c| format!("- {c}\n")).collect();
                let text = format!(
                    "Hello {partner_name},\n\n{client_name} changed your access to its account, so Log in to this client may no longer work from your Partner Dashboard:\n\n{lines}\n{undo}\n\nYour client list shows each client's access:\n{}/clients\n",
                    cx.public_url
                );
                let items: String = changes
                    .iter()
                    .map(|c| format!("<li>{}</li>", esc(c)))
                    .collect();
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hello {},</p><p><strong>{}</strong> changed your access to its account, so Log in to this client may no longer work from your Partner Dashboard:</p><ul>{}</ul><p>{}</p>{}",
                        esc(partner_name),
                        esc(client_name),
                        items,
                        esc(&undo),
                        button(
                            &format!("{}/clients", cx.public_url),
                            "Open your client list"
                        ),
                    ),
                );
                Rendered {
                    subject,
                    text,
                    html,
                }
            }
            Mail::InvitesExpiredDigest {
                partner_name,
                clients,
                ..
            } => digest(
                cx,
                partner_name,
                clients,
                if clients.len() == 1 {
                    "1 invite expired before it was accepted".to_owned()
                } else {
                    format!(
                        "{} invites expired before they were accepted",
                        clients.len()
                    )
                },
                "these invites expired before the client accepted them:",
                "Send a new one with Resend invite in your client list:",
                "INVITED",
            ),
        }
    }
}

/// A partner's digest about some of its clients (the trial and invite sweeps): a
/// greeting, `intro`, one line per client, then `outro` and a link to the client list
/// filtered on `status`.
fn digest(
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
fn subject_name(name: &str) -> String {
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

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

fn button(href: &str, label: &str) -> String {
    format!(
        "<p><a href=\"{}\" style=\"background:#1f6feb;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{}</a></p>",
        html_escape::encode_double_quoted_attribute(href),
        esc(label)
    )
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body style=\"font-family:sans-serif;max-width:560px;margin:auto\">{}</body></html>",
        esc(title),
        body
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welcome_escapes_user_text_in_html() {
        let e = Mail::Welcome {
            to: "a@b.example".into(),
            name: "<script>x</script>".into(),
            company_name: "A & B".into(),
            company_id: "ABC1234".into(),
            is_partner: true,
        };
        let r = e.render(&TemplateContext {
            public_url: "https://app.example",
            trial: "14 days",
        });
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.text.contains("ABC1234"));
        assert!(r.text.contains("https://app.example/login"));
    }

    #[test]
    fn the_trial_emails_say_the_configured_trial_length() {
        let cx = TemplateContext {
            public_url: "https://app.example",
            trial: "30 days",
        };
        let welcome = Mail::Welcome {
            to: "a@b.example".into(),
            name: "Ann".into(),
            company_name: "Ann's".into(),
            company_id: "ABC1234".into(),
            is_partner: false,
        };
        assert_eq!(
            welcome.render(&cx).subject,
            "Welcome, Ann's: your free trial of 30 days has started"
        );
        let invite = Mail::Invite {
            to: "c@d.example".into(),
            partner_name: "Ledger".into(),
            company_name: None,
            link: "https://app.example/invite/x".into(),
            client_id: None,
        };
        assert_eq!(
            invite.render(&cx).subject,
            "Ledger invites you to try Time, free for 30 days"
        );
    }

    #[test]
    fn names_people_chose_are_cut_in_subjects_and_a_clients_kept_out() {
        assert_eq!(subject_name("Ledger"), "Ledger");
        let long = format!("CHEAP PILLS{}\r\nBcc: x", " now".repeat(20));
        let q = subject_name(&long);
        assert!(q.chars().count() <= 43, "{q}");
        assert!(q.ends_with("..."), "{q}");
        assert!(!q.contains('\n') && !q.contains('\r'), "{q}");
        let changed = Mail::PartnerAccessChanged {
            to: "o@firm.example".into(),
            partner_name: "Firm".into(),
            client_name: "BUY NOW at example.com".into(),
            changed_by: "c@client.example".into(),
            what: "made r@firm.example inactive".into(),
            can_undo: vec![],
            later: vec![],
        };
        let r = changed.render(&TemplateContext {
            public_url: "https://app.example",
            trial: "14 days",
        });
        assert!(!r.subject.contains("BUY NOW"), "{}", r.subject);
        assert!(r.text.contains("BUY NOW"), "the body names the client");
    }

    #[test]
    fn access_changes_of_one_client_fold_into_one_email() {
        let change = |what: &str| Mail::PartnerAccessChanged {
            to: "o@firm.example".into(),
            partner_name: "Firm".into(),
            client_name: "Corner Shop".into(),
            changed_by: "c@client.example".into(),
            what: what.into(),
            can_undo: vec![],
            later: vec![],
        };
        let mut first = change("made r@firm.example inactive");
        for i in 0..30 {
            assert!(first.fold(&change(&format!("change {i}"))));
        }
        let other = Mail::Welcome {
            to: "o@firm.example".into(),
            name: "N".into(),
            company_name: "C".into(),
            company_id: "ABC1234".into(),
            is_partner: true,
        };
        assert!(!first.fold(&other));
        let r = first.render(&TemplateContext {
            public_url: "https://app.example",
            trial: "14 days",
        });
        assert!(r.text.contains("made r@firm.example inactive"));
        assert!(r.text.contains("change 18"));
        assert!(!r.text.contains("change 19"), "at most 20 listed");
        assert!(r.text.contains("and 11 more changes"));
    }

    #[test]
    fn payload_round_trips_through_json() {
        let e = Mail::Welcome {
            to: "a@b.example".into(),
            name: "N".into(),
            company_name: "C".into(),
            company_id: "ABC1234".into(),
            is_partner: false,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"kind\":\"welcome\""));
        assert_eq!(serde_json::from_str::<Mail>(&json).unwrap(), e);
    }
}
