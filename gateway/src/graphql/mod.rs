//! The GraphQL schema: output types are their own structs, resolvers are thin.

mod client_list;
mod context;
mod mutation;
mod query;
pub mod types;

use crate::services::AppState;
use async_graphql::{EmptySubscription, Schema};
pub use context::HashBudget;
pub(crate) use context::{
    client_ip, meta, parse_id, peek_rate_limit, rate_limit, require_account_admin,
    require_partner_admin, require_partner_owner, require_user, spend_password_hash, state, viewer,
};

pub use mutation::MutationRoot;
pub use query::QueryRoot;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

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
    let mut builder = Schema::build(QueryRoot, MutationRoot, EmptySubscription)
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
