use super::types::{
    AcceptInviteInput, Account, AddUserInput, AuthPayload, BulkInviteReport, BulkInviteRow, Client,
    CreateClientAccountInput, InviteLink, LegacyConnection, Role, SignUpInput, UpgradeCandidate,
    User,
};
use super::{
    FailureBudget, client_ip, meta, parse_id, rate_limit, require_account_admin,
    require_partner_admin, require_user, spend_password_hash, state,
};
use crate::auth::session;
use crate::error::ApiError;
use crate::services::accounts::{self, SignUp};
use crate::services::invites::{self, NewOwner};
use crate::services::{billing, client_actions, connect, passwords, upgrade, users};
use async_graphql::{Context, ID, Object, Result};
use entity::{CompanyId, CompanyName, Email, Password, PersonName};

#[derive(Default)]
pub struct AccountMutation;

fn email(field: &'static str, raw: &str) -> Result<Email, ApiError> {
    Email::parse(raw).map_err(|e| ApiError::bad_input(field, e.0))
}

fn parse_person_name(field: &'static str, raw: &str) -> Result<PersonName, ApiError> {
    PersonName::parse(raw).map_err(|e| ApiError::bad_input(field, e.message(field)))
}

fn parse_company_name(field: &'static str, raw: &str) -> Result<CompanyName, ApiError> {
    CompanyName::parse(raw).map_err(|e| ApiError::bad_input(field, e.message(field)))
}

fn password(field: &'static str, raw: &str) -> Result<Password, ApiError> {
    Password::parse(raw).map_err(|e| ApiError::bad_input(field, e.0))
}

