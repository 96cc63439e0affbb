//! Whether a partner user can act in a client account through its own user there
//! (SPEC §3, §5): the one rule that the client list's `availableActions`, `logInToClient`
//! and `resetClientPassword` all follow.

use super::Role;

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
}
