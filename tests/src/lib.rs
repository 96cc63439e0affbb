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
//! The harness is a toolbox, one module per concern:
//! - `mode`: `E2E_MODE`, the PostgreSQL and Redis servers, free ports;
//! - `processes`: the workspace's binaries as processes, and the flags each knows;
//! - `smtp`: the SMTP server of the production and scale-out modes;
//! - `mail`: email as a person reads it, and the app's mail, read and waited for;
//! - `deliveries`: the outbox: a delivery by id, waiting for its status, a bounce;
//! - `app`: [`TestApp`], its processes, and the GraphQL calls;
//! - `answers`: a GraphQL answer's error code, message and field ([`code_of`] …);
//! - `waits`: [`eventually`], the one way a test waits for something;
//! - `time_travel`: what a test cannot wait for, written into the database
//!   ([`TestApp::backdate_invite`], [`TestApp::expire_invite`], [`TestApp::end_trial_in`] …);
//! - `background`: the worker side (worker settings and runtime, queue, legacy import);
//! - `ops`: every GraphQL operation the tests send, and one helper per common operation;
//! - `fixtures`: starting points several test files share;
//! - `export`: the CSV export of the client list, downloaded and read as a spreadsheet does;
//! - `browser`: a headless Chromium over WebDriver, for the tests of pages, and
//!   `web`: the web app's pages as those tests open them;
//! - `live`: a graphql-transport-ws client for the live client list;
//! - `layout`: the source tree read as text (import circles, file and function sizes).

mod answers;
mod app;
mod background;
pub mod browser;
mod deliveries;
mod export;
mod fixtures;
pub mod layout;
pub mod live;
mod mail;
mod mode;
mod ops;
mod processes;
mod smtp;
mod time_travel;
mod totp;
mod waits;
pub mod web;

pub use answers::{code_of, field_of, message_of, retry_after_of, try_code_of};
pub use app::{Options, TestApp};
pub use background::legacy_example;
pub use export::{ClientExport, EXPORT_HEADER, spreadsheet_time};
pub use fixtures::{LegacyPartners, PartnerWithClient, bea_accepts};
pub use gateway::RunningApp;
pub use mail::{Mail, token_of};
pub use mode::{
    Mode, assert_production_mode, backend_name, free_port, fresh_postgres_database, mode, redis_url,
};
pub use ops::*;
pub use processes::{binary, start_binary, terminate, wait_healthy};
pub use smtp::{Received, SmtpAnswer, SmtpServer};
pub use time_travel::db_id;
pub use totp::totp_code;
pub use waits::{Look, eventually, eventually_every, secs};
