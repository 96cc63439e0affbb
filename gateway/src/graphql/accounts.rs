//! Accounts, people and sessions (SPEC §1–2): who is signed in, sign-up, log-in and log-out.

use super::context::{
    FailureBudget, client_ip, limit, meta, require_enrolling, require_user, second_factor_required,
    spend_password_hash, state, viewer,
};
use super::input::{email, parse_company_name, parse_person_name, password};
use crate::auth::cookie::{self, Which};
use crate::auth::{Viewer, session};
use crate::error::ApiError;
use crate::ratelimit::Bucket;
use crate::services::accounts;
use crate::services::accounts::SignUp;
use crate::services::onboarding::{self, NewOwner};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use axum::http::header::SET_COOKIE;
use chrono::{DateTime, Utc};
use entity::{account, user};

/// What an account is for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AccountKind")]
pub enum AccountKind {
    /// An accounting or bookkeeping firm: it has a client list.
    Partner,
    /// A business using the product, invited by a partner or signed up alone.
    Client,
    /// the operator's own support staff
    Staff,
}

/// Which generation of the product an account lives on.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Platform")]
pub enum Platform {
    /// The legacy platform: imported accounts, upgraded to V2 through Partner Connect.
    V1,
    /// The current platform.
    V2,
}

/// A user's role in their account.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Role")]
pub enum Role {
    /// The account's one owner: everything ADMIN can, plus the audit log; cannot be
    /// changed or deactivated.
    Owner,
    /// Manages the account's users; in a partner account, sees and acts on clients.
    Admin,
    /// Day-to-day work; no user management.
    Manager,
    /// The least access.
    Employee,
}

/// A kind of second factor.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SecondFactorKind {
    /// An authenticator app (RFC 6238 codes, 6 digits every 30 seconds).
    Totp,
    /// A passkey (WebAuthn).
    Passkey,
    /// One of the single-use recovery codes.
    RecoveryCode,
}

impl From<crate::services::second_factors::FactorKind> for SecondFactorKind {
    fn from(k: crate::services::second_factors::FactorKind) -> Self {
        use crate::services::second_factors::FactorKind;
        match k {
            FactorKind::Totp => SecondFactorKind::Totp,
            FactorKind::Passkey => SecondFactorKind::Passkey,
            FactorKind::RecoveryCode => SecondFactorKind::RecoveryCode,
        }
    }
}

/// Which of a partner firm's clients a member sees (SPEC §13).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClientScope {
    /// every client of the firm (the default; the owner always)
    AllClients,
    /// only the clients assigned to them (`setClientAssignees`)
    AssignedClients,
}

impl From<entity::ClientScope> for ClientScope {
    fn from(s: entity::ClientScope) -> Self {
        match s {
            entity::ClientScope::AllClients => ClientScope::AllClients,
            entity::ClientScope::AssignedClients => ClientScope::AssignedClients,
        }
    }
}

impl From<ClientScope> for entity::ClientScope {
    fn from(s: ClientScope) -> Self {
        match s {
            ClientScope::AllClients => entity::ClientScope::AllClients,
            ClientScope::AssignedClients => entity::ClientScope::AssignedClients,
        }
    }
}

/// A company: a partner firm or a client business.
#[derive(SimpleObject, Clone, Debug)]
pub struct Account {
    /// The account's internal id.
    pub id: ID,
    /// Public Company ID: three letters and four digits, e.g. FZR4371.
    pub company_id: String,
    /// The company's name.
    pub name: String,
    /// Partner firm or client business.
    pub kind: AccountKind,
    /// V1 (legacy) or V2.
    pub platform: Platform,
    /// The plan (`plans`) a client account pays for; null until it subscribes, and for
    /// partner firms (free).
    pub plan: Option<String>,
    /// When the client account subscribed; null until it does.
    pub subscribed_at: Option<DateTime<Utc>>,
    /// When a client account's free trial ends (or ended); null for partner firms.
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// Partner accounts: every member needs a second factor from this instant; null when
    /// not required (`setFirmPolicy`).
    pub second_factor_required_from: Option<DateTime<Utc>>,
    /// Partner accounts: whether logInToClient needs a reason (`setFirmPolicy`).
    pub access_reason_required: bool,
}

