//! Whether a partner user can act in a client account through its own user there
//! (SPEC §3, §5, §13): the one rule that the client list's `availableActions`,
//! `logInToClient` and `resetClientPassword` all follow. The seat (the person's user row
//! there) and the access grant behind it (what the client allowed, until when) decide.

use super::{GrantStatus, Role};
use chrono::{DateTime, Utc};

/// The access grant behind a seat, as far as access goes (SPEC §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantState {
    pub status: GrantStatus,
    /// `None`: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

impl GrantState {
    /// The status at `now`: an ACTIVE grant past its end has EXPIRED, whether or not
    /// the worker's sweep has written it yet.
    pub fn status_at(self, now: DateTime<Utc>) -> GrantStatus {
        match self.status {
            GrantStatus::Active if self.expires_at.is_some_and(|e| e <= now) => {
                GrantStatus::Expired
            }
            s => s,
        }
    }
}

/// The person's seat in a client account and the grant behind it, either missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeatAccess {
    pub seat: Option<PartnerSeat>,
    pub grant: Option<GrantState>,
}

impl SeatAccess {
    /// What the person can do there at `now`.
    pub fn access(self, now: DateTime<Utc>) -> PartnerAccess {
        match self.grant.map(|g| g.status_at(now)) {
            Some(GrantStatus::Pending) => PartnerAccess::Pending,
            Some(GrantStatus::Expired) => PartnerAccess::Expired,
            Some(GrantStatus::Revoked) => PartnerAccess::Revoked,
            Some(GrantStatus::Declined) => PartnerAccess::Missing,
            // A seat made before grants existed counts as it always did.
            Some(GrantStatus::Active) | None => PartnerAccess::of(self.seat),
        }
    }
}

/// The partner user's own user row in a client account (same email), as far as access
/// goes: its role and whether the client keeps it active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerSeat {
    pub role: Role,
    pub active: bool,
}

/// What the partner user can do in the client account now, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerAccess {
    /// Log in and reset its password.
    Ok,
    /// No user of the partner's in that account (or no account yet).
    Missing,
    /// The client made the partner's user inactive.
    Inactive,
    /// The client demoted the partner's user below ADMIN: it can reset its password but
    /// not log in from the partner dashboard.
    NotAdmin(Role),
    /// The person asked for access; the client has not answered.
    Pending,
    /// The grant reached its end.
    Expired,
    /// The client revoked the grant.
    Revoked,
}

impl PartnerAccess {
    pub fn of(seat: Option<PartnerSeat>) -> Self {
        match seat {
            None => PartnerAccess::Missing,
            Some(PartnerSeat { active: false, .. }) => PartnerAccess::Inactive,
            Some(PartnerSeat { role, .. }) if !role.is_admin() => PartnerAccess::NotAdmin(role),
            Some(_) => PartnerAccess::Ok,
        }
    }

    /// "Log in" (`logInToClient`) is available.
    pub fn can_log_in(self) -> bool {
        self == PartnerAccess::Ok
    }

    /// "Reset password" (`resetClientPassword`) is available: the user exists and is active.
    pub fn can_reset_password(self) -> bool {
        matches!(self, PartnerAccess::Ok | PartnerAccess::NotAdmin(_))
    }

    /// "Request access" (`requestClientAccess`) is available: no seat the client allows.
    pub fn can_request(self) -> bool {
        matches!(
            self,
            PartnerAccess::Missing | PartnerAccess::Expired | PartnerAccess::Revoked
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_follows_the_partner_users_row() {
        let seat = |role, active| Some(PartnerSeat { role, active });
        assert_eq!(PartnerAccess::of(None), PartnerAccess::Missing);
        assert_eq!(
            PartnerAccess::of(seat(Role::Admin, false)),
            PartnerAccess::Inactive
        );
        assert_eq!(
            PartnerAccess::of(seat(Role::Manager, true)),
            PartnerAccess::NotAdmin(Role::Manager)
        );
        assert_eq!(
            PartnerAccess::of(seat(Role::Admin, true)),
            PartnerAccess::Ok
        );
        assert_eq!(
            PartnerAccess::of(seat(Role::Owner, true)),
            PartnerAccess::Ok
        );
        assert!(!PartnerAccess::of(seat(Role::Employee, true)).can_log_in());
        assert!(PartnerAccess::of(seat(Role::Employee, true)).can_reset_password());
        assert!(!PartnerAccess::of(seat(Role::Admin, false)).can_reset_password());
    }

    #[test]
    fn the_grant_decides_before_the_seat() {
        let now = Utc::now();
        let admin = Some(PartnerSeat {
            role: Role::Admin,
            active: true,
        });
        let with = |status, expires_at| SeatAccess {
            seat: admin,
            grant: Some(GrantState { status, expires_at }),
        };
        assert_eq!(
            with(GrantStatus::Active, None).access(now),
            PartnerAccess::Ok
        );
        let later = now + chrono::Duration::days(1);
        assert_eq!(
            with(GrantStatus::Active, Some(later)).access(now),
            PartnerAccess::Ok
        );
        // Exactly at its end it no longer works.
        assert_eq!(
            with(GrantStatus::Active, Some(now)).access(now),
            PartnerAccess::Expired
        );
        assert_eq!(
            with(GrantStatus::Revoked, None).access(now),
            PartnerAccess::Revoked
        );
        assert_eq!(
            with(GrantStatus::Pending, None).access(now),
            PartnerAccess::Pending
        );
        assert_eq!(
            with(GrantStatus::Declined, None).access(now),
            PartnerAccess::Missing
        );
        assert!(PartnerAccess::Revoked.can_request());
        assert!(!PartnerAccess::Pending.can_request());
        assert!(!PartnerAccess::Revoked.can_reset_password());
        // No grant: the seat alone, as before grants.
        assert_eq!(
            SeatAccess {
                seat: admin,
                grant: None
            }
            .access(now),
            PartnerAccess::Ok
        );
    }
}
