//! Secrets at rest (SPEC §12): a TOTP secret is stored encrypted with AES-256-GCM under a
//! key from configuration (`TOTP_ENCRYPTION_KEY`, 32 bytes in base64), so a copy of the
//! database alone yields no codes. With no key configured the gateway keeps one in its
//! `DATA_DIR` (`totp.key`, made on first start): right for the embedded default, wrong
//! for several gateways (each would have its own), which is why `README.md` asks ops to
//! set the same key on every gateway.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::path::Path;

/// Nonce bytes of AES-GCM.
const NONCE: usize = 12;

/// Seals and opens secrets with one key.
#[derive(Clone)]
pub struct SecretBox(Aes256Gcm);

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box with `key`.
    pub fn new(key: &[u8; 32]) -> SecretBox {
        SecretBox(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)))
    }

    /// The box of the configured key (base64 of 32 bytes), else of `data_dir/totp.key`
    /// (made, readable by this user only, when missing).
    pub fn configured(key: Option<&str>, data_dir: &Path) -> anyhow::Result<SecretBox> {
        let bytes = match key {
            Some(b64) => B64
                .decode(b64.trim())
                .map_err(|e| anyhow::anyhow!("TOTP_ENCRYPTION_KEY is not base64: {e}"))?,
            None => key_file(&data_dir.join("totp.key"))?,
        };
        let key: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            anyhow::anyhow!(
                "TOTP_ENCRYPTION_KEY must be 32 bytes (base64 of them); it is {}",
                b.len()
            )
        })?;
        Ok(SecretBox::new(&key))
    }

    /// `plain`, encrypted under a fresh nonce: base64 of nonce and ciphertext.
    pub fn seal(&self, plain: &[u8]) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(&nonce, plain)
            .expect("AES-GCM encrypts any message this size");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        B64.encode(out)
    }

    /// What [`seal`](Self::seal) sealed; `None` when it was sealed with another key or
    /// changed.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let raw = B64.decode(sealed).ok()?;
        if raw.len() <= NONCE {
            return None;
        }
        let (nonce, ct) = raw.split_at(NONCE);
        self.0.decrypt(Nonce::from_slice(nonce), ct).ok()
    }
}

/// The key in `path`, made (32 random bytes, mode 0600) when the file is missing.
fn key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(b64) = std::fs::read_to_string(path) {
        return B64
            .decode(b64.trim())
            .map_err(|e| anyhow::anyhow!("{} is not base64: {e}", path.display()));
    }
    let key = Aes256Gcm::generate_key(&mut OsRng).to_vec();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write;
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(B64.encode(&key).as_bytes())?;
            Ok(key)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => key_file(path),
        Err(e) => Err(anyhow::anyhow!("cannot write {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_only_and_never_reads_plain() {
        let a = SecretBox::new(&[7; 32]);
        let b = SecretBox::new(&[8; 32]);
        let sealed = a.seal(b"12345678901234567890");
        assert_eq!(a.open(&sealed).unwrap(), b"12345678901234567890");
        assert!(b.open(&sealed).is_none());
        assert!(
            !sealed.contains("MTIzNDU2Nzg5"),
            "the plain text shows: {sealed}"
        );
        // Two seals of one secret differ (fresh nonces).
        assert_ne!(sealed, a.seal(b"12345678901234567890"));
        assert!(a.open("not base64!").is_none());
    }

    #[test]
    fn the_key_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let one = SecretBox::configured(None, dir.path()).unwrap();
        let sealed = one.seal(b"secret");
        let again = SecretBox::configured(None, dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), b"secret");
        assert!(SecretBox::configured(Some("c2hvcnQ="), dir.path()).is_err());
    }
}
