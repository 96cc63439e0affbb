use super::types::{AuthPayload, SignUpInput};
use super::{require_user, state};
use crate::auth::session;
use crate::error::ApiError;
use crate::services::accounts::{self, SignUp};
use async_graphql::{Context, Object, Result};
use entity::{Email, Password};

pub struct MutationRoot;

#[Object]
impl MutationRoot {
    /// Creates a partner account (accountants and bookkeepers) or a client account on a
    /// free trial, with the caller as its owner, and signs them in.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> Result<AuthPayload> {
        let parsed = SignUp {
            company_name: accounts::parse_name("companyName", &input.company_name)?,
            name: accounts::parse_name("name", &input.name)?,
            email: Email::parse(&input.email).map_err(|e| ApiError::bad_input("email", e.0))?,
            password: Password::parse(&input.password)
                .map_err(|e| ApiError::bad_input("password", e.0))?,
            is_accountant_or_bookkeeper: input.is_accountant_or_bookkeeper,
            partner_code: input.partner_code,
        };
        Ok(accounts::sign_up(state(ctx), parsed).await?.into())
    }

    /// Signs in. `companyId` picks the account when the email belongs to several; without
    /// it the person's partner account (or their only account) is used.
    async fn log_in(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
        company_id: Option<String>,
    ) -> Result<AuthPayload> {
        Ok(
            accounts::log_in(state(ctx), &email, &password, company_id.as_deref())
                .await?
                .into(),
        )
    }

    /// Ends the current session.
    async fn log_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let v = require_user(ctx)?;
        session::close(&state(ctx).db, v.session_id).await?;
        Ok(true)
    }
}
