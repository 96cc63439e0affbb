//! The second step (SPEC §12): after the right password, a person with a second factor
//! holds a pending token (5 minutes, 5 tries) that only `verifySecondFactor` accepts; a
//! signed-in session verifies again with `stepUp` before entering client accounts after
//! `STEP_UP_WINDOW`. The proof is a code, an authenticator app's (each step once) or a
//! recovery code (each once), or a passkey's assertion (`passkeys`); which one failed is
//! never said.

use super::After;
use super::AppState;
use super::accounts::SignedIn;
use super::audit::{self, Entry, RequestMeta};
use super::recovery_codes::code_hash;
use super::second_factors::{open_secret, person_of, unix_now};
use crate::auth::session::{self, Stage, ViewerUser};
use crate::auth::totp;
use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{AuditAction, SecretToken, recovery_code, second_factor, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Wrong codes a pending token takes before it ends.
pub const PENDING_TRIES: i32 = 5;

/// What a person gives at the second step or at step-up.
pub enum Proof {
    /// An authenticator app's code or a recovery code.
    Code(String),
    /// A passkey's answer (`navigator.credentials.get`, as JSON) to a challenge from
    /// `beginPasskeyVerification`.
    Passkey {
        challenge_id: String,
        assertion_json: String,
    },
}

/// What a wrong proof answers: for a code, nothing about which factor it was meant for.
fn wrong(proof: &Proof) -> ApiError {
    match proof {
        Proof::Code(_) => ApiError::bad_input("code", "that code is not right"),
        Proof::Passkey { .. } => ApiError::bad_input(
            "assertionJson",
            "that passkey was not accepted (or its challenge was used or is over 5 minutes old): try again",
        ),
    }
}

/// A proof ready to check: a passkey's challenge is taken (used up, whatever the answer)
/// before the check's transaction begins, as SQLite has one writer at a time.
enum Ready<'a> {
    Code(&'a str),
    /// The ceremony's kept state (`None`: unknown, used or expired) and the answer.
    Passkey {
        kept: Option<String>,
        assertion_json: &'a str,
    },
}

async fn ready<'a>(state: &AppState, session_id: i64, proof: &'a Proof) -> ApiResult<Ready<'a>> {
    Ok(match proof {
        Proof::Code(code) => Ready::Code(code),
        Proof::Passkey {
            challenge_id,
            assertion_json,
        } => Ready::Passkey {
            kept: super::passkeys::take_verification(state, session_id, challenge_id).await?,
            assertion_json,
        },
    })
}

/// Uses the proof of `person_id`: true when it was right.
async fn use_proof<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    person_id: i64,
    proof: Ready<'_>,
) -> ApiResult<bool> {
    match proof {
        Ready::Code(code) => use_code(conn, state, person_id, code).await,
        Ready::Passkey {
            kept: Some(kept),
            assertion_json,
        } => super::passkeys::use_assertion(conn, state, person_id, &kept, assertion_json).await,
        Ready::Passkey { kept: None, .. } => Ok(false),
    }
}

/// Uses `code` of `person_id` if it is right: a current authenticator code not used
/// before, or an unused recovery code. True when it was.
async fn use_code<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    person_id: i64,
    code: &str,
) -> ApiResult<bool> {
    let now = Utc::now();
    for f in second_factor::of_user(conn, person_id).await? {
        if f.kind != second_factor::TOTP {
            continue;
        }
        let secret = open_secret(state, &f)?;
        let Some(step) = totp::matching_step(&secret, code, unix_now(), f.last_step) else {
            continue;
        };
        // The step moves forward only: of two requests with one code, one wins.
        let won = second_factor::Entity::update_many()
            .col_expr(second_factor::Column::LastStep, Expr::value(step))
            .col_expr(second_factor::Column::LastUsedAt, Expr::value(now))
            .filter(second_factor::Column::Id.eq(f.id))
            .filter(
                sea_orm::Condition::any()
                    .add(second_factor::Column::LastStep.is_null())
                    .add(second_factor::Column::LastStep.lt(step)),
            )
            .exec(conn)
            .await?;
        return Ok(won.rows_affected == 1);
    }
    let used = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
        .filter(recovery_code::Column::UserId.eq(person_id))
        .filter(recovery_code::Column::CodeHash.eq(code_hash(code)))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(used.rows_affected == 1)
}

