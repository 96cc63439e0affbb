use super::ParseError;
use rand::Rng;
use std::fmt;

/// The public Company ID of an account: three upper-case letters and four digits, e.g.
/// `FZR4371` (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyId(String);

impl CompanyId {
    /// Parses a Company ID typed by a person: surrounding spaces are ignored and letters
    /// may be in either case.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = b.len() == 7
            && b[..3].iter().all(u8::is_ascii_uppercase)
            && b[3..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(CompanyId(s))
        } else {
            let shown: String = raw.chars().take(20).collect();
            Err(ParseError(format!(
                "'{shown}' is not a Company ID: expected three letters and four digits, like FZR4371"
            )))
        }
    }

    /// A fresh random Company ID. Uniqueness is the database's job (a unique index); the
    /// caller retries on collision.
    pub fn random() -> Self {
        let mut rng = rand::rng();
        let mut s = String::with_capacity(7);
        for _ in 0..3 {
            s.push(rng.random_range(b'A'..=b'Z') as char);
        }
        for _ in 0..4 {
            s.push(rng.random_range(b'0'..=b'9') as char);
        }
        CompanyId(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_ids_in_any_case() {
        assert_eq!(CompanyId::parse("FZR4371").unwrap().as_str(), "FZR4371");
        assert_eq!(CompanyId::parse(" fzr4371 ").unwrap().as_str(), "FZR4371");
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "", "FZR437", "FZR43711", "FZ14371", "FZR437A", "ÄZR4371", "F-R4371", "1234567",
        ] {
            assert!(CompanyId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn random_ids_are_well_formed_and_vary() {
        let ids: std::collections::HashSet<_> = (0..200).map(|_| CompanyId::random()).collect();
        assert!(ids.iter().all(|id| CompanyId::parse(id.as_str()).is_ok()));
        assert!(
            ids.len() > 190,
            "random ids repeat too often: {}",
            ids.len()
        );
    }
}
