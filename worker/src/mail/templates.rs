//! What each email says: one function per kind of `entity::Mail`, each writing a
//! subject, a text body and an HTML body. Durations come from the context (the trial's
//! from `TRIAL_LENGTH`, the links' from the rules that issue them), never from the text.

use super::layout::{Rendered, TemplateContext, button, digest, esc, subject_name};
use entity::mail::{AccessChange, ExpiredClient, MAX_FOLDED_CHANGES, Mail};

/// The words of `mail`.
pub fn render(mail: &Mail, cx: &TemplateContext<'_>) -> Rendered {
    match mail {
        Mail::Welcome {
            name,
            company_name,
            company_id,
            is_partner,
            ..
        } => welcome(cx, name, company_name, company_id, *is_partner),
        Mail::Invite {
            partner_name,
            company_name,
            link,
            ..
        } => invite(cx, partner_name, company_name.as_deref(), link),
        Mail::SetPassword {
            name,
            company_name,
            partner_name,
            link,
            ..
        } => set_password(name, company_name, partner_name.as_deref(), link),
        Mail::PasswordReset {
            name,
            company_name,
            company_id,
            link,
            ..
        } => password_reset(cx, name, company_name, company_id, link),
        Mail::ConnectFailed { .. } => connect_failed(mail),
        Mail::TrialExpiredDigest {
            partner_name,
            clients,
            ..
        } => trial_expired_digest(cx, partner_name, clients),
        Mail::PartnerAccessChanged { .. } => partner_access_changed(cx, mail),
        Mail::InvitesExpiredDigest {
            partner_name,
            clients,
            ..
        } => invites_expired_digest(cx, partner_name, clients),
        Mail::SecurityNotice {
            name,
            company_name,
            what,
            at,
            ..
        } => security_notice(cx, name, company_name, what, at),
        Mail::AccessNotice {
            name,
            subject,
            lines,
            action,
            ..
        } => access_notice(cx, name, subject, lines, action.as_ref()),
    }
}

fn access_notice(
    cx: &TemplateContext<'_>,
    name: &str,
    subject: &str,
    lines: &[String],
    action: Option<&(String, String)>,
) -> Rendered {
    let mut text = format!("Hello {name},\n\n");
    let mut body = format!("<p>Hello {},</p>", esc(name));
    for l in lines {
        text.push_str(l);
        text.push_str("\n\n");
        body.push_str(&format!("<p>{}</p>", esc(l)));
    }
    if let Some((path, words)) = action {
        let url = format!("{}{path}", cx.public_url);
        text.push_str(&format!("{words}: {url}\n"));
        body.push_str(&button(&url, words));
    }
    Rendered::new(subject.to_owned(), text, &body)
}