/// The mutations of partners and their clients (`MutationRoot`).
#[Object]
impl AccountMutation {
    /// Creates a partner account (accountants and bookkeepers) or a client account on a
    /// free trial, with the caller as its owner, and signs them in. With `partnerCode`
    /// (from a partner's invite link) it always creates a client account of that partner.
    ///
    /// Errors: BAD_USER_INPUT (a field, or an unknown `partnerCode`), CONFLICT (the email
    /// already owns such an account), RATE_LIMITED (sign-ups from this address).
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the new account and its owner")] input: SignUpInput,
    ) -> Result<AuthPayload> {
        let st = state(ctx);
        let limits = &st.config.security;
        rate_limit(
            ctx,
            "signup-ip",
            &client_ip(ctx),
            limits.rate_limit_signup_ip,
        )
        .await?;
        let email = email("email", &input.email)?;
        let owner = NewOwner {
            company_name: parse_company_name("companyName", &input.company_name)?,
            name: parse_person_name("name", &input.name)?,
            password: password("password", &input.password)?,
        };
        spend_password_hash(ctx)?;
        if let Some(code) = input.partner_code.as_deref() {
            return Ok(
                invites::sign_up_with_code(st, &meta(ctx), code, email, owner)
                    .await?
                    .into(),
            );
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
    ///
    /// Errors: UNAUTHENTICATED (wrong email or password, an inactive user: one message for
    /// all), BAD_USER_INPUT (a malformed `companyId`), RATE_LIMITED (too many failed
    /// attempts for this email or from this address).
    async fn log_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the user's email")] email: String,
        #[graphql(desc = "the user's password")] password: String,
        #[graphql(desc = "the account to sign in to, when the email has several")]
        company_id: Option<String>,
    ) -> Result<AuthPayload> {
        let budget = FailureBudget::take(ctx, &email).await?;
        if let Err(e) = spend_password_hash(ctx) {
            budget.give_back(ctx).await;
            return Err(e.into());
        }
        match accounts::log_in(state(ctx), &email, &password, company_id.as_deref()).await {
            // A wrong email or password keeps its tokens: the failure is counted.
            Err(e @ ApiError::Unauthenticated(_)) => Err(e.into()),
            other => {
                budget.give_back(ctx).await;
                Ok(other?.into())
            }
        }
    }

    /// Ends the current session.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session).
    async fn log_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let v = require_user(ctx)?;
        session::close(&state(ctx).db, v.session_id).await?;
        state(ctx).sessions_changed(&[v.user.id]).await;
        Ok(true)
    }

    /// Invites a client by email: the client appears as INVITED at once and gets an
    /// email with a single-use link (30 days).
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), BAD_USER_INPUT (`email`, `companyName`), CONFLICT (already one of
    /// your clients), RATE_LIMITED (`RATE_LIMIT_INVITES` per partner).
    async fn invite_client_by_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client's email")] email: String,
        #[graphql(desc = "the client's company name, if known")] company_name: Option<String>,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let email = self::email("email", &email)?;
        let rule = state(ctx).config.security.rate_limit_invites;
        rate_limit(ctx, "invites", &v.account.id.to_string(), rule).await?;
        let company_name = match company_name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(parse_company_name("companyName", n)?),
        };
        let c = invites::invite_by_email(state(ctx), v, &meta(ctx), email, company_name).await?;
        Ok(Client::of(&c, None, v.account.platform))
    }

    /// Invites up to 500 clients by email at once; every row gets its outcome. With
    /// `dryRun` nothing is written or sent (a preview). A real run writes every valid new
    /// row, its link and its email in one transaction; rows already listed or repeated are
    /// skipped, so the same rows sent twice invite nobody twice. Each invited row counts
    /// against `RATE_LIMIT_INVITES`.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or
    /// ADMIN), BAD_USER_INPUT (more than 500 rows), RATE_LIMITED (the batch would pass the
    /// partner's invite limit, or the rows it may check per hour, `RATE_LIMIT_BULK_ROWS`,
    /// dry runs included; nothing is invited).
    async fn invite_clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "up to 500 rows: an email and, optionally, a company name")] rows: Vec<
            BulkInviteRow,
        >,
        #[graphql(desc = "true: only say what would happen")] dry_run: Option<bool>,
    ) -> Result<BulkInviteReport> {
        use crate::services::bulk_invites;
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        // Checking rows costs work whether or not they are sent: every call takes its
        // rows from the partner's budget.
        let checked = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        let budget = st.config.security.rate_limit_bulk_rows;
        st.limiter
            .check_n(&format!("bulk-rows:{}", v.account.id), budget, checked)
            .await
            .map_err(|secs| ApiError::RateLimited {
                message: format!(
                    "your firm checked more bulk-invite rows than {budget} allows; try again in {secs} s"
                ),
                retry_after_seconds: secs,
            })?;
        let rows: Vec<(String, Option<String>)> = rows
            .into_iter()
            .map(|r| (r.email, r.company_name))
            .collect();
        let plan = bulk_invites::plan(st, v, &rows).await?;
        let results = if dry_run.unwrap_or(false) {
            bulk_invites::dry_run(plan)
        } else {
            let n = u32::try_from(plan.invites()).unwrap_or(u32::MAX);
            let rule = st.config.security.rate_limit_invites;
            if n > rule.capacity {
                return Err(ApiError::RateLimited {
                    message: format!(
                        "this batch would invite {n} clients; at most {} invites are allowed per {}: split it",
                        rule.capacity,
                        client_actions::human(
                            chrono::Duration::from_std(rule.per).unwrap_or_default()
                        )
                    ),
                    retry_after_seconds: rule.per.as_secs(),
                }
                .into());
            }
            if n > 0 {
                st.limiter
                    .check_n(&format!("invites:{}", v.account.id), rule, n)
                    .await
                    .map_err(|secs| ApiError::RateLimited {
                        message: format!(
                            "this batch would invite {n} clients, more than your invite limit has left; try again in {secs} s or send fewer rows"
                        ),
                        retry_after_seconds: secs,
                    })?;
            }
            bulk_invites::run(st, v, &meta(ctx), plan).await?
        };
        Ok(BulkInviteReport::new(results, v.account.platform))
    }

    /// Replaces the partner's invite link; the old code stops working at once.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN).
    async fn regenerate_invite_link(&self, ctx: &Context<'_>) -> Result<InviteLink> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let code = invites::regenerate_invite_code(st, v, &meta(ctx)).await?;
        Ok(InviteLink {
            url: invites::invite_url(st, &code),
            code,
        })
    }

    /// The sign-up form: creates the client's account in TRIAL at once, its owner (who is
    /// emailed a link to set a password) and your own ADMIN user in it, with your email
    /// and password.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), BAD_USER_INPUT (a field), CONFLICT (already one of your clients),
    /// RATE_LIMITED (`RATE_LIMIT_CLIENT_ACCOUNTS` per partner).
    async fn create_client_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client account to create")] input: CreateClientAccountInput,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let company = parse_company_name("companyName", &input.company_name)?;
        let contact = parse_person_name("contactName", &input.contact_name)?;
        let contact_email = email("contactEmail", &input.contact_email)?;
        let rule = state(ctx).config.security.rate_limit_client_accounts;
        rate_limit(ctx, "client-accounts", &v.account.id.to_string(), rule).await?;
        let c = invites::create_client_account(
            state(ctx),
            v,
            &meta(ctx),
            company,
            contact,
            contact_email,
        )
        .await?;
        Ok(Client::of(
            &c,
            Some(entity::PartnerSeat {
                role: entity::Role::Admin,
                active: true,
            }),
            v.account.platform,
        ))
    }

    /// Accepts an email invite: creates the client's account with the invitee as owner,
    /// starts the trial, and signs them in.
    ///
    /// Errors: BAD_USER_INPUT (a field, or a link that is unknown, used or expired),
    /// RATE_LIMITED (`RATE_LIMIT_LINK_IP` per address, or more password hashes in one
    /// request than `MAX_PASSWORD_HASHES_PER_REQUEST`).
    async fn accept_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the token from the invite link (`/invite/{token}`)")] token: String,
        #[graphql(desc = "the new account")] input: AcceptInviteInput,
    ) -> Result<AuthPayload> {
        let limits = &state(ctx).config.security;
        rate_limit(ctx, "link-ip", &client_ip(ctx), limits.rate_limit_link_ip).await?;
        let owner = NewOwner {
            company_name: parse_company_name("companyName", &input.company_name)?,
            name: parse_person_name("name", &input.name)?,
            password: password("password", &input.password)?,
        };
        spend_password_hash(ctx)?;
        Ok(
            invites::accept_invite(state(ctx), &meta(ctx), &token, owner)
                .await?
                .into(),
        )
    }

    /// Sets a new password through a single-use set/reset link; ends the user's sessions.
    ///
    /// Errors: BAD_USER_INPUT (`newPassword`, or a link that is unknown, used or expired),
    /// RATE_LIMITED (`RATE_LIMIT_LINK_IP` per address, or too many password hashes in one
    /// request).
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the token from the link (`/reset-password/{token}`)")] token: String,
        #[graphql(desc = "at least 10 characters, at most 128")] new_password: String,
    ) -> Result<bool> {
        let limits = &state(ctx).config.security;
        rate_limit(ctx, "link-ip", &client_ip(ctx), limits.rate_limit_link_ip).await?;
        let pw = password("newPassword", &new_password)?;
        spend_password_hash(ctx)?;
        passwords::set_with_link(state(ctx), &meta(ctx), &token, pw).await?;
        Ok(true)
    }

    /// Sends an INVITED client's invite again with a fresh link (the old one stops
    /// working). At most one per `RESEND_INTERVAL` (5 minutes) and `RESENDS_PER_DAY` (10) per
    /// client; past that `RATE_LIMITED` with `retryAfterSeconds`.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), NOT_FOUND (not one of your clients), BAD_USER_INPUT (the client is
    /// no longer INVITED, or is a V1 client to upgrade instead), RATE_LIMITED.
    async fn resend_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        let rule = state(ctx).config.security.rate_limit_invites;
        rate_limit(ctx, "invites", &v.account.id.to_string(), rule).await?;
        let c = client_actions::resend_invite(state(ctx), v, &meta(ctx), id).await?;
        Ok(Client::of(&c, None, v.account.platform))
    }

    /// Revokes an INVITED client's invite: its link stops working at once and the row
    /// shows `inviteState` REVOKED until `resendInvite` sends a fresh one. Audited.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or
    /// ADMIN), NOT_FOUND (not one of your clients), BAD_USER_INPUT (no working link to
    /// revoke: already revoked, expired, or the client has an account), CONFLICT (the
    /// client accepted a moment ago).
    async fn revoke_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<Client> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        let c = client_actions::revoke_invite(state(ctx), v, &meta(ctx), id).await?;
        Ok(Client::of(&c, None, v.account.platform))
    }

    /// Opens a session (1 hour) for your own user in the client's account.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), NOT_FOUND (not one of your clients),
    /// PARTNER_USER_MISSING, PARTNER_USER_INACTIVE, PARTNER_USER_NOT_ADMIN (your user there is missing, inactive or
    /// not OWNER/ADMIN; the message says who can fix it).
    async fn log_in_to_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<AuthPayload> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        Ok(
            client_actions::log_in_to_client(state(ctx), v, &meta(ctx), id)
                .await?
                .into(),
        )
    }

    /// Emails you a single-use link (1 hour) to reset the password of your own user in
    /// the client's account. Your partner-account password does not change.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), NOT_FOUND (not one of your clients),
    /// PARTNER_USER_MISSING, PARTNER_USER_INACTIVE (your user there is
    /// missing or inactive), RATE_LIMITED (reset emails for that user).
    async fn reset_client_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the client row's `id`")] client_id: ID,
    ) -> Result<bool> {
        let v = require_partner_admin(ctx)?;
        let id = parse_id("clientId", &client_id)?;
        client_actions::reset_client_password(state(ctx), v, &meta(ctx), id).await?;
        Ok(true)
    }

    /// Emails a reset link when such a user exists. Always answers true, so the answer
    /// never tells whether the email is known.
    ///
    /// Errors: RATE_LIMITED (per address and per email), BAD_USER_INPUT (a malformed
    /// `companyId`).
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the user's email")] email: String,
        #[graphql(desc = "the account, when the email has several")] company_id: Option<String>,
    ) -> Result<bool> {
        let limits = &state(ctx).config.security;
        rate_limit(ctx, "reset-ip", &client_ip(ctx), limits.rate_limit_reset_ip).await?;
        let key = email.trim().to_lowercase();
        rate_limit(ctx, "reset-email", &key, limits.rate_limit_reset_email).await?;
        passwords::request_reset(state(ctx), &meta(ctx), &email, company_id.as_deref()).await?;
        Ok(true)
    }

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
        let rule = state(ctx).config.security.rate_limit_users_added;
        rate_limit(ctx, "users-added", &v.account.id.to_string(), rule).await?;
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
        let rule = state(ctx).config.security.rate_limit_user_changes;
        rate_limit(ctx, "user-changes", &v.account.id.to_string(), rule).await?;
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
        let rule = state(ctx).config.security.rate_limit_user_changes;
        rate_limit(ctx, "user-changes", &v.account.id.to_string(), rule).await?;
        let u = users::set_user_active(state(ctx), v, &meta(ctx), id, active).await?;
        Ok(User::new(&u, &v.account))
    }

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

    /// Connects this V1 partner account (its owner only, once) to the V2 partner dashboard
    /// with `companyId`, whose owner's email is `ownerEmail`. Answers at once as PENDING;
    /// the result shows in `legacyConnection`.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN), FORBIDDEN (not a V1 account, or not its owner), BAD_USER_INPUT (`companyId`,
    /// `ownerEmail`), CONFLICT (a request is being checked, or the account is connected).
    async fn connect_legacy_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the V2 partner account's Company ID")] company_id: String,
        #[graphql(desc = "the email of the V2 partner account's owner")] owner_email: String,
    ) -> Result<LegacyConnection> {
        let v = require_partner_admin(ctx)?;
        let cid =
            CompanyId::parse(&company_id).map_err(|e| ApiError::bad_input("companyId", e.0))?;
        let email = email("ownerEmail", &owner_email)?;
        let c = connect::request(state(ctx), v, &meta(ctx), cid, email).await?;
        Ok((&c).into())
    }

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
