//! What every support read and action shares: the reason it must give, and where its
//! audit entry goes.

use crate::error::{ApiError, ApiResult};
use crate::services::audit::Entry;
use entity::{AccountKind, account, client};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// The longest `reason` accepted.
pub const MAX_REASON_CHARS: usize = 500;

/// A support reason, checked: what the partner owner reads in the audit log.
pub fn reason(raw: &str) -> ApiResult<String> {
    let r = raw.trim();
    if r.is_empty() {
        return Err(ApiError::bad_input(
            "reason",
            "say why you need this (e.g. the ticket number): it is shown in the customer's audit log",
        ));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::bad_input(
            "reason",
            format!("reason is too long: use at most {MAX_REASON_CHARS} characters"),
        ));
    }
    if r.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::bad_input(
            "reason",
            "reason may not contain control characters",
        ));
    }
    Ok(r.to_owned())
}

/// Where an entry about `acc` goes: the account itself, and the partner whose log shows it
/// (the account, for a partner; the partner that lists it, for a client).
pub(super) async fn entry_about<C: ConnectionTrait>(
    conn: &C,
    acc: &account::Model,
    action: entity::AuditAction,
    detail: String,
) -> ApiResult<Entry> {
    let listing = if acc.kind == AccountKind::Client {
        listing_of(conn, acc.id).await?
    } else {
        None
    };
    Ok(entry_for(acc, listing.as_ref(), action, detail))
}

/// [`entry_about`] with the client row that lists `acc` already read.
pub(super) fn entry_for(
    acc: &account::Model,
    listing: Option<&client::Model>,
    action: entity::AuditAction,
    detail: String,
) -> Entry {
    Entry {
        action,
        account_id: Some(acc.id),
        partner_account_id: Some(listing.map_or(acc.id, |c| c.partner_account_id)),
        target_client_id: listing.map(|c| c.id),
        detail: Some(detail),
    }
}

/// The client row that lists a client account: its V2 partner's when it has one.
pub(super) async fn listing_of<C: ConnectionTrait>(
    conn: &C,
    client_account_id: i64,
) -> ApiResult<Option<client::Model>> {
    let rows = client::Entity::find()
        .filter(client::Column::ClientAccountId.eq(client_account_id))
        .order_by_desc(client::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_short_and_plain() {
        assert_eq!(reason("  ticket #4521 ").unwrap(), "ticket #4521");
        for bad in ["", "   ", "a\u{0}b", &"x".repeat(501)] {
            assert!(
                matches!(
                    reason(bad),
                    Err(ApiError::BadUserInput {
                        field: Some("reason"),
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        assert!(reason(&"x".repeat(500)).is_ok());
    }
}
