//! Sign-up, log-in, log-out and the users of an account (SPEC §1–2).

use super::After;
use super::AppState;
use super::audit::RequestMeta;
use super::second_factors;
use crate::auth::session::{self, Stage};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::user::{candidates_for, choose_account};
use entity::{
    AccountKind, CompanyId, CompanyName, Email, Password, PersonName, Platform, Role, SecretToken,
    account, user,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// A support staff session ends after this long at most, whatever `SESSION_TTL` says.
pub const STAFF_SESSION_TTL: std::time::Duration = std::time::Duration::from_secs(8 * 3600);

/// What `signUp` receives, already parsed at the edge.
#[derive(Debug)]
pub struct SignUp {
    pub company_name: CompanyName,
    pub name: PersonName,
    pub email: Email,
    pub password: Password,
    pub is_accountant_or_bookkeeper: bool,
}

/// A fresh session for a user row.
#[derive(Debug)]
pub struct SignedIn {
    pub token: SecretToken,
    pub expires_at: DateTime<Utc>,
    pub user: user::Model,
    pub account: account::Model,
    /// For a pending token (the right password; a second factor must follow): the kinds
    /// of factor the person can give. Empty for a session that works.
    pub second_step: Vec<super::second_factors::FactorKind>,
}

/// Inserts an account with a fresh random Company ID, retrying on the (rare) collision.
/// The unique index decides; an id once used is never handed out again.
pub async fn insert_account<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    kind: AccountKind,
    platform: Platform,
    trial_ends_at: Option<DateTime<Utc>>,
) -> ApiResult<account::Model> {
    let row = account::new_row(name, kind, platform, trial_ends_at, Utc::now());
    Ok(account::insert_with_new_company_id(conn, row).await?)
}

/// `signUp`: a partner account (accountant or bookkeeper) or a client account on a trial,
/// with the person as OWNER, a welcome email and a session, all in one transaction.
pub async fn sign_up(state: &AppState, input: SignUp) -> ApiResult<SignedIn> {
    let kind = if input.is_accountant_or_bookkeeper {
        AccountKind::Partner
    } else {
        AccountKind::Client
    };
    if kind == AccountKind::Partner && owns_partner_account(&state.db, &input.email).await? {
        return Err(ApiError::Conflict(format!(
            "{} already owns a partner account: log in instead",
            input.email
        )));
    }
    let hash = state.hasher.hash(&input.password).await?;
    let trial_ends_at = (kind == AccountKind::Client)
        .then(|| entity::client::trial_end(Utc::now(), state.config.worker.trial_length));
    // One transaction: the account, its owner, the welcome email (outbox) and the session.
    let txn = entity::db::begin_write(&state.db).await?;
    let account = insert_account(
        &txn,
        input.company_name.as_str(),
        kind,
        Platform::V2,
        trial_ends_at,
    )
    .await?;
    let user = insert_user(
        &txn,
        account.id,
        &input.email,
        input.name.as_str(),
        Some(hash),
        Role::Owner,
    )
    .await?;
    entity::delivery::queue_mail(
        &txn,
        Some(account.id),
        &entity::mail::Mail::Welcome {
            to: user.email.clone(),
            name: user.name.clone(),
            company_name: account.name.clone(),
            company_id: account.company_id.clone(),
            is_partner: kind == AccountKind::Partner,
        },
    )
    .await?;
    let signed_in = SignedIn::open(&txn, state, user, account).await?;
    state.commit(txn, After::default()).await?;
    tracing::info!(account_id = signed_in.account.id, kind = ?kind, "account signed up");
    Ok(signed_in)
}

async fn owns_partner_account<C: ConnectionTrait>(db: &C, email: &Email) -> ApiResult<bool> {
    let owners = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .filter(user::Column::Role.eq(Role::Owner))
        .all(db)
        .await?;
    if owners.is_empty() {
        return Ok(false);
    }
    let ids: Vec<i64> = owners.iter().map(|u| u.account_id).collect();
    let partner = account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .filter(account::Column::Kind.eq(AccountKind::Partner))
        .one(db)
        .await?;
    Ok(partner.is_some())
}

