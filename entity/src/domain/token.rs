use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

/// A secret bearer value handed to a person once (session token, invite token, reset
/// token): 256 random bits, URL-safe base64. Only its [`TokenHash`] is ever stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        SecretToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts a token presented by a caller. Anything that cannot be a token we issued
    /// is refused without touching the database.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let ok = raw.len() == 43
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| SecretToken(raw.to_owned()))
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(**redacted**)")
    }
}

/// SHA-256 of a [`SecretToken`], hex-encoded: what the database stores and looks up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_carry_256_bits_and_round_trip() {
        let t = SecretToken::generate();
        assert_eq!(t.expose().len(), 43);
        let parsed = SecretToken::parse(t.expose()).unwrap();
        assert_eq!(parsed.hash(), t.hash());
        assert_ne!(SecretToken::generate().hash(), t.hash());
    }

    #[test]
    fn hash_is_sha256_hex() {
        let t = SecretToken::generate();
        assert_eq!(t.hash().as_str().len(), 64);
        assert!(t.hash().as_str().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn rejects_values_that_cannot_be_ours() {
        for bad in [
            "",
            "short",
            &"a".repeat(44),
            &format!("{}=", "a".repeat(42)),
            &format!("{}\0", "a".repeat(42)),
        ] {
            assert!(SecretToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn debug_redacts() {
        let t = SecretToken::generate();
        assert!(!format!("{t:?}").contains(t.expose()));
    }
}
