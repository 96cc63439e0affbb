//! Plans and subscribing (SPEC §5, issue 16).

use super::accounts::Account;
use super::context::{meta, require_account_admin, state};
use crate::services::billing;
use async_graphql::{Context, Object, Result, SimpleObject};

/// A plan a client account can subscribe to (configured with `PLANS`).
#[derive(SimpleObject, Clone, Debug)]
pub struct Plan {
    /// What `subscribe(plan:)` takes, e.g. `monthly`.
    pub id: String,
    /// Its name, to show.
    pub name: String,
    /// What it is, in a sentence.
    pub description: Option<String>,
}

impl From<&entity::Plan> for Plan {
    fn from(p: &entity::Plan) -> Self {
        Plan {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
        }
    }
}

#[derive(Default)]
pub struct PlansQuery;

/// The plans a client account can subscribe to.
#[Object]
impl PlansQuery {
    /// the plans a client account can subscribe to
    async fn plans(&self, ctx: &Context<'_>) -> Vec<Plan> {
        state(ctx)
            .config
            .plans
            .all()
            .iter()
            .map(Into::into)
            .collect()
    }
}

#[derive(Default)]
pub struct BillingMutation;

/// Subscribing a client account.
#[Object]
impl BillingMutation {
    /// Subscribes your client account to a paid plan: one of `plans` (by default
    /// `monthly` or `annual`).
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not an OWNER or ADMIN of a client account), BAD_USER_INPUT (an unknown plan, or
    /// already subscribed).
    async fn subscribe(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "a `Plan.id` from `plans`")] plan: String,
    ) -> Result<Account> {
        let v = require_account_admin(ctx)?;
        let acc = billing::subscribe(state(ctx), v, &meta(ctx), &plan).await?;
        Ok((&acc).into())
    }
}
