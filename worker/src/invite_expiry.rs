//! The invite-expiry sweep (issue 16): a partner is told once, by email, when invites it
//! sent expired unused; one digest per partner per sweep, like the trial sweep
//! (`trials.rs`), and as safe to run twice or from two workers at once: each partner's
//! rows are marked notified by one conditional UPDATE … RETURNING, in the transaction
//! that writes the digest to the outbox. A revoked invite is not reported (the partner
//! ended it); a resent one is reported again if its new link expires too.

use chrono::Utc;
use entity::mail::Mail;
use entity::{ClientStatus, client};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: u64,
    pub digests: u64,
}

/// Partners looked at per round.
const PARTNERS_PER_ROUND: u64 = 200;

/// Invites that expired unused and were not reported yet (not revoked: the partner ended
/// those itself); for the partner search and the claiming UPDATE alike.
fn unreported<Q: QueryFilter>(q: Q, now: chrono::DateTime<Utc>) -> Q {
    q.filter(client::Column::Status.eq(ClientStatus::Invited))
        .filter(client::Column::InviteExpiresAt.lte(now))
        .filter(client::Column::InviteRevokedAt.is_null())
        .filter(client::Column::InviteExpiryNotifiedAt.is_null())
}

/// Runs one sweep to the end.
/// Each partner's changed rows are published to `events` once its transaction commits.
pub async fn sweep(
    db: &DatabaseConnection,
    events: &crate::ClientEvents,
) -> Result<SweepReport, DbErr> {
    let mut report = SweepReport::default();
    let mut after_partner = 0i64;
    loop {
        let now = Utc::now();
        let partners: Vec<i64> = unreported(client::Entity::find(), now)
            .select_only()
            .column(client::Column::PartnerAccountId)
            .distinct()
            .filter(client::Column::PartnerAccountId.gt(after_partner))
            .order_by_asc(client::Column::PartnerAccountId)
            .limit(PARTNERS_PER_ROUND)
            .into_tuple()
            .all(db)
            .await?;
        let Some(&last) = partners.last() else {
            break;
        };
        for partner in partners {
            let n = report_partner(db, events, partner, now).await?;
            if n > 0 {
                report.expired += n;
                report.digests += 1;
            }
        }
        after_partner = last;
    }
    if report.expired > 0 {
        tracing::info!(
            expired = report.expired,
            digests = report.digests,
            "invite sweep reported expired invites"
        );
    }
    Ok(report)
}

/// Marks one partner's newly expired invites reported and queues its digest, in one
/// transaction.
async fn report_partner(
    db: &DatabaseConnection,
    events: &crate::ClientEvents,
    partner_account_id: i64,
    now: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    let txn = entity::db::begin_write(db).await?;
    let claim = client::Entity::update_many()
        .col_expr(client::Column::InviteExpiryNotifiedAt, Expr::value(now))
        .filter(client::Column::PartnerAccountId.eq(partner_account_id));
    let expired: Vec<client::Model> = unreported(claim, now).exec_with_returning(&txn).await?;
    if expired.is_empty() {
        return Ok(0);
    }
    crate::trials::queue_digest(
        &txn,
        partner_account_id,
        &expired,
        |to, partner_name, clients| Mail::InvitesExpiredDigest {
            to,
            partner_name,
            clients,
        },
    )
    .await?;
    txn.commit().await?;
    let changed: Vec<crate::ClientEvent> = expired
        .iter()
        .map(|c| crate::ClientEvent::updated(partner_account_id, c.id))
        .collect();
    events.publish(&changed).await;
    Ok(expired.len() as u64)
}
