//! Background work: job types, the transactional outbox and its dispatcher, email
//! templates and delivery, and the runtime that runs it all (inside the gateway in the
//! embedded default, or as `worker run` processes).
//!
//! The gateway uses this library only to record work (an email in the outbox) and to
//! start the embedded runtime; this crate never depends on the gateway.

pub mod config;
pub mod connect;
pub mod deliveries;
pub mod directory;
pub mod error;
pub mod events;
pub mod invite_expiry;
pub mod invite_link;
pub mod jobs;
pub mod legacy;
pub mod mail;
pub mod outbox;
pub mod password_link;
pub mod password_reset;
pub mod queue;
pub mod runtime;
pub mod telemetry;
pub mod trials;
pub mod upgrade;

pub use config::WorkerConfig;
pub use error::WorkerError;
pub use events::{ClientEvent, ClientEvents};
pub use mail::Mail;
pub use outbox::{Nudge, queue_mail};
pub use queue::JobQueue;
pub use runtime::WorkerRuntime;
