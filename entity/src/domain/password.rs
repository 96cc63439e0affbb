use super::ParseError;
use std::fmt;

pub const MIN_PASSWORD_LEN: usize = 10;
const MAX_PASSWORD_LEN: usize = 256;

/// A new password as chosen by a person: at least 10 characters. Its `Debug` never shows
/// the secret, so it cannot end up in a log by accident.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let n = raw.chars().count();
        if n < MIN_PASSWORD_LEN {
            return Err(ParseError(format!(
                "the password is too short: use at least {MIN_PASSWORD_LEN} characters"
            )));
        }
        if n > MAX_PASSWORD_LEN {
            return Err(ParseError(format!(
                "the password is too long: use at most {MAX_PASSWORD_LEN} characters"
            )));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(**redacted**)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_the_minimum_length_in_characters() {
        assert!(Password::parse("123456789").is_err());
        assert!(Password::parse("1234567890").is_ok());
        // ten characters, more than ten bytes
        assert!(Password::parse("ééééééééé").is_err());
        assert!(Password::parse("éééééééééé").is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
    }

    #[test]
    fn debug_does_not_reveal_the_secret() {
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
