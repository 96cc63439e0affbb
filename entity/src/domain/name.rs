//! Names people type: a person's name and a company's name. Parsed once at the edge;
//! both end up in emails (subjects included) and in other people's client lists.

use std::fmt;

/// Why a typed name was refused. The edge names the field: `"{field} {reason}"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong,
    ControlCharacters,
}

impl NameError {
    /// The message for the person who typed it, naming the field as the API does.
    pub fn message(self, field: &str) -> String {
        match self {
            NameError::Empty => format!("{field} must not be empty"),
            NameError::TooLong => {
                format!("{field} is too long: use at most {MAX_NAME_CHARS} characters")
            }
            NameError::ControlCharacters => {
                format!("{field} must not contain control or text-direction characters")
            }
        }
    }
}

/// At most this many characters in a name.
pub const MAX_NAME_CHARS: usize = 200;

fn parse(raw: &str) -> Result<String, NameError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    if s.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    // Names go into email subjects and other people's lists: no control characters and
    // no bidirectional overrides or isolates (which can make text read backwards).
    let direction = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    if s.chars().any(|c| c.is_control() || direction(c)) {
        return Err(NameError::ControlCharacters);
    }
    Ok(s.to_owned())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Trimmed; 1–200 characters; no control characters.
            pub fn parse(raw: &str) -> Result<Self, NameError> {
                parse(raw).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

name_type!(
    /// A person's name: a user's, an invitee's, a client contact's.
    PersonName
);
name_type!(
    /// A company's name: a partner firm's or a client business's.
    CompanyName
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(PersonName::parse("  Rosa  ").unwrap().as_str(), "Rosa");
        assert_eq!(CompanyName::parse(" \t"), Err(NameError::Empty));
        assert_eq!(PersonName::parse(&"x".repeat(201)), Err(NameError::TooLong));
        assert!(PersonName::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            CompanyName::parse("Corner\u{7}Shop"),
            Err(NameError::ControlCharacters)
        );
        for sneaky in ["Shop\u{202E}gnp.exe", "A\u{2066}B", "x\u{200F}"] {
            assert_eq!(PersonName::parse(sneaky), Err(NameError::ControlCharacters));
        }
        assert_eq!(
            NameError::Empty.message("companyName"),
            "companyName must not be empty"
        );
    }
}
