//! The end-to-end harness: a real gateway on a free loopback port with a fresh database,
//! driven over HTTP like a front end, with the mail it sends read back where it lands.
//!
//! `E2E_MODE` picks how the system runs (`scripts/test` runs all three):
//! - `embedded` (default): one in-process gateway with its embedded worker; SQLite (or a
//!   fresh database on `TEST_POSTGRES_URL`), the SQLite job queue, `.eml` files.
//! - `production`: the same process layout on PostgreSQL (`TEST_POSTGRES_URL`), Redis
//!   (`TEST_REDIS_URL`) and SMTP to a real SMTP server inside the test process.
//! - `scaleout`: two `gateway` processes with `EMBEDDED_WORKER=false` and two `worker run`
//!   processes on the same PostgreSQL, Redis and SMTP server; requests alternate between
//!   the gateways.
//!
//! Every test gets its own database, its own queue names in Redis (`QUEUE_NAMESPACE`) and
//! its own SMTP server, so tests run in parallel without seeing each other.
//!
//! The harness, one module per concern:
//! - `mode`: `E2E_MODE`, the PostgreSQL and Redis servers, free ports;
//! - `smtp`: the SMTP server of the production and scale-out modes;
//! - `mail`: email as a person reads it, and the app's mail;
//! - `app`: [`TestApp`], its processes, and the GraphQL calls;
//! - `background`: the worker side (worker settings and runtime, queue, legacy import);
//! - `ops`: every GraphQL operation the tests send, and one helper per common operation;
//! - `fixtures`: starting points several test files share;
//! - `browser`: a headless Chromium over WebDriver, for the tests of pages;
//! - `live`: a graphql-transport-ws client for the live client list;
//! - `layout`: the source tree read as text (import circles, file and function sizes).

mod app;
mod background;
pub mod browser;
mod fixtures;
pub mod layout;
pub mod live;
mod mail;
mod mode;
mod ops;
mod smtp;

pub use app::{Options, TestApp, binary, start_binary, terminate, wait_healthy};
pub use background::legacy_example;
pub use fixtures::{LegacyPartners, PartnerWithClient, bea_accepts};
pub use gateway::RunningApp;
pub use mail::{Mail, token_of};
pub use mode::{
    Mode, assert_production_mode, backend_name, free_port, fresh_postgres_database, mode, redis_url,
};
pub use ops::*;
pub use smtp::{Received, SmtpAnswer, SmtpServer};
