//! Acting on a client from the list (SPEC §5): resend or revoke its invite, log in to it, reset the partner's password there.

use super::accounts::AuthPayload;
use super::client_list::Client;
use super::context::{limit, meta, parse_id, require_partner_admin, state};
use crate::auth::cookie::Which;
use crate::ratelimit::Bucket;
use crate::services::{client_actions, client_entry};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct ClientActionsMutation;

/// What a partner does with one row of its list.
#[Object]
impl ClientActionsMutation {
    /// Sends an INVITED client's invite again with a fresh link (the old one stops
    /// working). At most one per `RESEND_INTERVAL` (5 minutes) and `RESENDS_PER_DAY` (10) per
    /// client; past that `RATE_LIMITED` with `retryAfterSeconds`.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), NOT_FOUND (not one of your clients), BAD_USER_INPUT (the client is
    /// no longer INVITED, or is a V1 client to upgrade instead), RATE_LIMITED.
    async fn resend_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        limit(ctx, Bucket::Invites, &v.account.id.to_string()).await?;
        let c = client_actions::resend_invite(state(ctx), v, &meta(ctx), id).await?;
        Ok(Client::of(
            &c,
            entity::SeatAccess::default(),
            v.account.platform,
        ))
    }

    /// Revokes an INVITED client's invite: its link stops working at once and the row
    /// shows `inviteState` REVOKED until `resendInvite` sends a fresh one. Audited.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or
    /// ADMIN), NOT_FOUND (not one of your clients), BAD_USER_INPUT (no working link to
    /// revoke: already revoked, expired, or the client has an account), CONFLICT (the
    /// client accepted a moment ago).
    async fn revoke_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        let c = client_actions::revoke_invite(state(ctx), v, &meta(ctx), id).await?;
        Ok(Client::of(
            &c,
            entity::SeatAccess::default(),
            v.account.platform,
        ))
    }

    /// Removes a client that never accepted its invite (status INVITED, whatever its
    /// `inviteState`) from your list: its invite link stops working, the email can be
    /// invited again or given an account with `createClientAccount`, and the audit log
    /// keeps the row's history (`client.removed`). Open lists read themselves again.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or
    /// ADMIN), NOT_FOUND (not one of your clients), BAD_USER_INPUT (the client has an
    /// account, or is a V1 client), CONFLICT (the client accepted a moment ago).
    async fn remove_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<bool> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        client_actions::remove_client(state(ctx), v, &meta(ctx), id).await?;
        Ok(true)
    }

    /// Opens a session (1 hour, or until your access ends if sooner) for your own user in
    /// the client's account. The client reads who entered, when, from where and why in
    /// its access log, and sees a banner while the session lasts.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), NOT_FOUND (not one of your clients),
    /// PARTNER_USER_MISSING, PARTNER_USER_INACTIVE, PARTNER_USER_NOT_ADMIN (your user there is missing, inactive or
    /// not OWNER/ADMIN; the message says who can fix it), ACCESS_PENDING, ACCESS_EXPIRED,
    /// ACCESS_REVOKED (your access grant: not answered yet, ended, or revoked by the
    /// client), STEP_UP_REQUIRED, BAD_USER_INPUT (`reason` missing while your firm
    /// requires one, or over 500 characters).
    async fn log_in_to_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
        #[graphql(
            desc = "why the person enters; shown to the client; required when the firm says so"
        )]
        reason: Option<String>,
    ) -> Result<AuthPayload> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        let s = client_entry::log_in_to_client(state(ctx), v, &meta(ctx), id, reason.as_deref())
            .await?;
        Ok(AuthPayload::hand_out(ctx, s, Which::Client))
    }

    /// Emails you a single-use link (1 hour) to set your password: your user in the
    /// client's account has no password of its own (one identity per person, SPEC §12),
    /// so this is the one password you use there and in your partner account. Your
    /// sessions in that client account end now.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), NOT_FOUND (not one of your clients),
    /// PARTNER_USER_MISSING, PARTNER_USER_INACTIVE (your user there is
    /// missing or inactive), RATE_LIMITED (reset emails for that user).
    async fn reset_client_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<bool> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        client_entry::reset_client_password(state(ctx), v, &meta(ctx), id).await?;
        Ok(true)
    }
}
