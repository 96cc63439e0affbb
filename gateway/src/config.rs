use clap::{Parser, Subcommand};
use entity::parse_duration;
use std::net::SocketAddr;
use std::time::Duration;
use worker::WorkerConfig;

/// Partner Dashboard GraphQL gateway. Every flag can also be given as the environment
/// variable named in brackets.
#[derive(Debug, Clone, Parser)]
#[command(name = "gateway", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Print the GraphQL schema (SDL) the gateway serves, and exit.
    PrintSchema,
}

pub use worker::telemetry::LogFormat;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8000")]
    pub listen_addr: SocketAddr,

    /// Run the background worker inside this process (the embedded default).
    #[arg(long, env = "EMBEDDED_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub embedded_worker: bool,

    /// How long a sign-in session lasts.
    #[arg(long, env = "SESSION_TTL", default_value = "30d", value_parser = parse_duration)]
    pub session_ttl: Duration,

    /// Log lines as human-readable text or as JSON.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Longest time a request may take before it is answered with a timeout error.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Discount tiers: `min:percent` pairs by active clients (TRIAL + PAYING).
    #[arg(long, env = "DISCOUNT_TIERS", default_value = "5:10,20:15,50:20,100:25", value_parser = parse_tiers)]
    pub discount_tiers: entity::DiscountTiers,

    #[command(flatten)]
    pub worker: WorkerConfig,
}

fn parse_tiers(raw: &str) -> Result<entity::DiscountTiers, String> {
    entity::DiscountTiers::parse(raw).map_err(|e| e.0)
}

impl Config {
    /// Settings for tests and tools: every default, with these flags applied
    /// (environment variables are read too, as for the binary).
    pub fn from_args<I: IntoIterator<Item = S>, S: Into<std::ffi::OsString> + Clone>(
        args: I,
    ) -> Result<Self, clap::Error> {
        let mut all: Vec<std::ffi::OsString> = vec!["gateway".into()];
        all.extend(args.into_iter().map(Into::into));
        Cli::try_parse_from(all).map(|c| c.config)
    }
}
