//! Account administrators manage their account's users (SPEC §5).

use super::accounts::{Role, User};
use super::context::{limit, meta, parse_id, require_account_admin, state};
use super::input::{email, parse_person_name};
use crate::ratelimit::Bucket;
use crate::services::users;
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A new user of your account.
#[derive(InputObject, Debug)]
pub struct AddUserInput {
    /// Their email; they are emailed a link to set a password.
    pub email: String,
    /// Their name (1–200 characters).
    pub name: String,
    /// ADMIN, MANAGER or EMPLOYEE (an account has one OWNER).
    pub role: Role,
}

#[derive(Default)]
pub struct UsersMutation;

/// An account administrator's changes to its people.
#[Object]
impl UsersMutation {
    /// Adds a user to your account; they are emailed a link to set a password.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not an OWNER or ADMIN of the account), BAD_USER_INPUT (a field, or the role OWNER), CONFLICT (already a
    /// user of this account), RATE_LIMITED (`RATE_LIMIT_USERS_ADDED` per account).
    async fn add_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the new user")] input: AddUserInput,
    ) -> Result<User> {
        let v = require_account_admin(ctx)?;
        let email = email("email", &input.email)?;
        let name = parse_person_name("name", &input.name)?;
        limit(ctx, Bucket::UsersAdded, &v.account.id.to_string()).await?;
        let u = users::add_user(state(ctx), v, &meta(ctx), email, name, input.role.into()).await?;
        Ok(User::new(&u, &v.account))
    }

    /// Changes the role of a user of your account (not the owner's).
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not an OWNER or ADMIN of the account), NOT_FOUND (no such user in this account), BAD_USER_INPUT (the
    /// owner, or the role OWNER), RATE_LIMITED (`RATE_LIMIT_USER_CHANGES` per account).
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the user's `id`")] user_id: ID,
        #[graphql(desc = "ADMIN, MANAGER or EMPLOYEE")] role: Role,
    ) -> Result<User> {
        let v = require_account_admin(ctx)?;
        let id = parse_id("userId", &user_id)?;
        limit(ctx, Bucket::UserChanges, &v.account.id.to_string()).await?;
        let u = users::set_user_role(state(ctx), v, &meta(ctx), id, role.into()).await?;
        Ok(User::new(&u, &v.account))
    }

    /// Makes a user of your account active or inactive (not the owner); an inactive user
    /// is signed out everywhere and cannot log in.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not an OWNER or ADMIN of the account), NOT_FOUND (no such user in this account), BAD_USER_INPUT (making
    /// the owner inactive), RATE_LIMITED (`RATE_LIMIT_USER_CHANGES` per account).
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the user's `id`")] user_id: ID,
        #[graphql(desc = "false deactivates, true reactivates")] active: bool,
    ) -> Result<User> {
        let v = require_account_admin(ctx)?;
        let id = parse_id("userId", &user_id)?;
        limit(ctx, Bucket::UserChanges, &v.account.id.to_string()).await?;
        let u = users::set_user_active(state(ctx), v, &meta(ctx), id, active).await?;
        Ok(User::new(&u, &v.account))
    }
}
