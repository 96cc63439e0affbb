//! Second factors (SPEC §12): the second step of a log-in, step-up, enrolling an
//! authenticator app, recovery codes, listing and removing factors, the firm's policy
//! and the owner's reset. The rules are `services::second_factors` and
//! `services::two_step`.

use super::accounts::{AuthPayload, SecondFactorKind, User};
use super::context::{
    FailureBudget, meta, parse_id, require_enrolling, require_user, state, viewer,
};
use crate::auth::Viewer;
use crate::auth::cookie::Which;
use crate::auth::session::PresentedToken;
use crate::error::ApiError;
use crate::services::passkeys;
use crate::services::second_factors::{self as factors, FactorView};
use crate::services::two_step::{self, Proof};
use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// One of a person's second factors.
#[derive(SimpleObject, Clone, Debug)]
pub struct SecondFactor {
    /// Its id, for `removeSecondFactor` (the recovery codes' entry: "recovery-codes",
    /// which `regenerateRecoveryCodes` renews).
    pub id: ID,
    /// What it is.
    pub kind: SecondFactorKind,
    /// The person's name for it; for recovery codes, how many are left.
    pub label: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last let the person in; null if never.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<FactorView> for SecondFactor {
    fn from(f: FactorView) -> Self {
        SecondFactor {
            id: ID(f
                .id
                .map_or_else(|| "recovery-codes".to_owned(), |i| i.to_string())),
            kind: f.kind.into(),
            label: f.label,
            created_at: f.created_at,
            last_used_at: f.last_used_at,
        }
    }
}

/// A new authenticator-app secret, not working until `confirmTotpEnrolment`.
#[derive(SimpleObject, Clone, Debug)]
pub struct TotpEnrolment {
    /// base32 secret, shown once
    pub secret: String,
    /// otpauth:// URI for an authenticator app
    pub otpauth_uri: String,
    /// the same URI as an SVG QR code
    pub qr_svg: String,
}

/// A passkey ceremony begun: pass `optionsJson` to the browser
/// (`PublicKeyCredential.parseCreationOptionsFromJSON` or `…RequestOptionsFromJSON` of
/// its `publicKey`), and its answer back with `challengeId`. Good for 5 minutes, once.
#[derive(SimpleObject, Clone, Debug)]
pub struct PasskeyChallenge {
    /// Which ceremony this is, for `finishPasskeyEnrolment` or `verifySecondFactor` and
    /// `stepUp`.
    pub challenge_id: ID,
    /// the options for navigator.credentials.create or .get, as JSON
    pub options_json: String,
}

impl From<passkeys::Challenge> for PasskeyChallenge {
    fn from(c: passkeys::Challenge) -> Self {
        PasskeyChallenge {
            challenge_id: ID(c.id),
            options_json: c.options_json,
        }
    }
}

#[ComplexObject]
impl User {
    /// The person's second factors: on `me` and for the firm owner reading the firm's
    /// users; empty elsewhere.
    async fn second_factors(&self, ctx: &Context<'_>) -> Result<Vec<SecondFactor>> {
        let Viewer::User(v) = viewer(ctx) else {
            return Ok(Vec::new());
        };
        let db = &state(ctx).db;
        let person = if v.user.id == self.user_id {
            factors::person_of(db, v).await?.0.id
        } else if v.account.id == self.account_id
            && v.account.kind == entity::AccountKind::Partner
            && v.user.role == entity::Role::Owner
            && v.opened_by.is_none()
        {
            self.user_id
        } else {
            return Ok(Vec::new());
        };
        Ok(factors::list(db, person)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(Default)]
pub struct SecondFactorsMutation;

/// The second step, step-up and a person's own factors.
#[Object]
impl SecondFactorsMutation {
    /// With a pending token (from `logIn` with `secondFactorRequired`): a code from an
    /// authenticator app or a recovery code, or a passkey's assertion for a challenge
    /// from `beginPasskeyVerification`. Answers a working session in the pending token's
    /// place.
    ///
    /// Errors: UNAUTHENTICATED (no pending token, an expired one, or the fifth wrong
    /// proof, which ends it), BAD_USER_INPUT (the code or the passkey is not right: which
    /// factor a code was meant for is not said; both a code and a passkey, or neither),
    /// RATE_LIMITED (wrong proofs count as failed log-ins).
    async fn verify_second_factor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "6 digits from the authenticator app, or a recovery code")] code: Option<
            String,
        >,
        #[graphql(desc = "the `challengeId` from `beginPasskeyVerification`")] challenge_id: Option<
            ID,
        >,
        #[graphql(desc = "what `navigator.credentials.get` answered, as JSON (its `toJSON()`)")]
        assertion_json: Option<String>,
    ) -> Result<AuthPayload> {
        let Viewer::Pending(pending) = viewer(ctx) else {
            return Err(ApiError::Unauthenticated(
                "verifySecondFactor takes the pending token logIn answered with secondFactorRequired: log in first".into(),
            )
            .into());
        };
        let proof = the_proof(code, challenge_id, assertion_json)?;
        let budget = FailureBudget::take(ctx, &pending.user.email).await?;
        match two_step::verify(state(ctx), pending, &meta(ctx), &proof).await {
            // A wrong code keeps its tokens: the failure is counted.
            Err(e @ (ApiError::BadUserInput { .. } | ApiError::Unauthenticated(_))) => {
                Err(e.into())
            }
            other => {
                budget.give_back(ctx).await;
                Ok(AuthPayload::hand_out(ctx, other?, Which::Main))
            }
        }
    }

