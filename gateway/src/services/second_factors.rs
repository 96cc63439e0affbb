//! A person's second factors (SPEC §12): enrolling an authenticator app (TOTP), recovery
//! codes, listing and removing factors, the firm's policy and the owner's reset. The
//! factors belong to the person's identity: for a seat in a client account, to the firm
//! user behind it (`entity::user::whose_password`). Checking a code at log-in and at
//! step-up is `two_step`.

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use crate::auth::session::{self, ViewerUser};
use crate::auth::totp;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{AccountKind, AuditAction, account, recovery_code, second_factor, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub use super::recovery_codes::RECOVERY_CODES;
use super::recovery_codes::new_recovery_codes;

/// A kind of second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    Totp,
    Passkey,
    RecoveryCode,
}

/// One factor as the person sees it in their list.
#[derive(Debug, Clone)]
pub struct FactorView {
    /// `None` for the recovery codes, listed as one entry.
    pub id: Option<i64>,
    pub kind: FactorKind,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The person whose factors a session's user has: the user itself, or the firm person
/// behind a seat.
pub async fn person_of<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
) -> ApiResult<(user::Model, account::Model)> {
    Ok(user::whose_password(conn, &v.user, &v.account).await?)
}

/// The kinds of factor `person_id` can give at a second step; empty when none.
pub async fn kinds_of<C: ConnectionTrait>(conn: &C, person_id: i64) -> ApiResult<Vec<FactorKind>> {
    let factors = second_factor::of_user(conn, person_id).await?;
    let mut kinds = Vec::new();
    if factors.iter().any(|f| f.kind == second_factor::TOTP) {
        kinds.push(FactorKind::Totp);
    }
    if factors.iter().any(|f| f.kind == second_factor::PASSKEY) {
        kinds.push(FactorKind::Passkey);
    }
    if !kinds.is_empty() && recovery_code::left(conn, person_id).await? > 0 {
        kinds.push(FactorKind::RecoveryCode);
    }
    Ok(kinds)
}

/// Whether `person` of `firm` must enrol a factor before anything else: support staff
/// always, a partner firm's members from the firm's `secondFactorRequiredFrom`.
pub fn must_enrol(firm: &account::Model, now: DateTime<Utc>) -> bool {
    match firm.kind {
        AccountKind::Staff => true,
        AccountKind::Partner => firm
            .second_factor_required_from
            .is_some_and(|from| from <= now),
        AccountKind::Client => false,
    }
}

/// `person`'s factors as they list them: each authenticator and passkey, and the
/// recovery codes as one entry saying how many are left.
pub async fn list<C: ConnectionTrait>(conn: &C, person_id: i64) -> ApiResult<Vec<FactorView>> {
    let mut out: Vec<FactorView> = second_factor::of_user(conn, person_id)
        .await?
        .into_iter()
        .map(|f| FactorView {
            id: Some(f.id),
            kind: if f.kind == second_factor::TOTP {
                FactorKind::Totp
            } else {
                FactorKind::Passkey
            },
            label: f.label,
            created_at: f.created_at,
            last_used_at: f.last_used_at,
        })
        .collect();
    let codes = recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(person_id))
        .all(conn)
        .await?;
    if let Some(first) = codes.first() {
        let left = codes.iter().filter(|c| c.used_at.is_none()).count();
        out.push(FactorView {
            id: None,
            kind: FactorKind::RecoveryCode,
            label: format!("Recovery codes: {left} of {RECOVERY_CODES} left"),
            created_at: first.created_at,
            last_used_at: codes.iter().filter_map(|c| c.used_at).max(),
        });
    }
    Ok(out)
}

