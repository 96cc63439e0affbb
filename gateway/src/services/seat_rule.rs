//! The rule a firm person's seat in a client account follows (SPEC §12, §13), whichever
//! door they come in by: `logInToClient` (`client_entry`) or `logIn` with the client's
//! Company ID (`accounts`). One place, so the two doors cannot disagree.

use super::audit::RequestMeta;
use crate::auth::session;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{
    PartnerAccess, PartnerSeat, SeatAccess, SecretToken, access_grant, access_session, account,
    user,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Why the person may not use their seat, or `None` when they may: `Some(None)` for a
/// missing seat (the caller words it), else the error.
pub(super) fn refusal(
    access: PartnerAccess,
    who: &str,
    grant: Option<&access_grant::Model>,
    need_admin: bool,
) -> Option<Option<ApiError>> {
    let when = |at: Option<chrono::DateTime<Utc>>| {
        at.map_or_else(String::new, |t| {
            format!(" ({})", t.format("%Y-%m-%d %H:%M UTC"))
        })
    };
    let refused =
        |code: &'static str, message: String| Some(Some(ApiError::Refused { code, message }));
    match access {
        PartnerAccess::Ok => None,
        PartnerAccess::NotAdmin(_) if !need_admin => None,
        PartnerAccess::Missing => Some(None),
        PartnerAccess::Pending => refused(
            "ACCESS_PENDING",
            format!("{who} has not answered your request for access yet"),
        ),
        PartnerAccess::Expired => refused(
            "ACCESS_EXPIRED",
            format!(
                "your access to {who} ended{}: request access again",
                when(grant.and_then(|g| g.expires_at))
            ),
        ),
        PartnerAccess::Revoked => refused(
            "ACCESS_REVOKED",
            format!(
                "{who} revoked your access{}: request access again",
                when(grant.and_then(|g| g.decided_at))
            ),
        ),
        PartnerAccess::Inactive => refused(
            "PARTNER_USER_INACTIVE",
            format!(
                "{who} has made your user inactive: only a client administrator there can make it active again"
            ),
        ),
        PartnerAccess::NotAdmin(role) => refused(
            "PARTNER_USER_NOT_ADMIN",
            format!(
                "{who} has changed your user to {}: only a client administrator there can make it ADMIN again",
                role.as_api_str()
            ),
        ),
    }
}

/// `logIn` with a client's Company ID as a firm person's seat there (SPEC §12, §13):
/// the same rule as `logInToClient` — a client of the person's firm they see (their
/// scope), an access grant that works, no reason the firm requires — so a revoked,
/// expired or declined grant, or a client outside a limited member's scope, cannot be
/// entered by the back door; and the person active in the firm as OWNER or ADMIN.
/// Answers when the session must end (the grant's end).
pub(super) async fn seat_may_open<C: ConnectionTrait>(
    conn: &C,
    person: &user::Model,
    firm: &account::Model,
    seat: &user::Model,
    client_account: &account::Model,
) -> ApiResult<Option<chrono::DateTime<Utc>>> {
    may_enter_as(person, firm, client_account)?;
    let lens = super::client_list::Lens {
        firm_id: firm.id,
        person_id: person.id,
        email: person.email.clone(),
        assigned_only: person.role != entity::Role::Owner
            && person.client_scope == entity::ClientScope::AssignedClients,
    };
    let seen = super::client_list::Lens::sees_account(conn, &lens, client_account.id).await?;
    let who = client_account.name.as_str();
    if !seen {
        return Err(ApiError::Refused {
            code: "PARTNER_USER_MISSING",
            message: format!("you have no access to {who}'s account from your firm's client list"),
        });
    }
    if firm.access_reason_required {
        return Err(ApiError::Forbidden(format!(
            "{} asks for a reason to enter a client: enter {who} from the client list (Log in), giving it",
            firm.name
        )));
    }
    let grant = access_grant::of(conn, client_account.id, person.id).await?;
    let access = SeatAccess {
        seat: Some(PartnerSeat {
            role: seat.role,
            active: seat.active,
        }),
        grant: grant.as_ref().map(access_grant::Model::state),
    }
    .access(Utc::now());
    match refusal(access, who, grant.as_ref(), true) {
        None => Ok(grant.and_then(|g| g.expires_at)),
        Some(Some(e)) => Err(e),
        Some(None) => Err(ApiError::Refused {
            code: "PARTNER_USER_MISSING",
            message: format!("you have no access to {who}'s account"),
        }),
    }
}

/// A firm person signs in to a client account only while they are active in the firm
/// as OWNER or ADMIN: a deactivation or demotion there reaches every seat at once.
pub(super) fn may_enter_as(
    person: &user::Model,
    firm: &account::Model,
    client: &account::Model,
) -> ApiResult<()> {
    if !person.active {
        return Err(ApiError::Forbidden(format!(
            "your user in {} is inactive, so you cannot sign in to {}: ask your firm's owner",
            firm.name, client.name
        )));
    }
    if !person.is_admin() {
        return Err(ApiError::Forbidden(format!(
            "only an Owner or Admin of {} signs in to its clients' accounts; your role there is {}",
            firm.name,
            person.role.in_words()
        )));
    }
    Ok(())
}

/// A session just opened on a firm person's seat, as `seat_session_opened` needs it.
pub(super) struct OpenedSeat<'a> {
    pub token: &'a SecretToken,
    pub expires_at: DateTime<Utc>,
    pub seat_id: i64,
    pub client_account_id: i64,
    /// It waits for the second step: not a visit yet.
    pub pending: bool,
}

/// A session `logIn` with a client's Company ID (or the second step after it) opened on
/// a firm person's seat: it ends no later than the grant (`grant_end`), and unless it
/// waits for the second step, the client's access log has it (no reason: `logIn` asks
/// none). Inside the caller's transaction. Answers the session's end.
pub(super) async fn seat_session_opened<C: ConnectionTrait>(
    conn: &C,
    s: OpenedSeat<'_>,
    (person, firm): (&user::Model, &account::Model),
    grant_end: Option<DateTime<Utc>>,
    meta: &RequestMeta,
) -> ApiResult<DateTime<Utc>> {
    let mut expires_at = s.expires_at;
    if let Some(end) = grant_end.filter(|end| *end < expires_at) {
        session::end_by(conn, s.token, end).await?;
        expires_at = end;
    }
    if !s.pending {
        record_entry(
            conn,
            (firm.id, person.id),
            meta,
            (s.seat_id, s.token),
            (s.client_account_id, expires_at),
            None,
        )
        .await?;
    }
    Ok(expires_at)
}

/// The client's access log entry of a session just opened on seat `seat_id` with
/// `token`, by the person `person_id` of the firm `firm_id` (SPEC §13).
pub(super) async fn record_entry<C: ConnectionTrait>(
    conn: &C,
    (firm_id, person_id): (i64, i64),
    meta: &RequestMeta,
    (seat_id, token): (i64, &SecretToken),
    (client_account_id, expires_at): (i64, DateTime<Utc>),
    reason: Option<&str>,
) -> ApiResult<()> {
    let session_id = entity::session::Entity::find()
        .filter(entity::session::Column::TokenHash.eq(token.hash().into_string()))
        .one(conn)
        .await?
        .map_or(0, |s| s.id);
    access_session::Entity::insert(access_session::ActiveModel {
        session_id: Set(session_id),
        client_account_id: Set(client_account_id),
        firm_account_id: Set(firm_id),
        person_id: Set(person_id),
        seat_user_id: Set(seat_id),
        started_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        ended_at: Set(None),
        reason: Set(reason.map(str::to_owned)),
        ip: Set(meta.ip.clone()),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}
