//! The rule a firm person's seat in a client account follows (SPEC §12, §13), whichever
//! door they come in by: `logInToClient` (`client_entry`) or `logIn` with the client's
//! Company ID (`accounts`). One place, so the two doors cannot disagree.

use crate::error::{ApiError, ApiResult};
use chrono::Utc;
use entity::{PartnerAccess, PartnerSeat, SeatAccess, access_grant, account, user};
use sea_orm::ConnectionTrait;

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
/// entered by the back door. Answers when the session must end (the grant's end).
pub(super) async fn seat_may_open<C: ConnectionTrait>(
    conn: &C,
    person: &user::Model,
    firm: &account::Model,
    seat: &user::Model,
    client_account: &account::Model,
) -> ApiResult<Option<chrono::DateTime<Utc>>> {
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