/// `beginTotpEnrolment`: a new secret for the caller's person, stored sealed and not yet
/// working; any earlier unconfirmed one is dropped.
pub async fn begin_totp(state: &AppState, v: &ViewerUser) -> ApiResult<totp::Enrolment> {
    not_from_a_partner_session(v)?;
    let (person, _) = person_of(&state.db, v).await?;
    may_add_factor(state, v, person.id).await?;
    let secret = totp::new_secret();
    let txn = entity::db::begin_write(&state.db).await?;
    second_factor::Entity::delete_many()
        .filter(second_factor::Column::UserId.eq(person.id))
        .filter(second_factor::Column::Confirmed.eq(false))
        .exec(&txn)
        .await?;
    second_factor::Entity::insert(second_factor::ActiveModel {
        user_id: Set(person.id),
        kind: Set(second_factor::TOTP.to_owned()),
        label: Set("Authenticator app".to_owned()),
        secret: Set(Some(state.secrets.seal(&secret))),
        confirmed: Set(false),
        last_step: Set(None),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(totp::enrolment(&secret, &person.email))
}

/// `confirmTotpEnrolment`: the pending secret works once a current code from it is
/// given. Answers 10 fresh recovery codes (the old ones stop working), shown once. An
/// enrol-only session becomes a full one, its factor just verified.
pub async fn confirm_totp(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    code: &str,
    label: Option<&str>,
) -> ApiResult<Vec<String>> {
    not_from_a_partner_session(v)?;
    let (person, firm) = person_of(&state.db, v).await?;
    may_add_factor(state, v, person.id).await?;
    let pending = second_factor::Entity::find()
        .filter(second_factor::Column::UserId.eq(person.id))
        .filter(second_factor::Column::Confirmed.eq(false))
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input(
                "code",
                "start with beginTotpEnrolment: no authenticator app is waiting to be confirmed",
            )
        })?;
    let label = label_or(label, &pending.label)?;
    let secret = open_secret(state, &pending)?;
    let step = totp::matching_step(&secret, code, unix_now(), None).ok_or_else(|| {
        ApiError::bad_input(
            "code",
            "that code is not right: type the 6 digits your app shows now",
        )
    })?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    second_factor::Entity::update_many()
        .col_expr(second_factor::Column::Confirmed, Expr::value(true))
        .col_expr(second_factor::Column::LastStep, Expr::value(step))
        .col_expr(second_factor::Column::LastUsedAt, Expr::value(now))
        .col_expr(second_factor::Column::Label, Expr::value(label.clone()))
        .filter(second_factor::Column::Id.eq(pending.id))
        .exec(&txn)
        .await?;
    let codes = new_recovery_codes(&txn, person.id, now).await?;
    just_verified(&txn, v, now).await?;
    let what = format!("A second factor was added: \"{label}\"");
    tell(&txn, &person, &firm, &what, now).await?;
    record(
        &txn,
        v,
        meta,
        &firm,
        AuditAction::UserSecondFactorAdded,
        format!("{} added an authenticator app (“{label}”)", person.email),
    )
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(codes)
}

/// `regenerateRecoveryCodes`: 10 new codes; the old ones stop working. Needs a factor
/// verified within `STEP_UP_WINDOW`.
pub async fn regenerate_codes(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
) -> ApiResult<Vec<String>> {
    not_from_a_partner_session(v)?;
    let (person, firm) = person_of(&state.db, v).await?;
    if kinds_of(&state.db, person.id).await?.is_empty() {
        return Err(ApiError::bad_input(
            "",
            "add an authenticator app or a passkey first: recovery codes stand in for one",
        ));
    }
    fresh_factor(state, v)?;
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    let codes = new_recovery_codes(&txn, person.id, now).await?;
    record(
        &txn,
        v,
        meta,
        &firm,
        AuditAction::UserRecoveryCodesRegenerated,
        format!("{} made new recovery codes", person.email),
    )
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(codes)
}

/// `removeSecondFactor`: one of the caller's factors. Removing the last one (its
/// recovery codes go with it) needs a factor verified within `STEP_UP_WINDOW`.
pub async fn remove(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    id: i64,
) -> ApiResult<()> {
    not_from_a_partner_session(v)?;
    let (person, firm) = person_of(&state.db, v).await?;
    let factors = second_factor::of_user(&state.db, person.id).await?;
    let Some(f) = factors.iter().find(|f| f.id == id) else {
        return Err(ApiError::NotFound("no such second factor of yours".into()));
    };
    let last = factors.len() == 1;
    if last {
        fresh_factor(state, v)?;
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    second_factor::Entity::delete_by_id(f.id).exec(&txn).await?;
    if last {
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(person.id))
            .exec(&txn)
            .await?;
    }
    let what = format!("A second factor was removed: \"{}\"", f.label);
    tell(&txn, &person, &firm, &what, now).await?;
    record(
        &txn,
        v,
        meta,
        &firm,
        AuditAction::UserSecondFactorRemoved,
        format!("{} removed the second factor “{}”", person.email, f.label),
    )
    .await?;
    state.commit(txn, After::default()).await?;
    Ok(())
}