    /// A signed-in session verifies a second factor again (needed before
    /// `logInToClient` after `STEP_UP_WINDOW`, 15 minutes by default). The session
    /// stays the same (its token is answered again; open pages carry on) and counts as
    /// verified now.
    ///
    /// Errors: UNAUTHENTICATED, BAD_USER_INPUT (the code or passkey is not right, or no
    /// factor to verify), FORBIDDEN (a session opened with `logInToClient`), RATE_LIMITED.
    async fn step_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "6 digits from the authenticator app, or a recovery code")] code: Option<
            String,
        >,
        #[graphql(desc = "the `challengeId` from `beginPasskeyVerification`")] challenge_id: Option<
            ID,
        >,
        #[graphql(desc = "what `navigator.credentials.get` answered, as JSON (its `toJSON()`)")]
        assertion_json: Option<String>,
    ) -> Result<AuthPayload> {
        let v = require_user(ctx)?;
        let token = ctx
            .data_opt::<PresentedToken>()
            .ok_or_else(ApiError::unauthenticated)?
            .0
            .clone();
        let proof = the_proof(code, challenge_id, assertion_json)?;
        let budget = FailureBudget::take(ctx, &v.user.email).await?;
        match two_step::step_up(state(ctx), v, token, &meta(ctx), &proof).await {
            Err(
                e @ ApiError::BadUserInput {
                    field: Some("code" | "assertionJson"),
                    ..
                },
            ) => Err(e.into()),
            other => {
                budget.give_back(ctx).await;
                Ok(AuthPayload::renewed(ctx, other?))
            }
        }
    }

    /// A new authenticator-app secret for the caller, not active until confirmed (an
    /// unconfirmed earlier one is dropped). Works in a session that may only enrol. A
    /// person who has a factor already must have verified one within `STEP_UP_WINDOW`.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (a session opened with `logInToClient`),
    /// STEP_UP_REQUIRED (the person has a factor; `stepUp` first).
    async fn begin_totp_enrolment(&self, ctx: &Context<'_>) -> Result<TotpEnrolment> {
        let v = require_enrolling(ctx)?;
        let e = factors::begin_totp(state(ctx), v).await?;
        Ok(TotpEnrolment {
            secret: e.secret,
            otpauth_uri: e.uri,
            qr_svg: e.qr_svg,
        })
    }

    /// Confirms the authenticator app with a current code; answers 10 recovery codes,
    /// shown once (earlier ones stop working). The person is emailed; a session that
    /// could only enrol now works.
    ///
    /// Errors: UNAUTHENTICATED, BAD_USER_INPUT (`code` is not right, no enrolment
    /// begun, `label` over 100 characters), FORBIDDEN, STEP_UP_REQUIRED (the person has
    /// a factor and verified none within `STEP_UP_WINDOW`).
    async fn confirm_totp_enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the 6 digits the app shows now")] code: String,
        #[graphql(desc = "a name for it, e.g. \"Phone\" (default: Authenticator app)")]
        label: Option<String>,
    ) -> Result<Vec<String>> {
        let v = require_enrolling(ctx)?;
        Ok(factors::confirm_totp(state(ctx), v, &meta(ctx), &code, label.as_deref()).await?)
    }

    /// WebAuthn registration options for `navigator.credentials.create`: a passkey as a
    /// second factor (the passkeys the caller has are excluded). Works in a session that
    /// may only enrol. A person who has a factor already must have verified one within
    /// `STEP_UP_WINDOW`.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (a session opened with `logInToClient`),
    /// STEP_UP_REQUIRED (the person has a factor; `stepUp` first).
    async fn begin_passkey_enrolment(&self, ctx: &Context<'_>) -> Result<PasskeyChallenge> {
        let v = require_enrolling(ctx)?;
        Ok(passkeys::begin_enrolment(state(ctx), v).await?.into())
    }

    /// What `navigator.credentials.create` answered for a challenge of this session:
    /// the passkey works as a second factor from now, and this session counts as having
    /// just verified one (a session that could only enrol now works;
    /// `regenerateRecoveryCodes` gives recovery codes if there are none). The person is
    /// emailed.
    ///
    /// Errors: UNAUTHENTICATED, BAD_USER_INPUT (`challengeId` unknown, used or expired;
    /// `credentialJson` malformed or not answering the challenge from this site; `label`
    /// over 100 characters), FORBIDDEN, STEP_UP_REQUIRED (the person has a factor and
    /// verified none within `STEP_UP_WINDOW`).
    async fn finish_passkey_enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the `challengeId` from `beginPasskeyEnrolment`")] challenge_id: ID,
        #[graphql(desc = "what `navigator.credentials.create` answered, as JSON (its `toJSON()`)")]
        credential_json: String,
        #[graphql(desc = "a name for it, e.g. \"Laptop\" (default: Passkey)")] label: Option<
            String,
        >,
    ) -> Result<SecondFactor> {
        let v = require_enrolling(ctx)?;
        let f = passkeys::finish_enrolment(
            state(ctx),
            v,
            &meta(ctx),
            &challenge_id,
            &credential_json,
            label.as_deref(),
        )
        .await?;
        Ok(f.into())
    }

    /// WebAuthn request options for `navigator.credentials.get` over the caller's
    /// passkeys: with a pending token for the second step of logging in, or with a
    /// signed-in session for `stepUp`. The answer goes to `verifySecondFactor` or
    /// `stepUp` with the `challengeId`.
    ///
    /// Errors: UNAUTHENTICATED, BAD_USER_INPUT (no passkey), FORBIDDEN (a session
    /// opened with `logInToClient`).
    async fn begin_passkey_verification(&self, ctx: &Context<'_>) -> Result<PasskeyChallenge> {
        let v = match viewer(ctx) {
            Viewer::Pending(p) => &**p,
            other => crate::graphql::context::enrolling(other)?,
        };
        Ok(passkeys::begin_verification(state(ctx), v).await?.into())
    }

    /// Removes one of the caller's factors (its id from `me { secondFactors }`); removing
    /// the last one (its recovery codes go with it) needs a factor verified within
    /// `STEP_UP_WINDOW`. The person is emailed.
    ///
    /// Errors: UNAUTHENTICATED, NOT_FOUND (not a factor of yours), STEP_UP_REQUIRED,
    /// FORBIDDEN.
    async fn remove_second_factor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the factor's `id`")] id: ID,
    ) -> Result<bool> {
        let v = require_user(ctx)?;
        let id = parse_id("id", &id)?;
        factors::remove(state(ctx), v, &meta(ctx), id).await?;
        Ok(true)
    }

    /// New recovery codes (10, shown once); the old ones stop working. Needs a factor
    /// verified within `STEP_UP_WINDOW`.
    ///
    /// Errors: UNAUTHENTICATED, BAD_USER_INPUT (no factor yet), STEP_UP_REQUIRED,
    /// FORBIDDEN.
    async fn regenerate_recovery_codes(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let v = require_user(ctx)?;
        Ok(factors::regenerate_codes(state(ctx), v, &meta(ctx)).await?)
    }

    /// Partner OWNER: removes a member's second factors and recovery codes (a lost
    /// phone); audited, the member is emailed, and their sessions end.
    ///
    /// Errors: UNAUTHENTICATED, FORBIDDEN (not the owner of a partner firm), NOT_FOUND
    /// (not a user of your firm), BAD_USER_INPUT (yourself).
    async fn reset_second_factors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "the member's user `id`")] user_id: ID,
    ) -> Result<User> {
        let v = require_user(ctx)?;
        let id = parse_id("userId", &user_id)?;
        let member = factors::reset(state(ctx), v, &meta(ctx), id).await?;
        Ok(User::new(&member, &v.account))
    }
}

/// What a second step gives: a code, or a passkey's assertion with its challenge.
fn the_proof(
    code: Option<String>,
    challenge_id: Option<ID>,
    assertion_json: Option<String>,
) -> Result<Proof, ApiError> {
    let code = code.filter(|c| !c.trim().is_empty());
    match (code, challenge_id, assertion_json) {
        (Some(code), None, None) => Ok(Proof::Code(code)),
        (None, Some(challenge_id), Some(assertion_json)) => Ok(Proof::Passkey {
            challenge_id: challenge_id.0,
            assertion_json,
        }),
        (None, Some(_), None) => Err(ApiError::bad_input(
            "assertionJson",
            "give what navigator.credentials.get answered for the challenge",
        )),
        (None, None, Some(_)) => Err(ApiError::bad_input(
            "challengeId",
            "give the challengeId from beginPasskeyVerification",
        )),
        (None, None, None) => Err(ApiError::bad_input(
            "code",
            "give the 6 digits from your authenticator app, a recovery code, or a passkey",
        )),
        _ => Err(ApiError::bad_input(
            "code",
            "give a code or a passkey, not both",
        )),
    }
}
