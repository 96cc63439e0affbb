//! Inviting clients (SPEC §3): by email (one or many), by the partner's unique link, by the sign-up form; and accepting an invite.

use super::accounts::AuthPayload;
use super::client_list::Client;
use super::context::{client_ip, limit, meta, require_partner_admin, spend_password_hash, state};
use super::input::{email, int, parse_company_name, parse_person_name, password};
use crate::auth::cookie::Which;
use crate::ratelimit::Bucket;
use crate::services::invites;
use crate::services::onboarding::{self, NewOwner};
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};

/// A partner's unique invite link.
#[derive(SimpleObject, Clone, Debug)]
pub struct InviteLink {
    /// The link's code (`partnerCode` in `signUp`).
    pub code: String,
    /// The whole link to share: `PUBLIC_URL/join/{code}`.
    pub url: String,
}

/// The invitee's new account.
#[derive(InputObject, Debug)]
pub struct AcceptInviteInput {
    /// The client's company name (1–200 characters).
    pub company_name: String,
    /// The invitee's name (1–200 characters).
    pub name: String,
    /// At least 10 characters, at most 128.
    pub password: String,
}

/// The client account the sign-up form creates.
#[derive(InputObject, Debug)]
pub struct CreateClientAccountInput {
    /// The client's company name (1–200 characters).
    pub company_name: String,
    /// The client contact's name; they become the account's owner.
    pub contact_name: String,
    /// The client contact's email; they are emailed a link to set a password.
    pub contact_email: String,
}

/// One row of a bulk invite.
#[derive(InputObject, Debug)]
pub struct BulkInviteRow {
    /// The client's email.
    pub email: String,
    /// The client's company name, if known.
    pub company_name: Option<String>,
}

/// What happened to one row of a bulk invite.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum BulkInviteOutcome {
    /// Invited: listed as INVITED, its invite email on the way.
    Invited,
    /// A dry run: this row would be invited.
    WouldInvite,
    /// Already one of your clients: not invited again.
    AlreadyClient,
    /// A later copy of an email earlier in the batch (compared case-insensitively).
    DuplicateInBatch,
    /// Not invited: `message` says what is wrong.
    Invalid,
}

/// One row's result.
#[derive(SimpleObject, Clone, Debug)]
pub struct BulkInviteResult {
    /// 1-based position of the row in the request
    pub row: i32,
    /// The row's email (lower-cased when valid).
    pub email: String,
    /// What happened.
    pub outcome: BulkInviteOutcome,
    /// For INVALID rows, what is wrong; for skipped ones, why.
    pub message: Option<String>,
    /// The client row: the new one (INVITED) or the one already listed (ALREADY_CLIENT).
    pub client: Option<Client>,
}

/// The outcome of `inviteClients`, row by row and counted.
#[derive(SimpleObject, Clone, Debug)]
pub struct BulkInviteReport {
    /// One per row, in request order.
    pub results: Vec<BulkInviteResult>,
    /// Rows invited (0 in a dry run).
    pub invited: i32,
    /// Rows a dry run would invite (0 in a real run).
    pub would_invite: i32,
    /// Rows not invited because they are already clients or repeat an earlier row.
    pub skipped: i32,
    /// Rows refused as invalid.
    pub invalid: i32,
}

impl BulkInviteReport {
    pub fn new(
        rows: Vec<crate::services::bulk_invites::RowResult>,
        platform: entity::Platform,
    ) -> Self {
        use crate::services::bulk_invites::Outcome as O;
        let mut report = BulkInviteReport {
            results: Vec::with_capacity(rows.len()),
            invited: 0,
            would_invite: 0,
            skipped: 0,
            invalid: 0,
        };
        for r in rows {
            let (outcome, message, client) = match r.outcome {
                O::Invited(c) => {
                    report.invited += 1;
                    (BulkInviteOutcome::Invited, None, Some(c))
                }
                O::WouldInvite => {
                    report.would_invite += 1;
                    (BulkInviteOutcome::WouldInvite, None, None)
                }
                O::AlreadyClient(c) => {
                    report.skipped += 1;
                    let why = format!("{} is already one of your clients", c.email);
                    (BulkInviteOutcome::AlreadyClient, Some(why), Some(c))
                }
                O::DuplicateInBatch => {
                    report.skipped += 1;
                    let why = "the same email is on an earlier row".to_owned();
                    (BulkInviteOutcome::DuplicateInBatch, Some(why), None)
                }
                O::Invalid(why) => {
                    report.invalid += 1;
                    (BulkInviteOutcome::Invalid, Some(why), None)
                }
            };
            report.results.push(BulkInviteResult {
                row: int(r.row as u64),
                email: r.email,
                outcome,
                message,
                client: client.map(|c| Client::of(&c, entity::SeatAccess::default(), platform)),
            });
        }
        report
    }
}

#[derive(Default)]
pub struct InvitesQuery;

/// The partner's unique invite link.
#[Object]
impl InvitesQuery {
    /// The partner's unique invite link (created on first use).
    async fn invite_link(&self, ctx: &Context<'_>) -> Result<InviteLink> {
        let v = require_partner_admin(ctx)?;
        let st = state(ctx);
        let code = invites::invite_code(st, v).await?;
        Ok(InviteLink {
            url: invites::invite_url(st, &code),
            code,
        })
    }
}

#[derive(Default)]
pub struct InvitesMutation;

/// The three ways to invite a client, in bulk too, and accepting an invite.
#[Object]
impl InvitesMutation {
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
        limit(ctx, Bucket::Invites, &v.account.id.to_string()).await?;
        let company_name = match company_name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(parse_company_name("companyName", n)?),
        };
        let c = invites::invite_by_email(state(ctx), v, &meta(ctx), email, company_name).await?;
        Ok(Client::of(
            &c,
            entity::SeatAccess::default(),
            v.account.platform,
        ))
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
        let v = require_partner_admin(ctx)?;
        let rows: Vec<(String, Option<String>)> = rows
            .into_iter()
            .map(|r| (r.email, r.company_name))
            .collect();
        let dry_run = dry_run.unwrap_or(false);
        let results =
            crate::services::bulk_invites::invite(state(ctx), v, &meta(ctx), &rows, dry_run)
                .await?;
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
        limit(ctx, Bucket::ClientAccounts, &v.account.id.to_string()).await?;
        let c = onboarding::create_client_account(
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
            entity::SeatAccess {
                seat: Some(entity::PartnerSeat {
                    role: entity::Role::Admin,
                    active: true,
                }),
                grant: Some(entity::GrantState {
                    status: entity::GrantStatus::Active,
                    expires_at: None,
                }),
            },
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
        limit(ctx, Bucket::LinkIp, &client_ip(ctx)).await?;
        let owner = NewOwner {
            company_name: parse_company_name("companyName", &input.company_name)?,
            name: parse_person_name("name", &input.name)?,
            password: password("password", &input.password)?,
        };
        spend_password_hash(ctx)?;
        let s = onboarding::accept_invite(state(ctx), &meta(ctx), &token, owner).await?;
        Ok(AuthPayload::hand_out(ctx, s, Which::Main))
    }
}
