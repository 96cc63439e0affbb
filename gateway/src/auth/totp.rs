//! TOTP second factors (RFC 6238, SPEC §12): 30-second steps, 6 digits, HMAC-SHA1 (what
//! every authenticator app reads), one step of drift either way, and a code accepted once:
//! [`matching_step`] answers the step a code belongs to, and the caller keeps the last
//! one accepted so the same code (or an older one) never works again. The codes come
//! from `totp-rs`; the QR code an app scans is rendered as SVG by `qrcode`.

use totp_rs::{Algorithm, TOTP};

/// Seconds per time step.
pub const STEP: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// The name an authenticator app shows above the code.
pub const ISSUER: &str = "Partner Dashboard";
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;

fn totp(secret: &[u8], account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// The code of time step `step`.
pub fn code_of_step(secret: &[u8], step: u64) -> String {
    totp(secret, "").generate(step * STEP)
}

/// The code of step `step` for a base32 secret (as `TotpEnrolment.secret` shows it), as
/// an authenticator app computes it; `None` for a secret that is not base32.
pub fn code_for_base32(secret: &str, step: u64) -> Option<String> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .ok()?;
    Some(code_of_step(&bytes, step))
}

/// The step of a code that matches at `unix_time` (one step of drift either way) and is
/// later than `last_step`; `None` for a wrong, malformed or already used code.
pub fn matching_step(
    secret: &[u8],
    code: &str,
    unix_time: u64,
    last_step: Option<i64>,
) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_time / STEP;
    let mut found = None;
    // Every candidate is computed and compared in full, whichever matches.
    for step in now.saturating_sub(1)..=now + 1 {
        let fresh = last_step.is_none_or(|last| step as i64 > last);
        if same(&code_of_step(secret, step), code) && fresh && found.is_none() {
            found = Some(step as i64);
        }
    }
    found
}

/// Compares two codes in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What a person needs to add the secret to an app: the secret in base32, the
/// `otpauth://` URI, and that URI as an SVG QR code.
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// The enrolment of `secret` for the account named `account` (the person's email).
pub fn enrolment(secret: &[u8], account: &str) -> Enrolment {
    let t = totp(secret, account);
    let uri = t.get_url();
    let qr_svg = match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        // A URI of an email of at most 254 characters always fits a QR code.
        Err(_) => String::new(),
    };
    Enrolment {
        secret: t.get_secret_base32(),
        uri,
        qr_svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret and its 8-digit codes; a 6-digit code is the
    /// same number's last six digits (the truncation is modulo 10^digits).
    const RFC_SECRET: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn codes_match_rfc_6238_appendix_b() {
        for (time, eight) in RFC_VECTORS {
            assert_eq!(
                code_of_step(RFC_SECRET, time / STEP),
                eight[2..],
                "T = {time}"
            );
        }
    }

    #[test]
    fn a_code_matches_one_step_either_way_and_only_once() {
        let t = 1_234_567_890;
        let step = (t / STEP) as i64;
        let code = &RFC_VECTORS[3].1[2..];
        assert_eq!(matching_step(RFC_SECRET, code, t, None), Some(step));
        // One step late or early still matches; two does not.
        assert_eq!(matching_step(RFC_SECRET, code, t + STEP, None), Some(step));
        assert_eq!(matching_step(RFC_SECRET, code, t - STEP, None), Some(step));
        assert_eq!(matching_step(RFC_SECRET, code, t + 2 * STEP, None), None);
        // Used once: the same step (or an older one) is refused.
        assert_eq!(matching_step(RFC_SECRET, code, t, Some(step)), None);
        assert_eq!(
            matching_step(RFC_SECRET, code, t, Some(step - 1)),
            Some(step)
        );
    }

    #[test]
    fn malformed_codes_never_match() {
        for code in ["", "12345", "1234567", "abcdef", "28708 ", "２８７０８２"] {
            assert_eq!(matching_step(RFC_SECRET, code, 59, None), None, "{code:?}");
        }
    }

    #[test]
    fn the_enrolment_names_the_issuer_and_account_and_draws_a_qr_code() {
        let e = enrolment(RFC_SECRET, "rosa@ledgerline.example");
        assert_eq!(e.secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(
            e.uri
                .starts_with("otpauth://totp/Partner%20Dashboard:rosa%40ledgerline.example?"),
            "{}",
            e.uri
        );
        assert!(
            e.uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{}",
            e.uri
        );
        assert!(
            e.qr_svg.starts_with("<?xml") && e.qr_svg.contains("<svg"),
            "{}",
            &e.qr_svg[..80]
        );
    }
}
