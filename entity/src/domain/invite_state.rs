//! Where an invited client's invite stands (issue 16): the list's `inviteState`, the
//! REVOKE_INVITE action and what someone opening a dead link is told all follow this.

use super::ClientStatus;
use chrono::{DateTime, Utc};

/// The current invite link of an INVITED client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState {
    /// The link works.
    Sent,
    /// The link's time has passed unused.
    Expired,
    /// The partner revoked the invite; the link stopped working at once.
    Revoked,
}

impl InviteState {
    /// None unless the client is INVITED with a link (an imported V1 row has none).
    pub fn of(
        status: ClientStatus,
        expires_at: Option<DateTime<Utc>>,
        revoked_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        if status != ClientStatus::Invited {
            return None;
        }
        let expires_at = expires_at?;
        Some(if revoked_at.is_some() {
            InviteState::Revoked
        } else if expires_at <= now {
            InviteState::Expired
        } else {
            InviteState::Sent
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_follows_the_link() {
        let now = Utc::now();
        let later = Some(now + chrono::Duration::days(1));
        let earlier = Some(now - chrono::Duration::seconds(1));
        let inv = ClientStatus::Invited;
        assert_eq!(
            InviteState::of(inv, later, None, now),
            Some(InviteState::Sent)
        );
        assert_eq!(
            InviteState::of(inv, earlier, None, now),
            Some(InviteState::Expired)
        );
        assert_eq!(
            InviteState::of(inv, later, Some(now), now),
            Some(InviteState::Revoked)
        );
        assert_eq!(InviteState::of(inv, None, None, now), None);
        assert_eq!(InviteState::of(ClientStatus::Trial, later, None, now), None);
    }
}