impl From<&account::Model> for Account {
    fn from(a: &account::Model) -> Self {
        Account {
            id: ID(a.id.to_string()),
            company_id: a.company_id.clone(),
            name: a.name.clone(),
            kind: a.kind.into(),
            platform: a.platform.into(),
            plan: a.plan.clone(),
            subscribed_at: a.subscribed_at,
            trial_ends_at: a.trial_ends_at,
            second_factor_required_from: a.second_factor_required_from,
            access_reason_required: a.access_reason_required,
        }
    }
}

/// A person's user row inside one account.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct User {
    /// The user's id (one person has one user per account).
    pub id: ID,
    /// The email the user logs in with, lower-cased.
    pub email: String,
    /// The person's name.
    pub name: String,
    /// Their role in `account`.
    pub role: Role,
    /// False once deactivated: an inactive user cannot log in.
    pub active: bool,
    /// The account this user belongs to.
    pub account: Account,
    /// Members of a partner firm: which of the firm's clients they see (the owner: all);
    /// null for other accounts.
    pub client_scope: Option<ClientScope>,
    #[graphql(skip)]
    pub(crate) user_id: i64,
    #[graphql(skip)]
    pub(crate) account_id: i64,
}

impl User {
    pub fn new(u: &user::Model, account: &account::Model) -> Self {
        User {
            id: ID(u.id.to_string()),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.into(),
            active: u.active,
            account: account.into(),
            client_scope: (account.kind == entity::AccountKind::Partner).then(|| {
                if u.role == entity::Role::Owner {
                    ClientScope::AllClients
                } else {
                    u.client_scope.into()
                }
            }),
            user_id: u.id,
            account_id: account.id,
        }
    }
}

/// A new session: send `token` as `Authorization: Bearer <token>`.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuthPayload {
    /// The session token; a secret, shown once. Empty for the web app, which gets the
    /// session as a cookie its scripts cannot read (calls with `X-Partner-Dashboard`).
    pub token: String,
    /// When the session ends (sessions also end at log-out, a password change or
    /// deactivation).
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
    /// True when the token is only a pending one: the password was right and
    /// `verifySecondFactor` must follow (5 minutes, 5 tries); every other operation
    /// answers SECOND_FACTOR_REQUIRED.
    pub second_factor_required: bool,
    /// The kinds of second factor the person can use for that step; empty otherwise.
    pub second_factor_kinds: Vec<SecondFactorKind>,
}

impl AuthPayload {
    /// The new session as the caller receives it: an API client takes the token; the web
    /// app (a call with `X-Partner-Dashboard`) gets it as an `HttpOnly` cookie, `which`
    /// of its two sessions, and the answer's `token` is empty.
    pub(crate) fn hand_out(
        ctx: &Context<'_>,
        s: crate::services::accounts::SignedIn,
        which: cookie::Which,
    ) -> Self {
        Self::give(ctx, s, which, which == Which::Main)
    }

    /// The caller's own session renewed in place (`stepUp`): its cookie again with its
    /// end; the same person's client-account session in this browser stays open.
    pub(crate) fn renewed(ctx: &Context<'_>, s: crate::services::accounts::SignedIn) -> Self {
        Self::give(ctx, s, Which::Main, false)
    }

    fn give(
        ctx: &Context<'_>,
        s: crate::services::accounts::SignedIn,
        which: cookie::Which,
        new_person: bool,
    ) -> Self {
        let mut token = s.token.expose().to_owned();
        if let Some(mode) = ctx.data_opt::<cookie::CookieMode>() {
            let mut cookies = cookie::set(*mode, which, &token, s.expires_at);
            if new_person {
                // A new person in this browser: no client session of someone else's stays.
                cookies.extend(cookie::clear(*mode, Which::Client));
            }
            for c in cookies {
                ctx.append_http_header(SET_COOKIE, cookie::header_value(&c));
            }
            token.clear();
        }
        AuthPayload {
            token,
            expires_at: s.expires_at,
            user: User::new(&s.user, &s.account),
            second_factor_required: !s.second_step.is_empty(),
            second_factor_kinds: s.second_step.iter().map(|k| (*k).into()).collect(),
        }
    }
}