/// `verifySecondFactor` with a pending token: a full session in its place, its factor
/// just verified. A wrong code counts against the token's tries (and, by the caller,
/// the log-in failure limits); the last try ends the token.
pub async fn verify(
    state: &AppState,
    pending: &ViewerUser,
    meta: &RequestMeta,
    proof: &Proof,
) -> ApiResult<SignedIn> {
    let (person, firm) = person_of(&state.db, pending).await?;
    // A firm person's seat in a client account: the seat's rule again (the grant may
    // have ended since the password), and its end.
    let seat = pending.user.id != person.id;
    let grant_end = if seat {
        super::seat_rule::seat_may_open(&state.db, &person, &firm, &pending.user, &pending.account)
            .await?
    } else {
        None
    };
    let given = ready(state, pending.session_id, proof).await?;
    let txn = entity::db::begin_write(&state.db).await?;
    if !use_proof(&txn, state, person.id, given).await? {
        drop(txn);
        return Err(failed(state, pending, meta, &person, &firm, proof).await?);
    }
    session::close(&txn, pending.session_id).await?;
    let mut s = SignedIn::open_at(
        &txn,
        state,
        pending.user.clone(),
        pending.account.clone(),
        Stage::Full(Some(Utc::now())),
    )
    .await?;
    if seat {
        s.opened_on_seat(&txn, (&person, &firm), grant_end, meta)
            .await?;
    }
    state.commit(txn, After::default()).await?;
    Ok(s)
}

/// A wrong code at the second step: counted on the token (ended at the last try) and
/// audited. Answers the error to give.
async fn failed(
    state: &AppState,
    pending: &ViewerUser,
    meta: &RequestMeta,
    person: &user::Model,
    firm: &entity::account::Model,
    proof: &Proof,
) -> ApiResult<ApiError> {
    let txn = entity::db::begin_write(&state.db).await?;
    entity::session::Entity::update_many()
        .col_expr(
            entity::session::Column::Tries,
            Expr::col(entity::session::Column::Tries).add(1),
        )
        .filter(entity::session::Column::Id.eq(pending.session_id))
        .exec(&txn)
        .await?;
    let tries = entity::session::Entity::find_by_id(pending.session_id)
        .one(&txn)
        .await?
        .map_or(PENDING_TRIES, |s| s.tries);
    let ended = tries >= PENDING_TRIES;
    if ended {
        session::close(&txn, pending.session_id).await?;
    }
    audit::record_by(
        &txn,
        person.id,
        meta,
        Entry {
            account_id: Some(firm.id),
            partner_account_id: entity::client::partner_of(&txn, firm).await?,
            detail: Some(format!(
                "{} failed the second step of logging in ({tries} of {PENDING_TRIES})",
                person.email
            )),
            ..Entry::of(AuditAction::UserSecondFactorFailed)
        },
    )
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(if ended {
        ApiError::Unauthenticated(format!("{PENDING_TRIES} wrong codes: log in again"))
    } else {
        wrong(proof)
    })
}

/// `stepUp`: a signed-in session verifies a factor again; the same session (its token
/// `token`, so open pages and live connections carry on) counts as verified now.
pub async fn step_up(
    state: &AppState,
    v: &ViewerUser,
    token: SecretToken,
    meta: &RequestMeta,
    proof: &Proof,
) -> ApiResult<SignedIn> {
    if v.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "step up in your partner dashboard, not in a session opened from it".into(),
        ));
    }
    let (person, firm) = person_of(&state.db, v).await?;
    if second_factor::of_user(&state.db, person.id)
        .await?
        .is_empty()
    {
        return Err(ApiError::BadUserInput {
            message: "you have no second factor to verify: add one first".into(),
            field: None,
        });
    }
    let given = ready(state, v.session_id, proof).await?;
    let txn = entity::db::begin_write(&state.db).await?;
    if !use_proof(&txn, state, person.id, given).await? {
        drop(txn);
        audit::record(
            &state.db,
            Some(v),
            meta,
            Entry {
                account_id: Some(firm.id),
                partner_account_id: entity::client::partner_of(&state.db, &firm).await?,
                detail: Some(format!(
                    "{} failed the second step at step-up",
                    person.email
                )),
                ..Entry::of(AuditAction::UserSecondFactorFailed)
            },
        )
        .await?;
        return Err(wrong(proof));
    }
    entity::session::Entity::update_many()
        .col_expr(
            entity::session::Column::SecondFactorAt,
            Expr::value(Utc::now()),
        )
        .filter(entity::session::Column::Id.eq(v.session_id))
        .exec(&txn)
        .await?;
    state.commit(txn, After::default()).await?;
    Ok(SignedIn {
        token,
        expires_at: v.expires_at,
        user: v.user.clone(),
        account: v.account.clone(),
        second_step: Vec::new(),
    })
}
