//! Background work: job types, the transactional outbox and its dispatcher, email
//! templates and delivery, and the runtime that runs it all (inside the gateway in the
//! embedded default, or as `worker run` processes).
//!
//! The gateway uses this library for the job queue and its event bus (`queue`,
//! `events`) and to start the embedded runtime; the rules both need (which account a
//! log-in picks, issuing and claiming links, recording an email, a row's actions) live in
//! `entity`, beside their tables. This crate never depends on the gateway.

pub mod access_sweep;
pub mod config;
pub mod connect;
pub mod deliveries;
pub mod error;
pub mod events;
pub mod invite_expiry;
pub mod jobs;
pub mod legacy;
pub mod mail;
pub mod outbox;
pub mod password_reset;
pub mod queue;
pub mod runtime;
pub mod telemetry;
pub mod trials;
pub mod upgrade;

pub use config::WorkerConfig;
pub use error::WorkerError;
pub use events::{ClientEvent, ClientEvents};
pub use outbox::Nudge;
// For this library's users (the tests, the benchmarks): what an email is and how one is
// recorded live in `entity`.
pub use entity::delivery::queue_mail;
pub use entity::mail::Mail;
pub use queue::JobQueue;
pub use runtime::WorkerRuntime;
