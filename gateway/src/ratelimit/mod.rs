//! Rate limits (SPEC §8): every [`Bucket`] the gateway counts, with the rule
//! (`SecurityConfig`) it follows and what a caller past it is told (`rule`: the `N/period`
//! rules; `limiter`: the token buckets, in Redis or this process).

mod limiter;
mod rule;

pub use limiter::{Limiter, MAX_KEY_BYTES};
pub use rule::{Rule, parse_rule};

use crate::config::SecurityConfig;
use crate::error::{ApiError, ApiResult};

/// What is counted, per what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Every request, per client address (`RATE_LIMIT_IP`).
    Ip,
    /// `signUp`, per client address.
    SignupIp,
    /// Failed log-ins per client address, across emails.
    LoginFailIp,
    /// Failed log-ins per email and client address.
    LoginFail,
    /// `requestPasswordReset`, per client address.
    ResetIp,
    /// `requestPasswordReset`, per email.
    ResetEmail,
    /// The calls that use an emailed link, per client address.
    LinkIp,
    /// Invites sent, per partner account.
    Invites,
    /// Rows `inviteClients` checks, per partner account.
    BulkRows,
    /// `createClientAccount`, per partner account.
    ClientAccounts,
    /// `addUser`, per account.
    UsersAdded,
    /// `setUserRole` and `setUserActive`, per account.
    UserChanges,
}

impl Bucket {
    /// The bucket's name in its keys.
    fn name(self) -> &'static str {
        match self {
            Bucket::Ip => "ip",
            Bucket::SignupIp => "signup-ip",
            Bucket::LoginFailIp => "login-fail-ip",
            Bucket::LoginFail => "login-fail",
            Bucket::ResetIp => "reset-ip",
            Bucket::ResetEmail => "reset-email",
            Bucket::LinkIp => "link-ip",
            Bucket::Invites => "invites",
            Bucket::BulkRows => "bulk-rows",
            Bucket::ClientAccounts => "client-accounts",
            Bucket::UsersAdded => "users-added",
            Bucket::UserChanges => "user-changes",
        }
    }

    /// The rule the bucket follows, from configuration.
    pub fn rule(self, sec: &SecurityConfig) -> Rule {
        match self {
            Bucket::Ip => sec.rate_limit_ip,
            Bucket::SignupIp => sec.rate_limit_signup_ip,
            Bucket::LoginFailIp => sec.rate_limit_login_ip,
            Bucket::LoginFail => sec.rate_limit_login_email,
            Bucket::ResetIp => sec.rate_limit_reset_ip,
            Bucket::ResetEmail => sec.rate_limit_reset_email,
            Bucket::LinkIp => sec.rate_limit_link_ip,
            Bucket::Invites => sec.rate_limit_invites,
            Bucket::BulkRows => sec.rate_limit_bulk_rows,
            Bucket::ClientAccounts => sec.rate_limit_client_accounts,
            Bucket::UsersAdded => sec.rate_limit_users_added,
            Bucket::UserChanges => sec.rate_limit_user_changes,
        }
    }

    /// What a caller past the bucket is told, before when to retry.
    fn refusal(self) -> &'static str {
        match self {
            Bucket::Ip => "too many requests from your address",
            Bucket::LoginFailIp | Bucket::LoginFail => "too many failed attempts",
            Bucket::BulkRows => {
                "your firm checked more bulk-invite rows than RATE_LIMIT_BULK_ROWS allows"
            }
            _ => "too many attempts",
        }
    }

    fn key(self, key: &str) -> String {
        format!("{}:{key}", self.name())
    }
}

/// The one way a refusal for too many attempts is built: `RATE_LIMITED`, what happened and
/// when to retry, in words and as `retryAfterSeconds`.
pub fn refused(what: &str, retry_after_seconds: u64) -> ApiError {
    ApiError::RateLimited {
        message: format!("{what}; try again in {retry_after_seconds} s"),
        retry_after_seconds,
    }
}

impl Limiter {
    /// Takes `n` tokens of `bucket` for `key` (all or none), or `RATE_LIMITED`.
    pub async fn take(
        &self,
        sec: &SecurityConfig,
        bucket: Bucket,
        key: &str,
        n: u32,
    ) -> ApiResult<()> {
        self.take_saying(sec, bucket, key, n, bucket.refusal())
            .await
    }

    /// [`Limiter::take`], telling a caller past the limit `what` happened.
    pub async fn take_saying(
        &self,
        sec: &SecurityConfig,
        bucket: Bucket,
        key: &str,
        n: u32,
        what: &str,
    ) -> ApiResult<()> {
        self.check_n(&bucket.key(key), bucket.rule(sec), n)
            .await
            .map_err(|secs| refused(what, secs))
    }

    /// Gives back a token [`Limiter::take`] took (an attempt that did not fail).
    pub async fn give_back(&self, sec: &SecurityConfig, bucket: Bucket, key: &str) {
        self.refund(&bucket.key(key), bucket.rule(sec)).await;
    }
}
