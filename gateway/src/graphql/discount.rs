//! The discount tier (SPEC §6): active clients and what they earn.

use super::context::{require_partner_admin, state};
use super::input::int;
use crate::services::billing;
use async_graphql::{Context, Object, Result, SimpleObject};

/// A partner's discount, which follows its number of active clients.
#[derive(SimpleObject, Clone, Debug)]
pub struct DiscountTier {
    /// Clients in TRIAL or PAYING.
    pub active_clients: i32,
    /// The discount on the partner's own subscription, in percent.
    pub percent_off: i32,
    /// active clients still needed for the next tier; null at the top tier
    pub clients_to_next_tier: Option<i32>,
}

#[derive(Default)]
pub struct DiscountQuery;

/// The partner's discount tier.
#[Object]
impl DiscountQuery {
    /// The partner's discount tier and how many more active clients reach the next.
    async fn discount_tier(&self, ctx: &Context<'_>) -> Result<DiscountTier> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let active = billing::active_clients(st, v.account.id).await?;
        let standing = st
            .config
            .discount_tiers
            .standing(u32::try_from(active).unwrap_or(u32::MAX));
        Ok(DiscountTier {
            active_clients: int(active),
            percent_off: standing.percent_off as i32,
            clients_to_next_tier: standing.clients_to_next_tier.map(|n| int(u64::from(n))),
        })
    }
}
