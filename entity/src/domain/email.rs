use super::ParseError;
use std::fmt;

/// An email address, trimmed, checked for a plausible shape and stored in lower case so
/// that comparisons are case-insensitive (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let bad = || ParseError(format!("'{}' is not a valid email address", truncate(s)));
        if s.is_empty() || s.len() > 254 {
            return Err(bad());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !local_ok || !domain_ok || local.starts_with('.') || local.ends_with('.') {
            return Err(bad());
        }
        Ok(Email(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_them() {
        assert_eq!(
            Email::parse(" Rosa@Ledger.Example ").unwrap().as_str(),
            "rosa@ledger.example"
        );
        assert_eq!(
            Email::parse("a.b+tag@sub.example.co").unwrap().as_str(),
            "a.b+tag@sub.example.co"
        );
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@.com",
            "a@com.",
            "a b@example.com",
            "a@exa mple.com",
            "a@@example.com",
            ".a@example.com",
            "a.@example.com",
            "a@example..com",
            "a\0@example.com",
            "<script>@x.com",
            "a'; drop table users;--",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let long = format!("{}@example.com", "a".repeat(300));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn the_error_message_names_the_bad_value() {
        let e = Email::parse("nope").unwrap_err();
        assert!(e.0.contains("'nope'"), "{e}");
    }
}
