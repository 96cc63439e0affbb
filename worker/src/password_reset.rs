//! Forgotten passwords (SPEC §5, §8). `requestPasswordReset` only records the request
//! (`entity::password_reset_request::record`):
//! one insert, the same whether or not the email belongs to anyone, so neither the answer
//! nor the time it takes tells a caller which emails exist. The outbox dispatcher then
//! [`settle_pending`]s requests: it looks the person up and, when the email names an
//! active user, issues the link and queues the email in the transaction that marks the
//! request settled, so a request is settled once and its email never lost.

use chrono::Utc;
use entity::AuditAction;
use entity::audit_event::{self, Entry, Origin};
use entity::client::partner_of;
use entity::password_reset_request::{Column, Entity as Request};
use entity::password_token::issue_reset;
use entity::user::{candidates_for, choose_account};
use entity::{CompanyId, Email};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Most requests one pass settles; the dispatcher comes back at once while there are more.
const BATCH: u64 = 50;
/// Settled requests (an email and an address) are kept this long, then deleted.
pub const KEEP_SETTLED: chrono::Duration = chrono::Duration::days(7);

/// Settles up to a batch of pending requests, oldest first, and returns how many this call
/// settled. Safe from several workers at once: each request is claimed with a conditional
/// `UPDATE` inside the transaction that issues its link. Fails only when it cannot read
/// which requests are pending.
pub async fn settle_pending(db: &DatabaseConnection, public_url: &str) -> Result<usize, DbErr> {
    let pending: Vec<i64> = Request::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::SettledAt.is_null())
        .order_by_asc(Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let mut settled = 0;
    for id in pending {
        // Each request fails on its own, so one that cannot be settled now (it stays
        // pending and is tried again next pass) never holds the others back.
        match settle(db, public_url, id).await {
            Ok(true) => settled += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(request = id, error = %e, "could not settle a password reset request; will retry");
            }
        }
    }
    if settled > 0 {
        Request::delete_many()
            .filter(Column::SettledAt.lt(Utc::now() - KEEP_SETTLED))
            .exec(db)
            .await?;
    }
    Ok(settled)
}

/// Settles one request; false when another worker already had.
async fn settle(db: &DatabaseConnection, public_url: &str, id: i64) -> Result<bool, DbErr> {
    let txn = entity::db::begin_write(db).await?;
    let claimed = Request::update_many()
        .col_expr(Column::SettledAt, Expr::value(Utc::now()))
        .filter(Column::Id.eq(id))
        .filter(Column::SettledAt.is_null())
        .exec_with_returning(&txn)
        .await?;
    let Some(r) = claimed.into_iter().next() else {
        return Ok(false);
    };
    // Stored parsed at the edge; a row that no longer parses names nobody.
    let email = Email::parse(&r.email).ok();
    let company_id = r
        .company_id
        .as_deref()
        .and_then(|c| CompanyId::parse(c).ok());
    let candidates = match &email {
        Some(e) => candidates_for(&txn, e).await?,
        None => Vec::new(),
    };
    match choose_account(&candidates, company_id.as_ref()) {
        None => tracing::debug!(request = r.id, "password reset for an unknown email"),
        Some((u, acc)) => match issue_reset(&txn, public_url, u, acc).await? {
            Err(throttled) => {
                tracing::info!(
                    request = r.id,
                    user = u.id,
                    reason = throttled.reason,
                    "password reset throttled"
                );
            }
            Ok(()) => {
                let origin = Origin {
                    ip: r.ip.as_deref(),
                    request_id: r.request_id.as_deref(),
                    ..Default::default()
                };
                let entry = Entry {
                    account_id: Some(acc.id),
                    partner_account_id: partner_of(&txn, acc).await?,
                    detail: Some(format!("reset link sent to {}", u.email)),
                    ..Entry::of(AuditAction::UserPasswordResetRequested)
                };
                audit_event::record(&txn, r.requested_at, origin, entry).await?;
            }
        },
    }
    txn.commit().await?;
    Ok(true)
}