impl SignedIn {
    /// This session was just opened on the seat of `person` of `firm`: it ends no later
    /// than the grant (`grant_end`) and is in the client's access log unless it waits
    /// for the second step (`seat_rule::seat_session_opened`).
    pub(super) async fn opened_on_seat<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        person_and_firm: (&user::Model, &account::Model),
        grant_end: Option<DateTime<Utc>>,
        meta: &RequestMeta,
    ) -> ApiResult<()> {
        let opened = super::seat_rule::OpenedSeat {
            token: &self.token,
            expires_at: self.expires_at,
            seat_id: self.user.id,
            client_account_id: self.account.id,
            pending: !self.second_step.is_empty(),
        };
        self.expires_at =
            super::seat_rule::seat_session_opened(conn, opened, person_and_firm, grant_end, meta)
                .await?;
        Ok(())
    }

    /// Opens a session (`SESSION_TTL`) for `user` of `account`, on `conn` (the caller's
    /// transaction, when the user was just created in it).
    pub async fn open<C: ConnectionTrait>(
        conn: &C,
        state: &AppState,
        user: user::Model,
        account: account::Model,
    ) -> ApiResult<SignedIn> {
        Self::open_at(conn, state, user, account, Stage::Full(None)).await
    }

    /// [`open`](Self::open) at a [`Stage`]: a pending token lives 5 minutes.
    pub async fn open_at<C: ConnectionTrait>(
        conn: &C,
        state: &AppState,
        user: user::Model,
        account: account::Model,
        stage: Stage,
    ) -> ApiResult<SignedIn> {
        // Support staff work in short sessions (one working day at most).
        let ttl = match (stage, account.kind) {
            (Stage::Pending, _) => session::PENDING_TTL,
            (_, AccountKind::Staff) => state.config.session_ttl.min(STAFF_SESSION_TTL),
            _ => state.config.session_ttl,
        };
        let (token, expires_at) = session::open_at(conn, user.id, ttl, None, stage).await?;
        Ok(SignedIn {
            token,
            expires_at,
            user,
            account,
            second_step: Vec::new(),
        })
    }
}

/// Adds a user to an account, or `CONFLICT` when the account already has that email.
pub async fn insert_user<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
    email: &Email,
    name: &str,
    password_hash: Option<String>,
    role: Role,
) -> ApiResult<user::Model> {
    let row = user::new_row(account_id, email, name, password_hash, role, Utc::now());
    user::insert(conn, row)
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("{email} is already a user of this account")))
}

const WRONG_CREDENTIALS: &str = "wrong email or password";

fn wrong_credentials() -> ApiError {
    ApiError::Unauthenticated(WRONG_CREDENTIALS.into())
}

/// `logIn`. Unknown email, wrong password, an inactive user and a user with no password
/// yet all give the same error after the same amount of work.
pub async fn log_in(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    password: &str,
    company_id: Option<&str>,
) -> ApiResult<SignedIn> {
    let email = Email::parse(email).ok();
    let company_id = match company_id {
        Some(raw) => {
            Some(CompanyId::parse(raw).map_err(|e| ApiError::bad_input("companyId", e.0))?)
        }
        None => None,
    };
    let candidates = match &email {
        Some(email) => candidates_for(&state.db, email).await?,
        None => Vec::new(),
    };
    let chosen = choose_account(&candidates, company_id.as_ref());
    // A seat in a client account checks the person's own password (SPEC §12).
    let person = match chosen {
        Some((u, a)) => Some(user::whose_password(&state.db, u, a).await?),
        None => None,
    };
    let hash = person
        .as_ref()
        .and_then(|(p, _)| p.password_hash.as_deref());
    let ok = state.hasher.verify(password, hash).await?;
    let Some((user, account)) = chosen.filter(|_| ok).cloned() else {
        return Err(wrong_credentials());
    };
    let (person, firm) = person.unwrap_or_else(|| (user.clone(), account.clone()));
    // A firm person's seat: the firm's rule, then the client's grant (SPEC §13).
    let grant_ends = if person.id != user.id {
        super::seat_rule::seat_may_open(&state.db, &person, &firm, &user, &account).await?
    } else {
        None
    };
    if company_id.is_none() && account.kind != AccountKind::Partner && candidates.len() > 1 {
        return Err(ApiError::bad_input(
            "companyId",
            "this email belongs to several companies: give the Company ID of the one to log in to",
        ));
    }
    // The person's second factor decides what this session may do (SPEC §12).
    let kinds = second_factors::kinds_of(&state.db, person.id).await?;
    let stage = if !kinds.is_empty() {
        Stage::Pending
    } else if second_factors::must_enrol(&firm, Utc::now()) {
        Stage::EnrolOnly
    } else {
        Stage::Full(None)
    };
    if person.id == user.id {
        let mut s = SignedIn::open_at(&state.db, state, user, account, stage).await?;
        s.second_step = kinds;
        return Ok(s);
    }
    // A seat: capped at the grant's end, and in the client's access log.
    let txn = entity::db::begin_write(&state.db).await?;
    let mut s = SignedIn::open_at(&txn, state, user, account, stage).await?;
    s.second_step = kinds;
    s.opened_on_seat(&txn, (&person, &firm), grant_ends, meta)
        .await?;
    state.commit(txn, After::default()).await?;
    Ok(s)
}

/// The users of one account, owner first.
pub async fn users_of<C: ConnectionTrait>(db: &C, account_id: i64) -> ApiResult<Vec<user::Model>> {
    let mut users = user::Entity::find()
        .filter(user::Column::AccountId.eq(account_id))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    users.sort_by_key(|u| (u.role != Role::Owner, u.id));
    Ok(users)
}
