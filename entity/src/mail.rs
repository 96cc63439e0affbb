//! The outbox's payload: every kind of email the product sends, with the data its
//! template needs (`worker::mail::templates` writes the words). Stored as JSON on the
//! delivery row, so a kind's fields only ever grow with defaults.

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
    /// Something changed how a person signs in (SPEC §12): they hear of it at once, so
    /// a change they did not make does not go unnoticed.
    SecurityNotice {
        to: String,
        name: String,
        company_name: String,
        /// What changed, as a sentence's subject: "Your password was changed".
        what: String,
        /// When, as `YYYY-MM-DD HH:MM UTC`.
        at: String,
    },
    /// Access the client controls (SPEC §13): a request for the client's owner and
    /// admins, the answer for the person, a revocation, and the warnings before a grant
    /// ends. The sentences are written where the event happens.
    AccessNotice {
        to: String,
        name: String,
        subject: String,
        /// The paragraphs, in order.
        lines: Vec<String>,
        /// Where to act (the client account page or the dashboard), with its button's
        /// words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<(String, String)>,
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
            Mail::SecurityNotice { .. } => "security_notice",
            Mail::AccessNotice { .. } => "access_notice",
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
            | Mail::ConnectFailed { to, .. }
            | Mail::SecurityNotice { to, .. }
            | Mail::AccessNotice { to, .. } => to,
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
            | Mail::ConnectFailed { .. }
            | Mail::SecurityNotice { .. }
            | Mail::AccessNotice { .. } => {}
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(what: &str) -> Mail {
        Mail::PartnerAccessChanged {
            to: "o@firm.example".into(),
            partner_name: "Firm".into(),
            client_name: "Corner Shop".into(),
            changed_by: "c@client.example".into(),
            what: what.into(),
            can_undo: vec![],
            later: vec![],
        }
    }

    #[test]
    fn access_changes_of_one_client_fold_into_one_email() {
        let mut first = change("made r@firm.example inactive");
        for i in 0..3 {
            assert!(first.fold(&change(&format!("change {i}"))));
        }
        let Mail::PartnerAccessChanged { what, later, .. } = &first else {
            panic!("folded into its kind")
        };
        assert_eq!(what, "made r@firm.example inactive");
        assert_eq!(later.len(), 3);
        assert_eq!(later[2].what, "change 2");
        let other = Mail::Welcome {
            to: "o@firm.example".into(),
            name: "N".into(),
            company_name: "C".into(),
            company_id: "ABC1234".into(),
            is_partner: true,
        };
        assert!(!first.fold(&other), "another kind does not fold");
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