/// `resetSecondFactors`: the firm owner removes a member's factors and recovery codes
/// (a lost phone); the member's sessions end, in the firm's client accounts too.
pub async fn reset(
    state: &AppState,
    v: &ViewerUser,
    meta: &RequestMeta,
    user_id: i64,
) -> ApiResult<user::Model> {
    super::firm_owner(v, "resets members' second factors")?;
    let member = user::Entity::find_by_id(user_id)
        .filter(user::Column::AccountId.eq(v.account.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such user in your firm".into()))?;
    if member.id == v.user.id {
        return Err(ApiError::bad_input(
            "userId",
            "you cannot reset your own second factors: use a recovery code, or ask support",
        ));
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    second_factor::Entity::delete_many()
        .filter(second_factor::Column::UserId.eq(member.id))
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(member.id))
        .exec(&txn)
        .await?;
    session::close_all_of(&txn, member.id, None).await?;
    let mut ended = vec![member.id];
    ended.extend(session::end_client_sessions(&txn, v.account.id, &member).await?);
    let what = format!("{} removed your second factors", v.user.name);
    tell(&txn, &member, &v.account, &what, now).await?;
    record(
        &txn,
        v,
        meta,
        &v.account,
        AuditAction::UserSecondFactorsReset,
        format!(
            "removed the second factors of {}; their sessions ended",
            member.email
        ),
    )
    .await?;
    state
        .commit(
            txn,
            After {
                sessions: ended,
                ..Default::default()
            },
        )
        .await?;
    Ok(member)
}

// ---- shared

/// The name a person gave a factor, or `default`; at most 100 characters.
pub(super) fn label_or(label: Option<&str>, default: &str) -> ApiResult<String> {
    match label.map(str::trim) {
        Some("") | None => Ok(default.to_owned()),
        Some(l) if l.chars().count() > 100 => {
            Err(ApiError::bad_input("label", "at most 100 characters"))
        }
        Some(l) => Ok(l.to_owned()),
    }
}

/// The session `v` has just verified a factor it enrolled: an enrol-only one may now do
/// the rest, and step-up counts from now.
pub(super) async fn just_verified<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    entity::session::Entity::update_many()
        .col_expr(entity::session::Column::EnrolOnly, Expr::value(false))
        .col_expr(entity::session::Column::SecondFactorAt, Expr::value(now))
        .filter(entity::session::Column::Id.eq(v.session_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A session opened from a partner dashboard changes nothing of the person's sign-in.
pub(super) fn not_from_a_partner_session(v: &ViewerUser) -> ApiResult<()> {
    if v.opened_by.is_some() {
        return Err(ApiError::Forbidden(
            "this session was opened from your partner dashboard: manage your second factors there"
                .into(),
        ));
    }
    Ok(())
}

/// Adding a factor to a person who has one changes how they sign in, and the session
/// that adds it counts as having just verified one: it needs a factor verified within
/// `STEP_UP_WINDOW` (`STEP_UP_REQUIRED`), so a session left open cannot add an
/// authenticator of its own and step up with it. A person's first factor needs none.
pub(super) async fn may_add_factor(
    state: &AppState,
    v: &ViewerUser,
    person_id: i64,
) -> ApiResult<()> {
    if second_factor::of_user(&state.db, person_id)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    fresh_factor(state, v)
}

/// `STEP_UP_REQUIRED` unless this session verified a factor within `STEP_UP_WINDOW`.
pub fn fresh_factor(state: &AppState, v: &ViewerUser) -> ApiResult<()> {
    let window = chrono::Duration::from_std(state.config.step_up_window)
        .unwrap_or(chrono::Duration::minutes(15));
    if v.second_factor_at
        .is_some_and(|at| at + window > Utc::now())
    {
        return Ok(());
    }
    Err(ApiError::Refused {
        code: "STEP_UP_REQUIRED",
        message: format!(
            "verify your second factor again first (stepUp): it was not verified in the last {} minutes",
            window.num_minutes()
        ),
    })
}

/// The plain secret of a TOTP factor.
pub(super) fn open_secret(state: &AppState, f: &second_factor::Model) -> ApiResult<Vec<u8>> {
    f.secret
        .as_deref()
        .and_then(|s| state.secrets.open(s))
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("TOTP secret {} does not open with the configured key (TOTP_ENCRYPTION_KEY changed?)", f.id)))
}

pub(super) fn unix_now() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

/// Emails `person` that `what` happened to how they sign in (a factor added or removed,
/// a reset, a new password: `passwords::change` too).
pub(super) async fn tell<C: ConnectionTrait>(
    conn: &C,
    person: &user::Model,
    firm: &account::Model,
    what: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    entity::delivery::queue_mail(
        conn,
        Some(firm.id),
        &entity::mail::Mail::SecurityNotice {
            to: person.email.clone(),
            name: person.name.clone(),
            company_name: firm.name.clone(),
            what: what.to_owned(),
            at: now.format("%Y-%m-%d %H:%M UTC").to_string(),
        },
    )
    .await?;
    Ok(())
}

/// An audit entry in the person's firm (or account).
pub(super) async fn record<C: ConnectionTrait>(
    conn: &C,
    v: &ViewerUser,
    meta: &RequestMeta,
    firm: &account::Model,
    action: AuditAction,
    detail: String,
) -> ApiResult<()> {
    audit::record(
        conn,
        Some(v),
        meta,
        Entry {
            account_id: Some(firm.id),
            partner_account_id: entity::client::partner_of(conn, firm).await?,
            detail: Some(detail),
            ..Entry::of(action)
        },
    )
    .await
}
