//! Who in a partner firm sees which client, and the firm's policy (SPEC §12, §13): the
//! owner sets a member's `clientScope` and the policy; the owner or a member who sees
//! every client assigns people to clients. The rules are `services::scope` and
//! `services::firm_policy`.

use super::accounts::{Account, ClientScope, User};
use super::client_list::Client;
use super::context::{meta, parse_id, require_partner_admin, require_user, state};
use crate::services::firm_policy::{self, PolicyChange};
use crate::services::scope;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};

/// The partner firm's policy; a field left out keeps its value.
#[derive(InputObject, Debug)]
pub struct FirmPolicyInput {
    /// Every member needs a second factor from this instant; null turns the requirement
    /// off.
    pub second_factor_required_from: MaybeUndefined<DateTime<Utc>>,
    /// Whether `logInToClient` needs a reason (the client reads it).
    pub access_reason_required: Option<bool>,
}

#[derive(Default)]
pub struct ScopeMutation;

/// The firm's policy, members' scopes and clients' assignees.
#[Object]
impl ScopeMutation {
    /// Partner OWNER: the firm's policy; a field left out keeps its value. From
    /// `secondFactorRequiredFrom` on, a member without a factor signs in to a session
    /// that can only enrol one (SECOND_FACTOR_ENROLMENT_REQUIRED elsewhere); with
    /// `accessReasonRequired`, `logInToClient` needs a reason.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (not the owner of a partner firm).
    async fn set_firm_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the settings to change; those left out keep their value")]
        input: FirmPolicyInput,
    ) -> Result<Account> {
        let v = require_user(ctx)?;
        let change = PolicyChange {
            second_factor_required_from: match input.second_factor_required_from {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(at) => Some(Some(at)),
            },
            access_reason_required: input.access_reason_required,
        };
        let acc = firm_policy::set_policy(state(ctx), v, &meta(ctx), change).await?;
        Ok((&acc).into())
    }

    /// Partner OWNER: which clients a member sees: all of the firm's, or only those
    /// assigned to them. Their open live lists read themselves again.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (not the owner of a partner firm), NOT_FOUND
    /// (not a user of your firm), BAD_USER_INPUT (the owner, who sees every client).
    async fn set_client_scope(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the member's user `id`")] user_id: ID,
        #[graphql(desc = "ALL_CLIENTS or ASSIGNED_CLIENTS")] scope: ClientScope,
    ) -> Result<User> {
        let v = require_user(ctx)?;
        let id = parse_id("userId", &user_id)?;
        let u = scope::set_scope(state(ctx), v, &meta(ctx), id, scope.into()).await?;
        Ok(User::new(&u, &v.account))
    }

    /// Partner OWNER, or a member who sees all clients: who in the firm handles this
    /// client (the list replaces the one before). The firm's live lists read themselves
    /// again.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (a member limited to assigned clients; not a
    /// partner OWNER or ADMIN), NOT_FOUND (not one of your clients), BAD_USER_INPUT (an id
    /// not of your firm; over 100).
    async fn set_client_assignees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
        #[graphql(desc = "the firm users to assign; empty: nobody")] user_ids: Vec<ID>,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        let ids = user_ids
            .iter()
            .map(|u| parse_id("userIds", u))
            .collect::<Result<Vec<i64>, _>>()?;
        let c = scope::set_assignees(state(ctx), v, &meta(ctx), id, &ids).await?;
        let lens = crate::services::client_list::Lens::of(v);
        let found = crate::services::client_list::get_with_seat(&state(ctx).db, &lens, c.id)
            .await?
            .map(|(row, seat)| Client::new(&row, seat, v.account.platform));
        Ok(found
            .unwrap_or_else(|| Client::of(&c, entity::SeatAccess::default(), v.account.platform)))
    }
}
