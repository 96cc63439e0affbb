//! The GraphQL schema, one module per area (as `crate::services`), each holding that
//! area's query and mutation fields and its types; `QueryRoot` and `MutationRoot` merge
//! them. Output types are their own structs, resolvers are thin: parse, authorize, call
//! one service, map. `context` holds what every resolver asks of a request.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod billing;
pub mod client_actions;
pub mod client_list;
pub(crate) mod context;
pub mod discount;
pub mod input;
pub mod invites;
pub mod links;
pub mod live;
pub mod partner_connect;
pub mod passwords;
pub mod scope;
pub mod second_factors;
pub mod support;
pub mod upgrades;
pub mod users;

use crate::services::AppState;
use async_graphql::Schema;
pub use context::HashBudget;
pub use live::SubscriptionRoot;

/// What the signed-in user can read. Every field but `me` needs a session
/// (`Authorization: Bearer <token>` from `logIn`); the client-list fields need a partner
/// OWNER or ADMIN, the support fields a support staff user.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    accounts::AccountsQuery,
    client_list::ClientListQuery,
    invites::InvitesQuery,
    audit::AuditQuery,
    discount::DiscountQuery,
    partner_connect::PartnerConnectQuery,
    billing::PlansQuery,
    upgrades::UpgradesQuery,
    support::SupportQuery,
    links::LinksQuery,
    access::AccessQuery,
);

/// Everything that changes something. Errors carry `extensions.code` (and, for bad
/// input, `extensions.field`; for `RATE_LIMITED`, `extensions.retryAfterSeconds`); each
/// mutation's description lists the codes it answers with besides `INTERNAL` and
/// `SERVICE_UNAVAILABLE`. A refused mutation changes nothing.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    accounts::AccountsMutation,
    invites::InvitesMutation,
    passwords::PasswordLinkMutation,
    client_actions::ClientActionsMutation,
    passwords::PasswordResetMutation,
    users::UsersMutation,
    billing::BillingMutation,
    partner_connect::PartnerConnectMutation,
    upgrades::UpgradesMutation,
    support::SupportMutation,
    passwords::PasswordChangeMutation,
    second_factors::SecondFactorsMutation,
    scope::ScopeMutation,
    access::AccessMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with the configured depth and complexity limits, introspection and
/// suggestions. `state` (with this process's live-list subscribers) is `None` only for
/// printing the SDL.
pub fn build_schema(state: Option<(AppState, crate::live::Live)>) -> AppSchema {
    // async-graphql's depth limit covers the whole document, introspection included:
    // it is the introspection bound. Data fields have their own, tighter one
    // (`MAX_DEPTH`, checked in `crate::limits` before execution).
    let (depth, complexity, explorable) = state.as_ref().map_or((24, 5_000, true), |(s, _)| {
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
    if let Some((state, live)) = state {
        builder = builder.data(state).data(live);
    }
    builder.finish()
}

/// The names of the schema's Query and Mutation fields (what metrics may label).
pub fn root_fields() -> std::collections::HashSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let doc = async_graphql::parser::parse_schema(sdl()).expect("the served schema parses");
    let mut out = std::collections::HashSet::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def
            && matches!(t.node.name.node.as_str(), "Query" | "Mutation")
            && let TypeKind::Object(o) = &t.node.kind
        {
            out.extend(o.fields.iter().map(|f| f.node.name.node.to_string()));
        }
    }
    out
}

/// The SDL the gateway serves; `schema.graphql` at the top level is this text.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
