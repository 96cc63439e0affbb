//! Domain services: one function per domain operation, one transaction each.

pub mod access;
pub mod access_answers;
pub mod access_log;
pub mod accounts;
pub mod audit;
pub mod billing;
pub mod bulk_invites;
pub mod client_actions;
pub mod client_entry;
pub mod client_list;
pub mod connect;
pub mod firm_policy;
pub mod invites;
pub mod links;
pub mod onboarding;
pub mod passkeys;
pub mod passwords;
pub mod recovery_codes;
pub mod scope;
pub mod seat_rule;
pub mod second_factors;
pub mod support;
pub mod two_step;
pub mod upgrade;
pub mod users;

use crate::auth::PasswordHasher;
use crate::config::Config;
use sea_orm::DatabaseConnection;
use sea_orm::sea_query::LikeExpr;
use worker::{JobQueue, Nudge};

/// What every service needs; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub hasher: PasswordHasher,
    pub config: std::sync::Arc<Config>,
    pub nudge: Nudge,
    pub queue: JobQueue,
    /// Rate-limit buckets (Redis-shared when the queue is Redis).
    pub limiter: std::sync::Arc<crate::ratelimit::Limiter>,
    /// SQL statements run on behalf of requests (not background work) since start.
    pub statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Seals TOTP secrets at rest (`TOTP_ENCRYPTION_KEY`).
    pub secrets: crate::auth::secret_box::SecretBox,
    /// The WebAuthn relying party passkeys are made for (`WEBAUTHN_RP_ID`).
    pub passkeys: std::sync::Arc<crate::auth::passkey::RelyingParty>,
    /// Signed-in firm sessions held for the client list (`SESSION_CACHE_TTL`).
    pub session_cache: std::sync::Arc<crate::auth::session_cache::SessionCache>,
    /// The client list's own PostgreSQL connections (`LIST_CONNECTIONS`; `crate::lease`).
    pub list_connections: Option<std::sync::Arc<crate::lease::ListConnections>>,
}

impl AppState {
    /// Commits one domain operation's transaction and sets in motion what it promised:
    /// the worker is woken (it finds any mail or task the transaction recorded), the
    /// live lists hear of the clients it changed, every gateway of the sessions it ended.
    /// Every service commits through here, so none forgets one of them.
    pub async fn commit(
        &self,
        txn: sea_orm::DatabaseTransaction,
        after: After,
    ) -> crate::error::ApiResult<()> {
        txn.commit().await?;
        self.nudge.wake();
        self.changed(&after.clients).await;
        self.sessions_changed(&after.sessions).await;
        Ok(())
    }

    /// Publishes committed changes to clients to the live client lists
    /// (`worker::events`; heard by `crate::live`). Call it after the commit.
    pub async fn changed(&self, events: &[worker::ClientEvent]) {
        self.queue.events().publish(events).await;
    }

    /// Publishes that these users' sessions ended or changed (log-out, deactivation, a
    /// role or password change), so every gateway closes or re-checks what it holds for
    /// them at once (`worker::events::SessionEvent`). Call it after the commit.
    pub async fn sessions_changed(&self, user_ids: &[i64]) {
        // This process first: its next request must not be served what just ended.
        self.session_cache.forget_users(user_ids);
        let events: Vec<worker::events::SessionEvent> = user_ids
            .iter()
            .map(|&user_id| worker::events::SessionEvent { user_id })
            .collect();
        self.queue.sessions().publish(&events).await;
    }

    /// SQL statements the gateway has run for requests so far.
    pub fn statements_run(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What a committed operation changed that others must hear of ([`AppState::commit`]).
#[derive(Debug, Default)]
pub struct After {
    /// Client rows changed or added: the live lists are told.
    pub clients: Vec<worker::ClientEvent>,
    /// Users whose sessions ended or changed: every gateway checks what it holds of them.
    pub sessions: Vec<i64>,
}

impl After {
    pub fn clients(clients: Vec<worker::ClientEvent>) -> Self {
        After {
            clients,
            ..Default::default()
        }
    }
}

/// The owner of a partner firm in their own session, or `FORBIDDEN`: "only the partner
/// firm's owner {what}".
pub(super) fn firm_owner(v: &crate::auth::ViewerUser, what: &str) -> crate::error::ApiResult<()> {
    if v.account.kind != entity::AccountKind::Partner
        || v.user.role != entity::Role::Owner
        || v.opened_by.is_some()
    {
        return Err(crate::error::ApiError::Forbidden(format!(
            "only the partner firm's owner {what}"
        )));
    }
    Ok(())
}

/// A `LIKE` pattern matching any text that contains `term` literally (its `%`, `_` and
/// `\` escaped).
pub fn contains_pattern(term: &str) -> LikeExpr {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
