//! Where an emailed link stands (issue 24): `link(token, kind)` shows it before anyone
//! fills in the link's form, and the calls that use a link refuse a dead one saying the
//! same.

use chrono::{DateTime, Utc};

/// `ended_by` of an invite link whose invite the partner revoked.
pub const REVOKED: &str = "REVOKED";
/// `ended_by` of an invite link a newer invite replaced.
pub const REPLACED: &str = "REPLACED";
/// `ended_by` of an invite link whose client the partner gave an account with the
/// sign-up form instead.
pub const ACCOUNT_OPENED: &str = "ACCOUNT_OPENED";

/// Whether an emailed link works, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// It works.
    Live,
    /// Its time passed unused.
    Expired,
    /// The partner revoked the invite.
    Revoked,
    /// It was used, or what it was for is done (the account exists).
    Used,
    /// A newer link replaced it.
    Replaced,
}

impl LinkState {
    /// The state of a link used at `used_at`, working until `expires_at`, ended early
    /// for `ended_by` (one of the constants above, or none).
    pub fn of(
        used_at: Option<DateTime<Utc>>,
        expires_at: DateTime<Utc>,
        ended_by: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        if used_at.is_some() {
            return LinkState::Used;
        }
        if expires_at > now {
            return LinkState::Live;
        }
        match ended_by {
            Some(REVOKED) => LinkState::Revoked,
            Some(REPLACED) => LinkState::Replaced,
            Some(ACCOUNT_OPENED) => LinkState::Used,
            _ => LinkState::Expired,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_used_live_or_ended_for_its_reason() {
        let now = Utc::now();
        let later = now + chrono::Duration::days(1);
        let earlier = now - chrono::Duration::seconds(1);
        assert_eq!(LinkState::of(Some(now), later, None, now), LinkState::Used);
        assert_eq!(LinkState::of(None, later, None, now), LinkState::Live);
        assert_eq!(LinkState::of(None, earlier, None, now), LinkState::Expired);
        assert_eq!(
            LinkState::of(None, earlier, Some(REVOKED), now),
            LinkState::Revoked
        );
        assert_eq!(
            LinkState::of(None, earlier, Some(REPLACED), now),
            LinkState::Replaced
        );
        assert_eq!(
            LinkState::of(None, earlier, Some(ACCOUNT_OPENED), now),
            LinkState::Used
        );
    }
}
