//! Every kind of audit-log entry (SPEC §5), spelled once: the string each is stored as,
//! and that front ends label (the web app's labels are checked against [`AuditAction::ALL`]).

macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)+) => {
        /// What an audit-log entry records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)+
        }

        impl AuditAction {
            /// Every action, in the order they are listed here.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)+];

            /// How the action is stored and shown in `AuditEvent.action`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $text,)+
                }
            }
        }
    };
}

audit_actions! {
    /// A partner invited a client by email (one entry per client, in bulk too).
    ClientInvited = "client.invited",
    /// A bulk invite, as a whole.
    ClientBulkInvited = "client.bulk_invited",
    ClientInviteResent = "client.invite_resent",
    ClientInviteRevoked = "client.invite_revoked",
    /// A partner removed a client row that never accepted its invite (`removeClient`).
    ClientRemoved = "client.removed",
    ClientInviteAccepted = "client.invite_accepted",
    ClientSignedUpWithLink = "client.signed_up_with_link",
    /// The sign-up form created a client account.
    ClientCreated = "client.created",
    /// A partner person logged in to a client account.
    ClientLogIn = "client.log_in",
    ClientPasswordResetRequested = "client.password_reset_requested",
    ClientSubscribed = "client.subscribed",
    ClientUpgradeRequested = "client.upgrade_requested",
    ClientUpgraded = "client.upgraded",
    /// The client list was downloaded as CSV.
    ClientsExported = "clients.exported",
    PartnerInviteLinkRegenerated = "partner.invite_link_regenerated",
    PartnerConnectRequested = "partner.connect_requested",
    PartnerConnectSucceeded = "partner.connect_succeeded",
    PartnerConnectFailed = "partner.connect_failed",
    UserAdded = "user.added",
    UserRoleChanged = "user.role_changed",
    UserActivated = "user.activated",
    UserDeactivated = "user.deactivated",
    UserPasswordSet = "user.password_set",
    UserPasswordReset = "user.password_reset",
    UserPasswordResetRequested = "user.password_reset_requested",
    /// A signed-in person changed their password (`changePassword`).
    UserPasswordChanged = "user.password_changed",
    /// A person added a second factor (SPEC §12).
    UserSecondFactorAdded = "user.second_factor_added",
    UserSecondFactorRemoved = "user.second_factor_removed",
    /// A person made new recovery codes; the old ones stopped working.
    UserRecoveryCodesRegenerated = "user.recovery_codes_regenerated",
    /// A wrong code at the second step of a log-in, or at step-up.
    UserSecondFactorFailed = "user.second_factor_failed",
    /// The firm's owner removed a member's second factors (a lost phone).
    UserSecondFactorsReset = "user.second_factors_reset",
    /// The firm's owner changed the firm's policy (`setFirmPolicy`).
    PartnerPolicyChanged = "partner.policy_changed",
    /// A firm person asked a client for access (SPEC §13).
    AccessRequested = "access.requested",
    /// The client approved a request (its role and end in the detail).
    AccessApproved = "access.approved",
    AccessDeclined = "access.declined",
    /// The client ended a grant; the person's sessions there ended with it.
    AccessRevoked = "access.revoked",
    /// A grant reached its end, or a request went unanswered for 30 days.
    AccessExpired = "access.expired",
    /// Who in the firm handles a client changed.
    ClientAssigneesChanged = "client.assignees_changed",
    /// Which clients a member sees changed.
    UserClientScopeChanged = "user.client_scope_changed",
    SupportViewed = "support.viewed",
    SupportSearched = "support.searched",
    SupportRetriedDelivery = "support.retried_delivery",
    StaffAdded = "staff.added",
    StaffRemoved = "staff.removed",
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_spelled_once_as_area_dot_event() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            let s = a.as_str();
            assert!(seen.insert(s), "{s} twice");
            let (area, event) = s.split_once('.').expect("area.event");
            assert!(!area.is_empty() && !event.is_empty(), "{s}");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
                "{s}"
            );
        }
    }
}
