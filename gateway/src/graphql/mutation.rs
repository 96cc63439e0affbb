use super::types::{
    AcceptInviteInput, AuthPayload, Client, CreateClientAccountInput, InviteLink, SignUpInput,
};
use super::{require_partner_admin, require_user, state};
use crate::auth::session;
use crate::error::ApiError;
use crate::services::accounts::{self, SignUp, parse_name};
use crate::services::clients::{self, NewOwner};
use async_graphql::{Context, Object, Result};
use entity::{Email, Password};

pub struct MutationRoot;

fn email(field: &'static str, raw: &str) -> Result<Email, ApiError> {
    Email::parse(raw).map_err(|e| ApiError::bad_input(field, e.0))
}

fn password(field: &'static str, raw: &str) -> Result<Password, ApiError> {
    Password::parse(raw).map_err(|e| ApiError::bad_input(field, e.0))
}

#[Object]
impl MutationRoot {
    /// Creates a partner account (accountants and bookkeepers) or a client account on a
    /// free trial, with the caller as its owner, and signs them in. With `partnerCode`
    /// (from a partner's invite link) it always creates a client account of that partner.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> Result<AuthPayload> {
        let st = state(ctx);
        let email = email("email", &input.email)?;
        let owner = NewOwner {
            company_name: parse_name("companyName", &input.company_name)?,
            name: parse_name("name", &input.name)?,
            password: password("password", &input.password)?,
        };
        if let Some(code) = input.partner_code.as_deref() {
            return Ok(clients::sign_up_with_code(st, code, email, owner)
                .await?
                .into());
        }
        let parsed = SignUp {
            company_name: owner.company_name,
            name: owner.name,
            email,
            password: owner.password,
            is_accountant_or_bookkeeper: input.is_accountant_or_bookkeeper,
        };
        Ok(accounts::sign_up(st, parsed).await?.into())
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

    /// Invites a client by email: the client appears as INVITED at once and gets an
    /// email with a single-use link (30 days).
    async fn invite_client_by_email(
        &self,
        ctx: &Context<'_>,
        email: String,
        company_name: Option<String>,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let email = self::email("email", &email)?;
        let company_name = match company_name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(parse_name("companyName", n)?),
        };
        let c = clients::invite_by_email(state(ctx), v, email, company_name).await?;
        Ok(Client::new(&c, false))
    }

    /// Replaces the partner's invite link; the old code stops working at once.
    async fn regenerate_invite_link(&self, ctx: &Context<'_>) -> Result<InviteLink> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let code = clients::regenerate_invite_code(st, v).await?;
        Ok(InviteLink {
            url: clients::invite_url(st, &code),
            code,
        })
    }

    /// The sign-up form: creates the client's account in TRIAL at once, its owner (who is
    /// emailed a link to set a password) and your own ADMIN user in it, with your email
    /// and password.
    async fn create_client_account(
        &self,
        ctx: &Context<'_>,
        input: CreateClientAccountInput,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let company = parse_name("companyName", &input.company_name)?;
        let contact = parse_name("contactName", &input.contact_name)?;
        let contact_email = email("contactEmail", &input.contact_email)?;
        let c =
            clients::create_client_account(state(ctx), v, company, contact, contact_email).await?;
        Ok(Client::new(&c, true))
    }

    /// Accepts an email invite: creates the client's account with the invitee as owner,
    /// starts the trial, and signs them in.
    async fn accept_invite(
        &self,
        ctx: &Context<'_>,
        token: String,
        input: AcceptInviteInput,
    ) -> Result<AuthPayload> {
        let owner = NewOwner {
            company_name: parse_name("companyName", &input.company_name)?,
            name: parse_name("name", &input.name)?,
            password: password("password", &input.password)?,
        };
        Ok(clients::accept_invite(state(ctx), &token, owner)
            .await?
            .into())
    }

    /// Sets a new password through a single-use set/reset link; ends the user's sessions.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> Result<bool> {
        let pw = password("newPassword", &new_password)?;
        clients::reset_password(state(ctx), &token, pw).await?;
        Ok(true)
    }
}
