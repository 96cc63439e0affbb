//! Passkeys as a second factor (SPEC §12): enrolling one (options for the browser's
//! `navigator.credentials.create`, then its answer checked and kept), and the options
//! for `navigator.credentials.get` at the second step or at step-up. The assertion that
//! comes back is checked by `two_step`, with a code's rules (tries, failure limits).
//! The WebAuthn checks themselves are `auth::passkey`.

use super::After;
use super::AppState;
use super::audit::RequestMeta;
use super::second_factors::{
    FactorKind, FactorView, just_verified, label_or, may_add_factor, not_from_a_partner_session,
    person_of, record, tell,
};
use crate::auth::passkey::{PasskeyError, parse_passkey};
use crate::auth::session::ViewerUser;
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{AuditAction, passkey_challenge, second_factor};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use webauthn_rs::prelude::Passkey;

/// A ceremony begun: its id and the options for the browser, as JSON.
pub struct Challenge {
    pub id: String,
    pub options_json: String,
}

/// The passkeys of `person_id`, each with its factor id.
async fn passkeys_of<C: ConnectionTrait>(
    conn: &C,
    person_id: i64,
) -> ApiResult<Vec<(i64, Passkey)>> {
    Ok(second_factor::of_user(conn, person_id)
        .await?
        .into_iter()
        .filter(|f| f.kind == second_factor::PASSKEY)
        .filter_map(|f| Some((f.id, parse_passkey(f.secret.as_deref()?)?)))
        .collect())
}

/// Keeps a ceremony's state for this session and answers its id.
async fn keep(
    state: &AppState,
    v: &ViewerUser,
    person_id: i64,
    purpose: &str,
    kept: String,
    options_json: String,
) -> ApiResult<Challenge> {
    let now = Utc::now();
    let id = uuid::Uuid::new_v4().to_string();
    let txn = entity::db::begin_write(&state.db).await?;
    passkey_challenge::sweep(&txn, (person_id, v.session_id), purpose, now).await?;
    passkey_challenge::Entity::insert(passkey_challenge::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(person_id),
        session_id: Set(v.session_id),
        purpose: Set(purpose.to_owned()),
        state: Set(kept),
        expires_at: Set(now + chrono::Duration::minutes(passkey_challenge::TTL_MINUTES)),
    })
    .exec(&txn)
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(Challenge { id, options_json })
}

/// `beginPasskeyEnrolment`: options for `navigator.credentials.create`; the passkeys
/// the person has already are excluded. A person who has a factor must have verified
/// one within `STEP_UP_WINDOW` (`may_add_factor`).
pub async fn begin_enrolment(state: &AppState, v: &ViewerUser) -> ApiResult<Challenge> {
    not_from_a_partner_session(v)?;
    let (person, _) = person_of(&state.db, v).await?;
    may_add_factor(state, v, person.id).await?;
    let have: Vec<Passkey> = passkeys_of(&state.db, person.id)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let (options, kept) = state
        .passkeys
        .begin_enrolment(person.id, &person.email, &person.name, &have)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("passkey options: {e}")))?;
    keep(state, v, person.id, passkey_challenge::ENROL, kept, options).await
}

/// `finishPasskeyEnrolment`: what `navigator.credentials.create` answered, checked
/// against the challenge this session began; the passkey then works as a second
/// factor, and this session counts as having just verified one. The person is emailed.
pub async fn finish_enrolment(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    challenge_id: &str,
    credential_json: &str,
    label: Option<&str>,
) -> ApiResult<FactorView> {
    not_from_a_partner_session(v)?;
    let label = label_or(label, "Passkey")?;
    let (person, firm) = person_of(&state.db, v).await?;
    may_add_factor(state, v, person.id).await?;
    let now = Utc::now();
    let challenge = passkey_challenge::take(
        &state.db,
        challenge_id,
        v.session_id,
        passkey_challenge::ENROL,
        now,
    )
    .await?
    .ok_or_else(no_such_challenge)?;
    let (kept, _) = state
        .passkeys
        .finish_enrolment(&challenge.state, credential_json)
        .map_err(|e| match e {
            PasskeyError::Malformed(_) => ApiError::bad_input("credentialJson", e.to_string()),
            PasskeyError::Rejected => ApiError::bad_input(
                "credentialJson",
                "the passkey was not accepted: it does not answer this challenge from this site",
            ),
        })?;
    let txn = entity::db::begin_write(&state.db).await?;
    let row = second_factor::Entity::insert(second_factor::ActiveModel {
        user_id: Set(person.id),
        kind: Set(second_factor::PASSKEY.to_owned()),
        label: Set(label.clone()),
        secret: Set(Some(kept)),
        confirmed: Set(true),
        last_step: Set(None),
        created_at: Set(now),
        last_used_at: Set(Some(now)),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    just_verified(&txn, v, now).await?;
    let what = format!("A second factor was added: \"{label}\"");
    tell(&txn, &person, &firm, &what, now).await?;
    record(
        &txn,
        v,
        meta,
        &firm,
        AuditAction::UserSecondFactorAdded,
        format!("{} added a passkey (“{label}”)", person.email),
    )
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(FactorView {
        id: Some(row.last_insert_id),
        kind: FactorKind::Passkey,
        label,
        created_at: now,
        last_used_at: Some(now),
    })
}

/// `beginPasskeyVerification`: options for `navigator.credentials.get` over the
/// person's passkeys, for a pending token's second step or a signed-in session's
/// step-up.
pub async fn begin_verification(state: &AppState, v: &ViewerUser) -> ApiResult<Challenge> {
    not_from_a_partner_session(v)?;
    let (person, _) = person_of(&state.db, v).await?;
    let passkeys: Vec<Passkey> = passkeys_of(&state.db, person.id)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if passkeys.is_empty() {
        return Err(ApiError::bad_input(
            "",
            "you have no passkey: give a code from your authenticator app or a recovery code",
        ));
    }
    let (options, kept) = state
        .passkeys
        .begin_verification(&passkeys)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("passkey options: {e}")))?;
    keep(
        state,
        v,
        person.id,
        passkey_challenge::VERIFY,
        kept,
        options,
    )
    .await
}

/// Takes (uses up) the verification challenge `challenge_id` of `session_id`: its kept
/// state, or `None` when it is unknown, of another session, used or expired.
pub(super) async fn take_verification(
    state: &AppState,
    session_id: i64,
    challenge_id: &str,
) -> ApiResult<Option<String>> {
    Ok(passkey_challenge::take(
        &state.db,
        challenge_id,
        session_id,
        passkey_challenge::VERIFY,
        Utc::now(),
    )
    .await?
    .map(|c| c.state))
}

/// Checks an assertion against a taken challenge's `kept` state: true when it proves
/// one of `person_id`'s passkeys (whose signature counter is then kept).
pub(super) async fn use_assertion<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    person_id: i64,
    kept: &str,
    assertion_json: &str,
) -> ApiResult<bool> {
    let passkeys = passkeys_of(conn, person_id).await?;
    let Ok((id, updated)) = state
        .passkeys
        .finish_verification(kept, assertion_json, &passkeys)
    else {
        return Ok(false);
    };
    second_factor::Entity::update_many()
        .col_expr(second_factor::Column::Secret, Expr::value(updated))
        .col_expr(second_factor::Column::LastUsedAt, Expr::value(Utc::now()))
        .filter(second_factor::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(true)
}

fn no_such_challenge() -> ApiError {
    ApiError::bad_input(
        "challengeId",
        "no passkey enrolment under way with that id in this session: it was used or took over 5 minutes; start again",
    )
}
