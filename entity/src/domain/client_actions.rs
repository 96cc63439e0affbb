//! Which actions a row of a partner's client list offers now (SPEC §5, §11): the one rule
//! the list, the live list and every mutation that answers a row follow
//! (`client::ListRow::actions`).

use super::{ClientStatus, InviteState, PartnerAccess, Platform};

/// What a partner user can do with one of its clients right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAction {
    /// `resendInvite`: the client is INVITED.
    ResendInvite,
    /// `logInToClient`: the partner user's own user in the client's account is active
    /// and OWNER or ADMIN.
    LogIn,
    /// `resetClientPassword`: that user is active.
    ResetPassword,
    /// `revokeInvite`: the client's invite link works.
    RevokeInvite,
    /// `removeClient`: the client is INVITED (never accepted): the row can go.
    Remove,
    /// `requestClientAccess`: the client has an account and the person no access there
    /// that works (none, or it ended): they can ask the client (SPEC §13).
    RequestAccess,
}

impl ClientAction {
    /// The actions of a row in `status` whose invite stands at `invite`, for a partner
    /// user with `access`, of a partner on `platform`. A V1 partner's clients move to V2
    /// by Partner Connect's upgrade, never by an invite: they offer no resend or revoke.
    pub fn available(
        status: ClientStatus,
        invite: Option<InviteState>,
        access: PartnerAccess,
        platform: Platform,
    ) -> Vec<ClientAction> {
        let mut actions = Vec::with_capacity(4);
        let invites = platform == Platform::V2;
        if invites && status == ClientStatus::Invited {
            actions.push(ClientAction::ResendInvite);
        }
        if invites && invite == Some(InviteState::Sent) {
            actions.push(ClientAction::RevokeInvite);
        }
        if access.can_log_in() {
            actions.push(ClientAction::LogIn);
        }
        if access.can_reset_password() {
            actions.push(ClientAction::ResetPassword);
        }
        if invites && status == ClientStatus::Invited {
            actions.push(ClientAction::Remove);
        }
        if status != ClientStatus::Invited && access.can_request() {
            actions.push(ClientAction::RequestAccess);
        }
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invited_row_offers_resend_revoke_and_remove_to_v2_partners_only() {
        let v2 = ClientAction::available(
            ClientStatus::Invited,
            Some(InviteState::Sent),
            PartnerAccess::Missing,
            Platform::V2,
        );
        assert_eq!(
            v2,
            [
                ClientAction::ResendInvite,
                ClientAction::RevokeInvite,
                ClientAction::Remove
            ]
        );
        let v1 = ClientAction::available(
            ClientStatus::Invited,
            Some(InviteState::Sent),
            PartnerAccess::Missing,
            Platform::V1,
        );
        assert!(v1.is_empty());
        let expired = ClientAction::available(
            ClientStatus::Invited,
            Some(InviteState::Expired),
            PartnerAccess::Missing,
            Platform::V2,
        );
        assert_eq!(expired, [ClientAction::ResendInvite, ClientAction::Remove]);
        let trial =
            ClientAction::available(ClientStatus::Trial, None, PartnerAccess::Ok, Platform::V1);
        assert_eq!(trial, [ClientAction::LogIn, ClientAction::ResetPassword]);
    }
}
