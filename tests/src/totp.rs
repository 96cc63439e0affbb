//! Authenticator-app codes as the tests compute them (RFC 6238, as an app does), from the
//! base32 secret `beginTotpEnrolment` shows.

/// The steps of each TOTP secret a test used, so that two codes in one 30-second step
/// take the next step (one step of drift is accepted), as a person waiting for the next
/// code would: a code works once.
static USED_STEPS: std::sync::Mutex<Vec<(String, u64)>> = std::sync::Mutex::new(Vec::new());

/// A code from the authenticator app holding `secret` (base32, from
/// `beginTotpEnrolment`), computed as the app does (RFC 6238), never one given before.
pub fn totp_code(secret: &str) -> String {
    let now = chrono::Utc::now().timestamp() as u64 / gateway::auth::totp::STEP;
    let mut used = USED_STEPS.lock().unwrap_or_else(|e| e.into_inner());
    let last = used
        .iter()
        .filter(|(s, _)| s == secret)
        .map(|(_, step)| *step)
        .max();
    let step = last.map_or(now, |l| now.max(l + 1));
    assert!(
        step <= now + 1,
        "a third TOTP code in one 30-second step: use a recovery code"
    );
    used.push((secret.to_owned(), step));
    gateway::auth::totp::code_for_base32(secret, step).expect("a base32 secret")
}
