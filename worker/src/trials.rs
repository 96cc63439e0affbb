//! The trial-expiry sweep (SPEC §7): every TRIAL whose trial has ended becomes
//! TRIAL_EXPIRED, and each affected partner gets one digest email.
//!
//! Set-based and safe to run twice or from two workers at once: each partner's clients
//! are expired by one UPDATE … WHERE status = 'TRIAL' … RETURNING, and the digest is
//! written to the outbox in the same transaction. A second sweeper that reaches the same
//! rows finds them no longer in TRIAL (PostgreSQL re-checks the condition after the first
//! commits; SQLite has one writer), so each client expires once and is in one digest.

use chrono::Utc;
use entity::delivery::queue_mail;
use entity::mail::{ExpiredClient, Mail};
use entity::{ClientStatus, Role, account, client, user};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: u64,
    pub digests: u64,
}

/// Partners looked at per round.
const PARTNERS_PER_ROUND: u64 = 200;

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
        let partners: Vec<i64> = client::Entity::find()
            .select_only()
            .column(client::Column::PartnerAccountId)
            .distinct()
            .filter(client::Column::Status.eq(ClientStatus::Trial))
            .filter(client::Column::TrialEndsAt.lte(now))
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
            let n = expire_partner(db, events, partner, now).await?;
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
            "trial sweep expired trials"
        );
    }
    Ok(report)
}

/// Expires one partner's ended trials and queues its digest, in one transaction.
async fn expire_partner(
    db: &DatabaseConnection,
    events: &crate::ClientEvents,
    partner_account_id: i64,
    now: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    let txn = entity::db::begin_write(db).await?;
    let expired: Vec<client::Model> =
        client::set_status(client::Entity::update_many(), ClientStatus::TrialExpired)
            .filter(client::Column::PartnerAccountId.eq(partner_account_id))
            .filter(client::Column::Status.eq(ClientStatus::Trial))
            .filter(client::Column::TrialEndsAt.lte(now))
            .exec_with_returning(&txn)
            .await?;
    if expired.is_empty() {
        return Ok(0);
    }
    queue_digest(
        &txn,
        partner_account_id,
        &expired,
        |to, partner_name, clients| Mail::TrialExpiredDigest {
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

/// Queues a partner's digest about `rows` (sorted by name) to its owner, inside the
/// caller's transaction: `make(to, partner_name, clients)` picks the kind of email. The
/// trial sweep and the invite sweep (`invite_expiry.rs`) both end in it.
pub(crate) async fn queue_digest<C: sea_orm::ConnectionTrait>(
    conn: &C,
    partner_account_id: i64,
    rows: &[client::Model],
    make: impl FnOnce(String, String, Vec<ExpiredClient>) -> Mail,
) -> Result<(), DbErr> {
    let partner = account::Entity::find_by_id(partner_account_id)
        .one(conn)
        .await?;
    let owner = user::Entity::find()
        .filter(user::Column::AccountId.eq(partner_account_id))
        .filter(user::Column::Role.eq(Role::Owner))
        .one(conn)
        .await?;
    let (Some(partner), Some(owner)) = (partner, owner) else {
        return Ok(());
    };
    let mut clients: Vec<ExpiredClient> = rows
        .iter()
        .map(|c| ExpiredClient {
            name: c.name.clone().unwrap_or_else(|| c.email.clone()),
            email: c.email.clone(),
        })
        .collect();
    clients.sort_by_key(|c| c.name.to_lowercase());
    queue_mail(
        conn,
        Some(partner_account_id),
        &make(owner.email, partner.name, clients),
    )
    .await?;
    Ok(())
}
