//! From the bus to this gateway's connections: client events become [`Update`]s on the
//! partners' channels; session events wake the connections of their users.

use super::registry::{Change, Live, Update};
use entity::{PartnerSeat, SeatAccess, access_grant, client, client_assignee, user};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio_util::sync::CancellationToken;
use worker::ClientEvent;
use worker::events::{ChangeKind, SessionEvent};

/// Most events read from the bus in one batch.
const BATCH: usize = 500;

/// Counts and logs events this gateway missed; their subscribers are told.
fn missed(n: u64, why: &str) {
    metrics::counter!("client_events_missed_total").increment(n);
    tracing::warn!(
        missed = n,
        "the live list missed client events ({why}); their subscribers were told to read their lists again"
    );
}

pub(super) async fn clients(
    live: Live,
    db: DatabaseConnection,
    mut rx: broadcast::Receiver<ClientEvent>,
    stop: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            got = rx.recv() => got,
        };
        let mut batch = match first {
            Ok(e) => vec![e],
            Err(RecvError::Lagged(n)) => {
                // Which partners the lost events were for is unknown: everyone re-reads.
                missed(n, "fell behind the bus");
                live.stale(None);
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(TryRecvError::Lagged(n)) => {
                    missed(n, "fell behind the bus");
                    live.stale(None);
                }
                Err(_) => break,
            }
        }
        let mut seen = HashSet::new();
        batch.retain(|e| seen.insert(*e) && live.watched(e.partner_account_id));
        let removed: Vec<i64> = batch
            .iter()
            .filter(|e| e.kind == ChangeKind::Removed)
            .map(|e| e.partner_account_id)
            .collect();
        if !removed.is_empty() {
            live.removed(&removed);
            batch.retain(|e| e.kind != ChangeKind::Removed);
        }
        if batch.is_empty() {
            continue;
        }
        match read(&db, &batch).await {
            Ok(changes) => {
                for (partner, change) in changes {
                    let n = live.send(partner, Arc::new(Update::Row(Box::new(change))));
                    metrics::counter!("client_changes_delivered_total").increment(n as u64);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, events = batch.len(), "could not read changed clients for the live list");
                missed(batch.len() as u64, "could not read the changed rows");
                let partners: Vec<i64> = batch.iter().map(|e| e.partner_account_id).collect();
                live.stale(Some(&partners));
            }
        }
    }
}

/// Wakes the connections of the users whose sessions ended or changed.
pub(super) async fn sessions(
    live: Live,
    mut rx: broadcast::Receiver<SessionEvent>,
    stop: CancellationToken,
) {
    loop {
        let got = tokio::select! {
            _ = stop.cancelled() => return,
            got = rx.recv() => got,
        };
        match got {
            Ok(e) => live.sessions_changed(Some(&[e.user_id])),
            // Whose sessions changed is unknown: every connection checks its own.
            Err(RecvError::Lagged(_)) => live.sessions_changed(None),
            Err(RecvError::Closed) => return,
        }
    }
}

/// The rows of `events` as committed, with the seats and grants of their partners'
/// people in the client accounts and the clients' assignees: four queries for the whole
/// batch.
async fn read(
    db: &DatabaseConnection,
    events: &[ClientEvent],
) -> Result<Vec<(i64, Change)>, sea_orm::DbErr> {
    let ids: Vec<i64> = events.iter().map(|e| e.client_id).collect();
    let rows: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let accounts: Vec<i64> = rows.values().filter_map(|c| c.client_account_id).collect();
    let partners: HashSet<i64> = events.iter().map(|e| e.partner_account_id).collect();
    let mut seats: HashMap<i64, HashMap<String, SeatAccess>> = HashMap::new();
    if !accounts.is_empty() {
        let partner_emails = Query::select()
            .column(user::Column::Email)
            .from(user::Entity)
            .and_where(user::Column::AccountId.is_in(partners.iter().copied()))
            .to_owned();
        let found: Vec<(i64, String, entity::Role, bool)> = user::Entity::find()
            .select_only()
            .column(user::Column::AccountId)
            .column(user::Column::Email)
            .column(user::Column::Role)
            .column(user::Column::Active)
            .filter(user::Column::AccountId.is_in(accounts.clone()))
            .filter(user::Column::Email.in_subquery(partner_emails))
            .into_tuple()
            .all(db)
            .await?;
        for (account, email, role, active) in found {
            seats
                .entry(account)
                .or_default()
                .entry(email)
                .or_default()
                .seat = Some(PartnerSeat { role, active });
        }
        add_grants(db, &accounts, &mut seats).await?;
    }
    let assignees = assignees_of(db, rows.keys().copied()).await?;
    Ok(events
        .iter()
        .filter_map(|e| {
            let c = rows.get(&e.client_id)?;
            // A row names its partner; an event that says otherwise is not believed.
            (c.partner_account_id == e.partner_account_id).then(|| {
                let seats = c
                    .client_account_id
                    .and_then(|a| seats.get(&a).cloned())
                    .unwrap_or_default();
                (
                    e.partner_account_id,
                    Change {
                        kind: e.kind,
                        row: c.into(),
                        seats,
                        assignees: assignees.get(&c.id).cloned().unwrap_or_default(),
                    },
                )
            })
        })
        .collect())
}

/// The grants in `accounts` (SPEC §13), beside the seats, by account and the person's
/// email.
async fn add_grants(
    db: &DatabaseConnection,
    accounts: &[i64],
    seats: &mut HashMap<i64, HashMap<String, SeatAccess>>,
) -> Result<(), sea_orm::DbErr> {
    let grants: Vec<(access_grant::Model, Option<user::Model>)> = access_grant::Entity::find()
        .filter(access_grant::Column::ClientAccountId.is_in(accounts.iter().copied()))
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    for (g, person) in grants {
        if let Some(person) = person {
            seats
                .entry(g.client_account_id)
                .or_default()
                .entry(person.email)
                .or_default()
                .grant = Some(g.state());
        }
    }
    Ok(())
}

/// Who is assigned to each of these clients.
async fn assignees_of(
    db: &DatabaseConnection,
    clients: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, Vec<i64>>, sea_orm::DbErr> {
    let mut assignees: HashMap<i64, Vec<i64>> = HashMap::new();
    for a in client_assignee::Entity::find()
        .filter(client_assignee::Column::ClientId.is_in(clients))
        .all(db)
        .await?
    {
        assignees.entry(a.client_id).or_default().push(a.user_id);
    }
    Ok(assignees)
}
