//! The live client list: `Subscription.clientChanged` over WebSocket at `/graphql/ws`
//! (graphql-transport-ws; the older graphql-ws protocol is also spoken).
//!
//! - **Events in** ([`fan_out`]). Every committed change to a client row is published on
//!   the bus (`worker::events`: Redis pub/sub, or this process). One task per gateway
//!   takes the events of partners someone here watches, reads those rows (and the
//!   partner users' seats in the client accounts) in two queries per batch, not per
//!   subscriber, and hands each change to that partner's channel. When it falls behind
//!   the bus or cannot read a batch, the affected subscribers are closed (1013) so their
//!   front ends read the list again, never left silently stale.
//! - **Events out** (this module). A subscriber gets its partner's changes only
//!   ([`Live::watch`]), each row rendered for its own user (`partnerAccess` is per
//!   partner user).
//! - **The socket** ([`socket`]): only subscriptions run there, through the same document
//!   limits as `/graphql`; connections are bounded per session, per user, per address and
//!   per process ([`seats`]: across gateways through Redis), idle ones are pinged, and
//!   one whose session ends (log-out, deactivation, demotion, a new password) is closed at
//!   once by an event on the bus (`worker::events::SessionEvent`).

mod connection;
mod fan_out;
mod inbound;
mod init;
mod registry;
pub mod seats;
mod socket;

pub use connection::Connection;
pub use registry::{Change, Live, Update, Watch};
pub use socket::{Caller, protocol_of, upgrade};

/// Starts handing the bus's client events to this process's subscribers and its
/// session events to their connections, until `stop`.
pub fn start(
    live: &Live,
    db: sea_orm::DatabaseConnection,
    queue: &worker::JobQueue,
    stop: tokio_util::sync::CancellationToken,
) {
    let stopping = live.stopping().clone();
    let stopped = stop.clone();
    tokio::spawn(async move {
        stopped.cancelled().await;
        stopping.cancel();
    });
    live.seats().start_renewing(stop);
    tokio::spawn(fan_out::clients(
        live.clone(),
        db,
        queue.events().listen(),
        live.stopping().clone(),
    ));
    tokio::spawn(fan_out::sessions(
        live.clone(),
        queue.sessions().listen(),
        live.stopping().clone(),
    ));
}