/// A new account and its owner.
#[derive(InputObject, Debug)]
pub struct SignUpInput {
    /// The company's name (1–200 characters).
    pub company_name: String,
    /// The owner's name (1–200 characters).
    pub name: String,
    /// The owner's email; they log in with it.
    pub email: String,
    /// At least 10 characters, at most 128.
    pub password: String,
    /// True for an accounting or bookkeeping firm (a PARTNER account); false for a
    /// business (a CLIENT account on a free trial).
    pub is_accountant_or_bookkeeper: bool,
    /// code from a partner's unique invite link
    pub partner_code: Option<String>,
}

#[derive(Default)]
pub struct AccountsQuery;

/// The signed-in person and the people of their account.
#[Object]
impl AccountsQuery {
    /// The signed-in user and their account; null when no session is sent.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match viewer(ctx) {
            Viewer::Anonymous => Ok(None),
            Viewer::InvalidToken => Err(ApiError::unauthenticated().into()),
            Viewer::User(v) => Ok(Some(User::new(&v.user, &v.account))),
            Viewer::Pending(_) => Err(second_factor_required().into()),
        }
    }

    /// The users of the signed-in user's account.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let v = require_user(ctx)?;
        let rows = accounts::users_of(&state(ctx).db, v.account.id).await?;
        Ok(rows.iter().map(|u| User::new(u, &v.account)).collect())
    }
}

#[derive(Default)]
pub struct AccountsMutation;

/// Signing up, in and out.
#[Object]
impl AccountsMutation {
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
        limit(ctx, Bucket::SignupIp, &client_ip(ctx)).await?;
        let email = email("email", &input.email)?;
        let owner = NewOwner {
            company_name: parse_company_name("companyName", &input.company_name)?,
            name: parse_person_name("name", &input.name)?,
            password: password("password", &input.password)?,
        };
        spend_password_hash(ctx)?;
        if let Some(code) = input.partner_code.as_deref() {
            let s = onboarding::sign_up_with_code(st, &meta(ctx), code, email, owner).await?;
            return Ok(AuthPayload::hand_out(ctx, s, Which::Main));
        }
        let parsed = SignUp {
            company_name: owner.company_name,
            name: owner.name,
            email,
            password: owner.password,
            is_accountant_or_bookkeeper: input.is_accountant_or_bookkeeper,
        };
        let s = accounts::sign_up(st, parsed).await?;
        Ok(AuthPayload::hand_out(ctx, s, Which::Main))
    }

    /// Signs in. `companyId` picks the account when the email belongs to several; without
    /// it the person's partner account (or their only account) is used. A firm person's
    /// seat in a client account has no password of its own: signing in there checks the
    /// person's own password, and works only while they are an active OWNER or ADMIN of
    /// the firm (SPEC §12).
    ///
    /// Errors: UNAUTHENTICATED (wrong email or password, an inactive user: one message for
    /// all), FORBIDDEN (the right password, for a seat whose person the firm deactivated
    /// or made MANAGER or EMPLOYEE), BAD_USER_INPUT (a malformed `companyId`),
    /// RATE_LIMITED (too many failed attempts for this email or from this address).
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
        match accounts::log_in(
            state(ctx),
            &meta(ctx),
            &email,
            &password,
            company_id.as_deref(),
        )
        .await
        {
            // A wrong email or password keeps its tokens: the failure is counted.
            Err(e @ ApiError::Unauthenticated(_)) => Err(e.into()),
            other => {
                budget.give_back(ctx).await;
                Ok(AuthPayload::hand_out(ctx, other?, Which::Main))
            }
        }
    }

    /// Ends the current session (for the web app, also its cookie).
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session).
    async fn log_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let v = match viewer(ctx) {
            // A pending token ends too: the person gave up on the second step.
            Viewer::Pending(v) => v,
            _ => require_enrolling(ctx)?,
        };
        session::close(&state(ctx).db, v.session_id).await?;
        state(ctx).sessions_changed(&[v.user.id]).await;
        if let Some(mode) = ctx.data_opt::<cookie::CookieMode>() {
            for c in cookie::clear(*mode, mode.which) {
                ctx.append_http_header(SET_COOKIE, cookie::header_value(&c));
            }
        }
        Ok(true)
    }
}