fn welcome(
    cx: &TemplateContext<'_>,
    name: &str,
    company_name: &str,
    company_id: &str,
    is_partner: bool,
) -> Rendered {
    let subject = if is_partner {
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
    let next = if is_partner {
        "You can now invite your clients from your Partner Dashboard."
    } else {
        "Your free trial has started."
    };
    let login = format!("{}/login", cx.public_url);
    let text = format!(
        "Hello {name},\n\nYour account for {company_name} is ready. Your Company ID is {company_id}.\n{next}\n\nLog in: {login}\n"
    );
    let body = format!(
        "<p>Hello {},</p><p>Your account for <strong>{}</strong> is ready. Your Company ID is <strong>{}</strong>.</p><p>{}</p>{}",
        esc(name),
        esc(company_name),
        esc(company_id),
        esc(next),
        button(&login, "Log in"),
    );
    Rendered::new(subject, text, &body)
}

fn invite(
    cx: &TemplateContext<'_>,
    partner_name: &str,
    company_name: Option<&str>,
    link: &str,
) -> Rendered {
    let subject = format!(
        "{} invites you to try Time, free for {}",
        subject_name(partner_name),
        cx.trial
    );
    let who = company_name
        .map(|c| format!(" for {c}"))
        .unwrap_or_default();
    let valid = cx.invite_valid;
    let text = format!(
        "Hello,\n\n{partner_name} manages your books and invites you to open an account{who}.\n\nAccept the invitation:\n{link}\n\nThe link works once and expires in {valid}.\n"
    );
    let body = format!(
        "<p>Hello,</p><p><strong>{}</strong> manages your books and invites you to open an account{}.</p>{}<p>The link works once and expires in {}.</p>",
        esc(partner_name),
        esc(&who),
        button(link, "Accept the invitation"),
        esc(valid),
    );
    Rendered::new(subject, text, &body)
}

fn set_password(
    name: &str,
    company_name: &str,
    partner_name: Option<&str>,
    link: &str,
) -> Rendered {
    let subject = format!(
        "Your {} account is ready: set your password",
        subject_name(company_name)
    );
    let by = partner_name
        .map(|p| format!(" {p} created it for you."))
        .unwrap_or_default();
    let text = format!(
        "Hello {name},\n\nAn account for {company_name} is ready.{by}\n\nSet your password and log in:\n{link}\n\nThe link works once.\n"
    );
    let body = format!(
        "<p>Hello {},</p><p>An account for <strong>{}</strong> is ready.{}</p>{}<p>The link works once.</p>",
        esc(name),
        esc(company_name),
        esc(&by),
        button(link, "Set your password"),
    );
    Rendered::new(subject, text, &body)
}

fn password_reset(
    cx: &TemplateContext<'_>,
    name: &str,
    company_name: &str,
    company_id: &str,
    link: &str,
) -> Rendered {
    let subject = format!("Reset your password for {}", subject_name(company_name));
    let valid = cx.reset_valid;
    let text = format!(
        "Hello {name},\n\nSomeone asked to reset your password for {company_name} ({company_id}).\n\nChoose a new password:\n{link}\n\nThe link works once, for {valid}. If you did not ask for this, ignore this email.\n"
    );
    let body = format!(
        "<p>Hello {},</p><p>Someone asked to reset your password for <strong>{}</strong> ({}).</p>{}<p>The link works once, for {}. If you did not ask for this, ignore this email.</p>",
        esc(name),
        esc(company_name),
        esc(company_id),
        button(link, "Choose a new password"),
        esc(valid),
    );
    Rendered::new(subject, text, &body)
}

fn security_notice(
    cx: &TemplateContext<'_>,
    name: &str,
    company_name: &str,
    what: &str,
    at: &str,
) -> Rendered {
    let subject = format!("{what} ({})", subject_name(company_name));
    let reset = format!("{}/forgot-password", cx.public_url);
    let text = format!(
        "Hello {name},\n\n{what} for your user in {company_name} at {at}.\n\nIf this was you, there is nothing to do. If it was not, reset your password now and tell your firm's owner:\n{reset}\n"
    );
    let body = format!(
        "<p>Hello {},</p><p>{} for your user in <strong>{}</strong> at {}.</p><p>If this was you, there is nothing to do. If it was not, reset your password now and tell your firm's owner.</p>{}",
        esc(name),
        esc(what),
        esc(company_name),
        esc(at),
        button(&reset, "Reset your password"),
    );
    Rendered::new(subject, text, &body)
}

fn connect_failed(mail: &Mail) -> Rendered {
    let Mail::ConnectFailed {
        v1_name,
        v1_company_id,
        requested_company_id,
        owner_email,
        reason,
        ..
    } = mail
    else {
        unreachable!("called for ConnectFailed only")
    };
    let subject = format!(
        "Partner Connect failed for {} ({v1_company_id})",
        subject_name(v1_name)
    );
    let text = format!(
        "The V1 partner {v1_name} ({v1_company_id}) asked to connect to the V2 partner dashboard {requested_company_id}, owner {owner_email}.\n\nIt failed: {reason}.\n\nThe partner was told to check the Company ID and owner email and try again.\n"
    );
    let body = format!(
        "<p>The V1 partner <strong>{}</strong> ({}) asked to connect to the V2 partner dashboard {}, owner {}.</p><p>It failed: {}.</p><p>The partner was told to check the Company ID and owner email and try again.</p>",
        esc(v1_name),
        esc(v1_company_id),
        esc(requested_company_id),
        esc(owner_email),
        esc(reason),
    );
    Rendered::new(subject, text, &body)
}

fn trial_expired_digest(
    cx: &TemplateContext<'_>,
    partner_name: &str,
    clients: &[ExpiredClient],
) -> Rendered {
    let subject = if clients.len() == 1 {
        "1 client's free trial has ended".to_owned()
    } else {
        format!("{} clients' free trials have ended", clients.len())
    };
    digest(
        cx,
        partner_name,
        clients,
        subject,
        "These clients' free trials ended without a subscription:",
        "They appear as Trial Expired in your client list:",
        "TRIAL_EXPIRED",
    )
}

fn invites_expired_digest(
    cx: &TemplateContext<'_>,
    partner_name: &str,
    clients: &[ExpiredClient],
) -> Rendered {
    let subject = if clients.len() == 1 {
        "1 invite expired before it was accepted".to_owned()
    } else {
        format!(
            "{} invites expired before they were accepted",
            clients.len()
        )
    };
    digest(
        cx,
        partner_name,
        clients,
        subject,
        "These invites expired before the client accepted them:",
        "Send a new one with Resend invite in your client list:",
        "INVITED",
    )
}

fn partner_access_changed(cx: &TemplateContext<'_>, mail: &Mail) -> Rendered {
    let Mail::PartnerAccessChanged {
        partner_name,
        client_name,
        changed_by,
        what,
        can_undo,
        later,
        ..
    } = mail
    else {
        unreachable!("called for PartnerAccessChanged only")
    };
    // The client names itself: its name stays out of the subject.
    let subject = "A client changed your access to its account".to_owned();
    let undo = if can_undo.is_empty() {
        "Only the client's account owner can undo it.".to_owned()
    } else {
        format!("It can be undone by: {}.", can_undo.join(", "))
    };
    let changes = change_lines(changed_by, what, later);
    let lines: String = changes.iter().map(|c| format!("- {c}\n")).collect();
    let text = format!(
        "Hello {partner_name},\n\n{client_name} changed your access to its account, so Log in to this client may no longer work from your Partner Dashboard:\n\n{lines}\n{undo}\n\nYour client list shows each client's access:\n{}/clients\n",
        cx.public_url
    );
    let items: String = changes
        .iter()
        .map(|c| format!("<li>{}</li>", esc(c)))
        .collect();
    let body = format!(
        "<p>Hello {},</p><p><strong>{}</strong> changed your access to its account, so Log in to this client may no longer work from your Partner Dashboard:</p><ul>{}</ul><p>{}</p>{}",
        esc(partner_name),
        esc(client_name),
        items,
        esc(&undo),
        button(
            &format!("{}/clients", cx.public_url),
            "Open your client list"
        ),
    );
    Rendered::new(subject, text, &body)
}

/// One line per change a client made, at most [`MAX_FOLDED_CHANGES`], the rest counted.
fn change_lines(changed_by: &str, what: &str, later: &[AccessChange]) -> Vec<String> {
    let mut changes: Vec<String> = std::iter::once(format!("{changed_by} {what}"))
        .chain(later.iter().map(|c| format!("{} {}", c.by, c.what)))
        .collect();
    if changes.len() > MAX_FOLDED_CHANGES {
        let more = changes.len() - MAX_FOLDED_CHANGES;
        changes.truncate(MAX_FOLDED_CHANGES);
        changes.push(format!("and {more} more changes"));
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> TemplateContext<'static> {
        TemplateContext {
            public_url: "https://app.example",
            trial: "14 days",
            invite_valid: "30 days",
            reset_valid: "1 hour",
        }
    }

    #[test]
    fn a_folded_access_email_lists_twenty_changes_and_counts_the_rest() {
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
        let r = render(&first, &cx());
        assert!(r.text.contains("made r@firm.example inactive"));
        assert!(r.text.contains("change 18"));
        assert!(!r.text.contains("change 19"), "at most 20 listed");
        assert!(r.text.contains("and 11 more changes"));
    }

    #[test]
    fn link_emails_say_how_long_their_links_work() {
        let invite = Mail::Invite {
            to: "c@d.example".into(),
            partner_name: "Ledger".into(),
            company_name: None,
            link: "https://app.example/invite/x".into(),
            client_id: None,
        };
        let cx = TemplateContext {
            invite_valid: "2 weeks",
            ..cx()
        };
        assert!(render(&invite, &cx).text.contains("expires in 2 weeks"));
    }

    #[test]
    fn welcome_escapes_user_text_in_html() {
        let e = Mail::Welcome {
            to: "a@b.example".into(),
            name: "<script>x</script>".into(),
            company_name: "A & B".into(),
            company_id: "ABC1234".into(),
            is_partner: true,
        };
        let r = render(&e, &cx());
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.text.contains("ABC1234"));
        assert!(r.text.contains("https://app.example/login"));
    }

    #[test]
    fn the_trial_emails_say_the_configured_trial_length() {
        let cx = TemplateContext {
            trial: "30 days",
            ..cx()
        };
        let welcome = Mail::Welcome {
            to: "a@b.example".into(),
            name: "Ann".into(),
            company_name: "Ann's".into(),
            company_id: "ABC1234".into(),
            is_partner: false,
        };
        assert_eq!(
            render(&welcome, &cx).subject,
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
            render(&invite, &cx).subject,
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
        let r = render(&changed, &cx());
        assert!(!r.subject.contains("BUY NOW"), "{}", r.subject);
        assert!(r.text.contains("BUY NOW"), "the body names the client");
    }
}
