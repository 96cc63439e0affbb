//! Passwords (SPEC §5, §12): asking for a reset link, setting a password through an
//! emailed one, and a signed-in person changing their own.

use super::context::{
    FailureBudget, client_ip, limit, meta, require_user, spend_password_hash, state,
};
use super::input::password;
use crate::error::ApiError;
use crate::ratelimit::Bucket;
use crate::services::passwords;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct PasswordLinkMutation;

/// Setting a password through an emailed link.
#[Object]
impl PasswordLinkMutation {
    /// Sets a new password through a single-use set/reset link; ends the user's sessions.
    ///
    /// Errors: BAD_USER_INPUT (`newPassword`, or a link that is unknown, used or expired),
    /// RATE_LIMITED (`RATE_LIMIT_LINK_IP` per address, or too many password hashes in one
    /// request).
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the token from the link (`/reset-password/{token}`)")] token: String,
        #[graphql(desc = "at least 10 characters, at most 128")] new_password: String,
    ) -> Result<bool> {
        limit(ctx, Bucket::LinkIp, &client_ip(ctx)).await?;
        let pw = password("newPassword", &new_password)?;
        spend_password_hash(ctx)?;
        passwords::set_with_link(state(ctx), &meta(ctx), &token, pw).await?;
        Ok(true)
    }
}

#[derive(Default)]
pub struct PasswordResetMutation;

/// Asking for a reset link.
#[Object]
impl PasswordResetMutation {
    /// Emails a reset link when such a user exists. Always answers true, so the answer
    /// never tells whether the email is known.
    ///
    /// Errors: RATE_LIMITED (per address and per email), BAD_USER_INPUT (a malformed
    /// `companyId`).
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the user's email")] email: String,
        #[graphql(desc = "the account, when the email has several")] company_id: Option<String>,
    ) -> Result<bool> {
        limit(ctx, Bucket::ResetIp, &client_ip(ctx)).await?;
        let key = email.trim().to_lowercase();
        limit(ctx, Bucket::ResetEmail, &key).await?;
        passwords::request_reset(state(ctx), &meta(ctx), &email, company_id.as_deref()).await?;
        Ok(true)
    }
}

#[derive(Default)]
pub struct PasswordChangeMutation;

/// A signed-in person's own password (SPEC §12).
#[Object]
impl PasswordChangeMutation {
    /// Changes the caller's password: the one password of their identity (in a client
    /// account where they have a seat, the one of their firm user). Every other session
    /// of theirs ends, in their firm's client accounts too; this one stays. They are
    /// emailed, and it is in the audit log.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), BAD_USER_INPUT
    /// (`currentPassword` is not right, or `newPassword` is not 10 to 128 characters),
    /// FORBIDDEN (a session opened with `logInToClient`: change it in the partner
    /// dashboard), RATE_LIMITED (wrong current passwords count as failed log-ins).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the password the caller signs in with now")] current_password: String,
        #[graphql(desc = "at least 10 characters, at most 128")] new_password: String,
    ) -> Result<bool> {
        let v = require_user(ctx)?;
        let pw = password("newPassword", &new_password)?;
        let budget = FailureBudget::take(ctx, &v.user.email).await?;
        if let Err(e) = spend_password_hash(ctx) {
            budget.give_back(ctx).await;
            return Err(e.into());
        }
        match passwords::change(state(ctx), v, &meta(ctx), &current_password, pw).await {
            // A wrong current password keeps its tokens: the failure is counted.
            Ok(false) => Err(ApiError::bad_input(
                "currentPassword",
                "the current password is not right",
            )
            .into()),
            other => {
                budget.give_back(ctx).await;
                other?;
                Ok(true)
            }
        }
    }
}
