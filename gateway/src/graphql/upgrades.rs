//! The upgrade tab (SPEC §6): a connected V1 partner's eligible clients, upgraded one at a time.

use super::client_list::Client;
use super::context::{meta, parse_id, require_partner_admin, state};
use crate::services::upgrade;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// An eligible V1 client on the upgrade tab.
#[derive(SimpleObject, Clone, Debug)]
pub struct UpgradeCandidate {
    /// The V1 client.
    pub client: Client,
    /// The last moment the client can be upgraded.
    pub deadline: DateTime<Utc>,
    /// True once the client's V2 account exists (the upgrade runs as a worker job).
    pub upgraded: bool,
}

impl UpgradeCandidate {
    pub fn new(c: &entity::client::Model) -> Self {
        UpgradeCandidate {
            client: Client::of(c, entity::SeatAccess::default(), entity::Platform::V1),
            deadline: c.upgrade_deadline.unwrap_or(c.invited_at),
            upgraded: c.upgraded_at.is_some(),
        }
    }
}

/// A connected V1 partner's clients that can move to V2.
#[derive(SimpleObject, Clone, Debug)]
pub struct UpgradeTab {
    /// Eligible clients, soonest deadline first.
    pub candidates: Vec<UpgradeCandidate>,
}

#[derive(Default)]
pub struct UpgradesQuery;

/// A V1 partner's upgrade tab.
#[Object]
impl UpgradesQuery {
    /// null unless the V1 partner has at least one eligible client
    async fn upgrade_tab(&self, ctx: &Context<'_>) -> Result<Option<UpgradeTab>> {
        let v = require_partner_admin(ctx)?;
        let rows = upgrade::tab(state(ctx), v).await?;
        Ok(rows.map(|rows| UpgradeTab {
            candidates: rows.iter().map(UpgradeCandidate::new).collect(),
        }))
    }
}

#[derive(Default)]
pub struct UpgradesMutation;

/// Upgrading one V1 client.
#[Object]
impl UpgradesMutation {
    /// Upgrades one eligible client of this connected V1 partner before its deadline: a
    /// worker job creates its V2 account in the connected V2 partner's client list.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), FORBIDDEN (not a V1 partner account), NOT_FOUND (not one of
    /// your clients), BAD_USER_INPUT (not eligible, past its deadline, already upgraded, or
    /// the V2 partner's row for this email already has an account).
    async fn upgrade_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the V1 client row's `id`")] client_id: ID,
    ) -> Result<UpgradeCandidate> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        let c = upgrade::request(state(ctx), v, &meta(ctx), id).await?;
        Ok(UpgradeCandidate::new(&c))
    }
}
