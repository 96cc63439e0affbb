//! The GraphQL schema: output types are their own structs, resolvers are thin.

mod client_list;
mod context;
mod mutation;
mod query;
mod subscription;
mod support;
pub mod types;

use crate::services::AppState;
use async_graphql::Schema;
pub use context::HashBudget;
pub(crate) use context::partner_admin;
pub(crate) use context::{
    FailureBudget, client_ip, meta, parse_id, rate_limit, require_account_admin,
    require_account_owner, require_partner_admin, require_staff, require_user, spend_password_hash,
    state, viewer,
};
pub use subscription::SubscriptionRoot;

/// What the signed-in user can read. Every field but `me` needs a session
/// (`Authorization: Bearer <token>` from `logIn`); the client-list fields need a partner
/// OWNER or ADMIN, the support fields a support staff user.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(query::AccountQuery, support::SupportQuery);

/// Everything that changes something. Errors carry `extensions.code` (and, for bad
/// input, `extensions.field`; for `RATE_LIMITED`, `extensions.retryAfterSeconds`); each
/// mutation's description lists the codes it answers with besides `INTERNAL` and
/// `SERVICE_UNAVAILABLE`. A refused mutation changes nothing.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(mutation::AccountMutation, support::SupportMutation);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with the configured depth and complexity limits, introspection and
/// suggestions. `state` is `None` only for printing the SDL.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    // async-graphql's depth limit covers the whole document, introspection included:
    // it is the introspection bound. Data fields have their own, tighter one
    // (`MAX_DEPTH`, checked in `crate::limits` before execution).
    let (depth, complexity, explorable) = state.as_ref().map_or((24, 5_000, true), |s| {
        let sec = &s.config.security;
        (
            sec.max_introspection_depth.max(sec.max_depth),
            sec.max_complexity,
            sec.explorable(),
        )
    });
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .limit_depth(depth)
    .limit_complexity(complexity);
    if !explorable {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL the gateway serves; `schema.graphql` at the top level is this text.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
