//! What support staff read (`supportSearch`, `supportAccount`) and the one thing they do
//! (`supportRetryDelivery`); the rules are in `crate::services::support`.

use super::accounts::{Account, User};
use super::client_list::{ClientConnection, ClientStatus};
use super::context::{require_staff, state};
use super::partner_connect::LegacyConnection;
use crate::services::{client_list, support};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Where an email of the outbox stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Written with the change that promised it; waiting to be handed to a worker.
    Pending,
    /// Handed to the job queue; a worker is about to send it.
    Queued,
    /// Accepted by the mail server.
    Sent,
    /// Given up on: a permanent refusal or too many temporary failures (`lastError`).
    Failed,
}

/// One email as support sees it: never its link or any token.
#[derive(SimpleObject, Clone, Debug)]
pub struct SupportDelivery {
    /// The delivery's id, for `supportRetryDelivery` (and `worker retry-deliveries`).
    pub id: ID,
    /// the kind of email: welcome, invite, set_password, password_reset, trial_digest, connect_failed, ...
    pub kind: String,
    /// The recipient's address.
    pub to: String,
    /// Pending, queued, sent or failed.
    pub status: DeliveryStatus,
    /// Send attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed (the mail server's answer), if it did.
    pub last_error: Option<String>,
    /// When the email was written to the outbox.
    pub created_at: DateTime<Utc>,
    /// When the mail server accepted it; null until then.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<&entity::delivery::Model> for SupportDelivery {
    fn from(d: &entity::delivery::Model) -> Self {
        SupportDelivery {
            id: ID(d.id.to_string()),
            kind: d.kind.clone(),
            to: d.recipient.clone(),
            status: d.status.into(),
            attempts: d.attempts,
            last_error: d.last_error.clone(),
            created_at: d.created_at,
            sent_at: d.sent_at,
        }
    }
}

/// One account as support sees it (the read is in the account's audit log).
pub struct SupportAccount(pub support::View);

/// One account as support sees it: its users, its clients or its partner, its Partner
/// Connect request and its latest emails.
#[Object]
impl SupportAccount {
    /// The account.
    async fn account(&self) -> Account {
        (&self.0.account).into()
    }

    /// The account's users, active or not.
    async fn users(&self) -> Vec<User> {
        self.0
            .users
            .iter()
            .map(|u| User::new(u, &self.0.account))
            .collect()
    }

    /// partner accounts: its client list
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 2")]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "rows after `after` (default 20, 1 to 100)")] first: Option<i32>,
        #[graphql(desc = "an `endCursor`: the rows that follow it")] after: Option<String>,
        #[graphql(desc = "only clients in this status")] status: Option<ClientStatus>,
        #[graphql(desc = "case-insensitive words matched against names and emails")] search: Option<
            String,
        >,
    ) -> Result<Option<ClientConnection>> {
        let acc = &self.0.account;
        if acc.kind != entity::AccountKind::Partner {
            return Ok(None);
        }
        let args = client_list::ListArgs {
            first,
            after,
            last: None,
            before: None,
            status: status.map(Into::into),
            search,
            trial_ends_before: None,
            order: Default::default(),
            // Staff have no user in any client account: no row offers them an action.
            viewer: client_list::Lens::whole_firm(acc.id),
            want_total_count: ctx.look_ahead().field("totalCount").exists(),
        };
        let page = client_list::list(&state(ctx).db, args).await?;
        Ok(Some(ClientConnection::of_page(page, acc.platform, false)))
    }

    /// client accounts: the partner that lists it
    async fn partner(&self) -> Option<Account> {
        self.0.partner.as_ref().map(Into::into)
    }

    /// V1 partner accounts: its Partner Connect request
    async fn legacy_connection(&self) -> Option<LegacyConnection> {
        self.0.connection.as_ref().map(Into::into)
    }

    /// V1 partner accounts: why its Partner Connect request failed, as the check found it
    /// (the partner reads one message whatever the reason, so it cannot probe accounts)
    async fn connect_failure_reason(&self) -> Option<String> {
        self.0
            .connection
            .as_ref()
            .filter(|c| c.status == entity::ConnectStatus::Failed)
            .and_then(|c| c.failure_reason.clone())
    }

    /// the latest emails to the account's users (and, for a partner, the invites it sent), newest first
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "how many (default 20, 1 to 100)")] first: Option<i32>,
    ) -> Result<Vec<SupportDelivery>> {
        let rows = support::deliveries(state(ctx), &self.0.account, first).await?;
        Ok(rows.iter().map(Into::into).collect())
    }
}

/// The support fields of `Query`.
#[derive(Default)]
pub struct SupportQuery;

#[Object]
impl SupportQuery {
    /// support staff only: accounts whose Company ID, name or a user's email matches
    /// (case-insensitive, at most 50, any tenant). Each account found records the search
    /// in its audit log.
    async fn support_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "a Company ID, part of an account name, or part of an email")]
        query: String,
        #[graphql(desc = "why (e.g. the ticket): shown in each account's audit log")]
        reason: String,
    ) -> Result<Vec<Account>> {
        let (v, why) = require_staff(ctx, &reason)?;
        let found =
            support::search(state(ctx), v, &super::context::meta(ctx), &query, &why).await?;
        Ok(found.iter().map(Into::into).collect())
    }

    /// support staff only: one account as support sees it; null when no account has this
    /// Company ID. The read is recorded in the account's audit log with the reason.
    async fn support_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the account's Company ID, e.g. FZR4371")] company_id: String,
        #[graphql(desc = "why (e.g. the ticket): shown in the account's audit log")] reason: String,
    ) -> Result<Option<SupportAccount>> {
        let (v, why) = require_staff(ctx, &reason)?;
        let view =
            support::view(state(ctx), v, &super::context::meta(ctx), &company_id, &why).await?;
        Ok(view.map(SupportAccount))
    }
}

/// The support fields of `Mutation`.
#[derive(Default)]
pub struct SupportMutation;

#[Object]
impl SupportMutation {
    /// support staff only: send a FAILED email again, once (with a fresh link when its
    /// own was removed as it failed). Recorded in the account's audit log with the reason.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not support staff),
    /// BAD_USER_INPUT (`reason`, an email that is not FAILED, or one whose link can no
    /// longer be made), NOT_FOUND (no such delivery).
    async fn support_retry_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the `SupportDelivery.id`")] delivery_id: ID,
        #[graphql(desc = "why (e.g. the ticket): shown in the account's audit log")] reason: String,
    ) -> Result<SupportDelivery> {
        let (v, why) = require_staff(ctx, &reason)?;
        let id = super::context::parse_id("deliveryId", &delivery_id)?;
        let d =
            support::retry_delivery(state(ctx), v, &super::context::meta(ctx), id, &why).await?;
        Ok((&d).into())
    }
}
