//! Partner Connect (SPEC §6): a V1 partner account connects to a V2 partner dashboard.

use super::context::{meta, require_partner_admin, state};
use super::input::email;
use crate::error::ApiError;
use crate::services::connect;
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::CompanyId;

/// Where a Partner Connect request stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ConnectStatus")]
pub enum ConnectStatus {
    /// Being checked by a worker.
    Pending,
    /// Linked: the V1 partner's eligible clients can be upgraded.
    Connected,
    /// Not linked; `message` says why.
    Failed,
}

/// A V1 partner account's connection to a V2 partner dashboard.
#[derive(SimpleObject, Clone, Debug)]
pub struct LegacyConnection {
    /// Pending, connected or failed.
    pub status: ConnectStatus,
    /// Company ID of the V2 partner account
    pub company_id: String,
    /// What happened, for the partner to read.
    pub message: Option<String>,
    /// When the request was made.
    pub requested_at: DateTime<Utc>,
    /// When it was connected or failed; null while PENDING.
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&entity::legacy_connection::Model> for LegacyConnection {
    fn from(c: &entity::legacy_connection::Model) -> Self {
        LegacyConnection {
            status: c.status.into(),
            company_id: c.company_id.clone(),
            message: c.message.clone(),
            requested_at: c.requested_at,
            completed_at: c.completed_at,
        }
    }
}

#[derive(Default)]
pub struct PartnerConnectQuery;

/// A V1 partner's Partner Connect request.
#[Object]
impl PartnerConnectQuery {
    /// A V1 partner account's Partner Connect request and its result; null when none.
    async fn legacy_connection(&self, ctx: &Context<'_>) -> Result<Option<LegacyConnection>> {
        let v = require_partner_admin(ctx)?;
        Ok(connect::of(state(ctx), v).await?.as_ref().map(Into::into))
    }
}

#[derive(Default)]
pub struct PartnerConnectMutation;

/// Connecting a V1 partner account.
#[Object]
impl PartnerConnectMutation {
    /// Connects this V1 partner account (its owner only, once) to the V2 partner dashboard
    /// with `companyId`, whose owner's email is `ownerEmail`. Answers at once as PENDING;
    /// the result shows in `legacyConnection`.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), FORBIDDEN (not a V1 account, or not its owner), BAD_USER_INPUT (`companyId`,
    /// `ownerEmail`), CONFLICT (a request is being checked, or the account is connected).
    async fn connect_legacy_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the V2 partner account's Company ID")] company_id: String,
        #[graphql(desc = "the email of the V2 partner account's owner")] owner_email: String,
    ) -> Result<LegacyConnection> {
        let v = require_partner_admin(ctx)?;
        let cid =
            CompanyId::parse(&company_id).map_err(|e| ApiError::bad_input("companyId", e.0))?;
        let email = email("ownerEmail", &owner_email)?;
        let c = connect::request(state(ctx), v, &meta(ctx), cid, email).await?;
        Ok((&c).into())
    }
}
