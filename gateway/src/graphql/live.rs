//! `Subscription.clientChanged`: the live client list, served over WebSocket at
//! `/graphql/ws` (`crate::live` carries the changes and keeps the connection's limits).

use super::client_list::Client;
use super::context::require_partner_admin;
use crate::live::{Change, Connection, Update};
use async_graphql::{Context, Enum, Result, SimpleObject, Subscription};
use futures::Stream;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use worker::events::ChangeKind;

/// What happened to the row.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClientChangeKind {
    /// A new row on the list: an invite, a sign-up through the link or the form, an upgrade
    Added,
    /// A change to a row already listed: its status, invite, partner access or last log-in
    Updated,
}

/// One change to one of your clients, as it committed.
#[derive(SimpleObject, Clone, Debug)]
pub struct ClientChange {
    /// A new row, or a change to one you have
    pub kind: ClientChangeKind,
    /// The row as it is now, as the list shows it to you (`partnerAccess` is yours)
    pub client: Client,
}

impl ClientChange {
    fn of(change: &Change, email: &str, platform: entity::Platform) -> Self {
        ClientChange {
            kind: match change.kind {
                ChangeKind::Added => ClientChangeKind::Added,
                // Removals never reach here: they travel as `Update::Removed`.
                ChangeKind::Updated | ChangeKind::Removed => ClientChangeKind::Updated,
            },
            client: Client::new(
                &change.row,
                change.seats.get(email).copied().unwrap_or_default(),
                platform,
            ),
        }
    }
}

/// The subscription root (see the impl).
#[derive(Default)]
pub struct SubscriptionRoot;

/// What the signed-in user can watch, over WebSocket at `/graphql/ws` with the
/// graphql-transport-ws protocol; the session token goes in `connection_init`'s payload
/// as `{"authorization": "Bearer <token>"}`. A connection whose session ends (log-out,
/// deactivation, expiry) is closed with code 4401; see the README for every limit.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change to one of your partner's clients, as it commits: new invites and
    /// sign-ups (ADDED); status changes (including the trial sweep and subscriptions),
    /// resends, revocations, expired invites, access changes and log-ins (UPDATED). Never
    /// another partner's. A subscriber that falls `WS_BUFFER` changes behind, or whose
    /// changes the server missed, is disconnected (code 1013): reconnect and read the
    /// list again.
    ///
    /// Errors: UNAUTHENTICATED (no or an ended session), FORBIDDEN (not a partner OWNER or ADMIN).
    async fn client_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ClientChange> + use<>> {
        let conn = ctx.data_opt::<Connection>().cloned().unwrap_or_default();
        // Started once this returns, watching or refused: the connection's next pong
        // waits for it.
        let _started = conn.starting();
        let v = require_partner_admin(ctx)?;
        let rx = ctx
            .data_unchecked::<crate::live::Live>()
            .watch(v.account.id);
        let lens = crate::services::client_list::Lens::of(v);
        let who = Arc::new((v.user.email.clone(), v.account.platform, lens));
        Ok(futures::stream::unfold(
            (rx, conn, who),
            |(mut rx, conn, who)| async move {
                loop {
                    match rx.recv().await {
                        Ok(update) => match &*update {
                            // A member limited to assigned clients hears of those only.
                            Update::Row(change)
                                if who.2.assigned_only
                                    && !change.assignees.contains(&who.2.person_id) =>
                            {
                                continue;
                            }
                            Update::Row(change) => {
                                let item = ClientChange::of(change, &who.0, who.1);
                                return Some((item, (rx, conn, who)));
                            }
                            other => {
                                conn.close(1013, other.reread().unwrap_or_default());
                                return None;
                            }
                        },
                        Err(RecvError::Lagged(n)) => {
                            metrics::counter!("ws_slow_consumers_dropped_total").increment(1);
                            conn.close(
                                1013,
                                format!(
                                    "you fell {n} changes behind: reconnect and read the list again"
                                ),
                            );
                            return None;
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}
