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
    /// Manage the operator's support staff (the one STAFF account's users).
    Staff {
        #[command(subcommand)]
        action: StaffCommand,
    },
}

/// `gateway staff …`
#[derive(Debug, Clone, Subcommand)]
pub enum StaffCommand {
    /// Add a support staff user (made active again if removed earlier) and print a link
    /// to set their password; the link is emailed to them too.
    Add {
        /// The staff member's email; they log in with it.
        #[arg(long)]
        email: String,
        /// Their name, as customers see it in audit logs.
        #[arg(long)]
        name: String,
    },
    /// Deactivate a support staff user and end their sessions.
    Remove {
        /// The staff member's email.
        #[arg(long)]
        email: String,
    },
    /// List the support staff users.
    List,
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

    /// The key TOTP secrets are encrypted with at rest: 32 bytes in base64 (e.g.
    /// `openssl rand -base64 32`), the same on every gateway. Unset: a key kept in
    /// `DATA_DIR/totp.key`, made on first start (the embedded default).
    #[arg(long, env = "TOTP_ENCRYPTION_KEY", hide_env_values = true)]
    pub totp_encryption_key: Option<String>,

    /// The WebAuthn relying party for passkeys: a domain name, the one people open the
    /// app at (or a parent of it). Unset: `PUBLIC_URL`'s host, or `localhost` when that is
    /// an IP address (WebAuthn does not work on bare addresses).
    #[arg(long, env = "WEBAUTHN_RP_ID")]
    pub webauthn_rp_id: Option<String>,

    /// The origin browsers use passkeys from (`https://dashboard.example.com`). Unset:
    /// `PUBLIC_URL`'s, on `localhost` when that is an IP address. With the relying party
    /// `localhost`, any port is accepted (development).
    #[arg(long, env = "WEBAUTHN_ORIGIN")]
    pub webauthn_origin: Option<String>,

    /// How long a verified second factor lets a person enter client accounts
    /// (`logInToClient`) before `stepUp` is asked for again.
    #[arg(long, env = "STEP_UP_WINDOW", default_value = "15m", value_parser = parse_duration)]
    pub step_up_window: Duration,

    /// How long a gateway may answer the client list from a session it read before
    /// (`auth::session_cache`), at most: every way a session ends or its user changes
    /// reaches every gateway at once on the event bus; this bounds what no event names.
    /// `0s` reads the session from the database on every request.
    #[arg(long, env = "SESSION_CACHE_TTL", default_value = "5s", value_parser = parse_duration)]
    pub session_cache_ttl: Duration,

    /// PostgreSQL connections the client list keeps beside the pool
    /// (`DATABASE_MAX_CONNECTIONS`) for its requests alone (`crate::lease`): given back
    /// without sqlx's ping, planned once. `0`: the list uses the pool.
    #[arg(long, env = "LIST_CONNECTIONS", default_value_t = 4)]
    pub list_connections: usize,

    /// Log lines as human-readable text or as JSON.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Longest time a request may take before it is answered with a timeout error.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// The plans a client account can subscribe to: a JSON array of
    /// `{"id", "name", "description"}` (default: monthly and annual).
    #[arg(long, env = "PLANS", default_value = entity::DEFAULT_PLANS, value_parser = entity::Plans::parse)]
    pub plans: entity::Plans,

    /// Discount tiers: `min:percent` pairs by active clients (TRIAL + PAYING).
    #[arg(long, env = "DISCOUNT_TIERS", default_value = "5:10,20:15,50:20,100:25", value_parser = parse_tiers)]
    pub discount_tiers: entity::DiscountTiers,

    /// Also serve `/metrics` on this address (e.g. `127.0.0.1:9100`), a listener that
    /// need not be public.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Serve `/metrics` on the public port too. Set `false` with `METRICS_ADDR` to keep
    /// metrics off the public port.
    #[arg(long, env = "METRICS_ON_PUBLIC_PORT", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics_on_public_port: bool,

    /// `resendInvite`: at most one invite email per client in this interval.
    #[arg(long, env = "RESEND_INTERVAL", default_value = "5m", value_parser = parse_duration)]
    pub resend_interval: Duration,

    /// `resendInvite`: at most this many resends per client per day.
    #[arg(long, env = "RESENDS_PER_DAY", default_value_t = 10)]
    pub resends_per_day: u64,

    #[command(flatten)]
    pub worker: WorkerConfig,

    #[command(flatten)]
    pub security: SecurityConfig,

    #[command(flatten)]
    pub live: LiveConfig,
}

/// The live client list's WebSocket at `/graphql/ws` (`crate::live`): what one
/// connection may cost the gateway.
#[derive(Debug, Clone, clap::Args)]
pub struct LiveConfig {
    /// Open WebSocket connections per session, on one gateway process; one more is
    /// refused at `connection_init` (close code 4429).
    #[arg(
        long = "ws-connections-per-session",
        env = "WS_CONNECTIONS_PER_SESSION",
        default_value_t = 5
    )]
    pub connections_per_session: usize,

    /// Open WebSocket connections per user, across every gateway sharing the Redis (in
    /// this process without Redis); one more is refused at `connection_init` (close code
    /// 4429). Sessions are free to make: this is the bound a person cannot raise.
    #[arg(
        long = "ws-connections-per-user",
        env = "WS_CONNECTIONS_PER_USER",
        default_value_t = 10
    )]
    pub connections_per_user: usize,

    /// Open WebSocket connections per client address, signed in or not, across every
    /// gateway sharing the Redis; one more is refused before the upgrade (HTTP 429,
    /// `RATE_LIMITED`).
    #[arg(
        long = "ws-connections-per-address",
        env = "WS_CONNECTIONS_PER_ADDRESS",
        default_value_t = 20
    )]
    pub connections_per_address: usize,

    /// Open WebSocket connections on one gateway process in all; one more is refused
    /// before the upgrade (HTTP 503, `SERVICE_UNAVAILABLE`).
    #[arg(
        long = "ws-connections-per-process",
        env = "WS_CONNECTIONS_PER_PROCESS",
        default_value_t = 10_000
    )]
    pub connections_per_process: usize,

    /// A connection the client has sent nothing on for this long is pinged; one that
    /// has still sent nothing (not even the pong) after as long again is dropped.
    #[arg(long = "ws-ping-every", env = "WS_PING_EVERY", default_value = "30s", value_parser = parse_duration)]
    pub ping_every: Duration,

    /// Messages per second a connection may send; a connection that sends more is closed
    /// (code 1008).
    #[arg(
        long = "ws-messages-per-second",
        env = "WS_MESSAGES_PER_SECOND",
        default_value_t = 20
    )]
    pub messages_per_second: u32,

    /// Subscriptions open at once on one connection; one more closes it (code 4400).
    #[arg(
        long = "ws-subscriptions-per-connection",
        env = "WS_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = 10
    )]
    pub subscriptions_per_connection: usize,

    /// Changes a subscriber may fall behind by; a subscriber further behind is a slow
    /// consumer and is disconnected (code 1013) rather than buffered for. One buffer per
    /// watched partner, shared by its subscribers; the default holds a whole bulk invite
    /// (500 rows).
    #[arg(long = "ws-buffer", env = "WS_BUFFER", default_value_t = 1024)]
    pub buffer: usize,

    /// A connection whose socket takes one message in longer than this is a slow
    /// consumer and is dropped.
    #[arg(long = "ws-send-timeout", env = "WS_SEND_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub send_timeout: Duration,

    /// A backstop: how often a connection's session is checked again even when no event
    /// said it changed. A log-out, deactivation, demotion or password change closes the
    /// connection at once through the event bus (4401, or 4403 for a demotion), and an
    /// expiry at its instant; this check only catches an event the bus lost.
    #[arg(long = "ws-session-check", env = "WS_SESSION_CHECK", default_value = "5m", value_parser = parse_duration)]
    pub session_check: Duration,

    /// A connection that has not sent `connection_init` by then is closed (code 4408).
    #[arg(long = "ws-init-timeout", env = "WS_INIT_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub init_timeout: Duration,
}

/// Where the gateway runs: `production` turns introspection and field suggestions off
/// (unless GRAPHIQL=true) and hides GraphiQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// Limits that keep a careless or hostile caller from taking the service down (SPEC §8).
#[derive(Debug, Clone, clap::Args)]
pub struct SecurityConfig {
    /// `production` turns introspection, field suggestions and GraphiQL off unless GRAPHIQL=true.
    #[arg(long, env = "ENVIRONMENT", value_enum, default_value_t = Environment::Development)]
    pub environment: Environment,

    /// Serve GraphiQL and allow introspection even in production (for support staff).
    #[arg(long, env = "GRAPHIQL", default_value_t = false, action = clap::ArgAction::Set)]
    pub graphiql: bool,

    /// Browser origins allowed to call the API (comma-separated; none by default).
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',', num_args = 0..)]
    pub cors_allowed_origins: Vec<String>,

    /// Deepest nesting of a query's data fields (introspection selections have their own
    /// bound, `MAX_INTROSPECTION_DEPTH`).
    #[arg(long, env = "MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// Nesting of an introspection query (`__schema`, `__type`): deep enough for the
    /// standard introspection queries of GraphiQL, graphql-js, graphql-core and codegen
    /// tools (15), refusing absurd nesting.
    #[arg(long, env = "MAX_INTROSPECTION_DEPTH", default_value_t = 24)]
    pub max_introspection_depth: usize,

    /// Highest query complexity (each field 1; a list field costs `first` × its children).
    #[arg(long, env = "MAX_COMPLEXITY", default_value_t = 5_000)]
    pub max_complexity: usize,

    /// Most aliases of one field in a query.
    #[arg(long, env = "MAX_ALIASES", default_value_t = 20)]
    pub max_aliases: usize,

    /// Most root fields in one operation.
    #[arg(long, env = "MAX_ROOT_FIELDS", default_value_t = 30)]
    pub max_root_fields: usize,

    /// Most lexical tokens in a query text.
    #[arg(long, env = "MAX_TOKENS", default_value_t = 20_000)]
    pub max_tokens: usize,

    /// Most operations in one batched request.
    #[arg(long, env = "MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Largest request body in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// All requests per client IP (`N/period`).
    #[arg(long, env = "RATE_LIMIT_IP", default_value = "600/1m", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_ip: crate::ratelimit::Rule,

    /// Failed `logIn` attempts per email and client address (successes do not count).
    #[arg(long, env = "RATE_LIMIT_LOGIN_EMAIL", default_value = "10/15m", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_login_email: crate::ratelimit::Rule,

    /// Failed `logIn` attempts per client address, across emails (credential stuffing).
    #[arg(long, env = "RATE_LIMIT_LOGIN_IP", default_value = "50/15m", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_login_ip: crate::ratelimit::Rule,

    /// `requestPasswordReset` per email.
    #[arg(long, env = "RATE_LIMIT_RESET_EMAIL", default_value = "5/1h", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_reset_email: crate::ratelimit::Rule,

    /// `requestPasswordReset` per client IP.
    #[arg(long, env = "RATE_LIMIT_RESET_IP", default_value = "20/1h", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_reset_ip: crate::ratelimit::Rule,

    /// `signUp` per client IP.
    #[arg(long, env = "RATE_LIMIT_SIGNUP_IP", default_value = "20/1h", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_signup_ip: crate::ratelimit::Rule,

    /// `link`, `acceptInvite` and `resetPassword` (the calls that use an emailed link) per
    /// client IP.
    #[arg(long, env = "RATE_LIMIT_LINK_IP", default_value = "30/15m", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_link_ip: crate::ratelimit::Rule,

    /// Password hashes and checks (argon2id, ~25 ms of a core each) one HTTP request may
    /// run, over all its operations and aliases: `signUp`, `logIn`, `acceptInvite`,
    /// `resetPassword`. Calls past it get RATE_LIMITED without hashing.
    #[arg(long, env = "MAX_PASSWORD_HASHES_PER_REQUEST", default_value_t = 2)]
    pub max_password_hashes_per_request: usize,

    /// `addUser` per account (each sends a set-password email).
    #[arg(long, env = "RATE_LIMIT_USERS_ADDED", default_value = "30/1h", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_users_added: crate::ratelimit::Rule,

    /// `setUserRole` and `setUserActive` per account (a change to a partner's seat in a
    /// client account emails the partner).
    #[arg(long, env = "RATE_LIMIT_USER_CHANGES", default_value = "60/1h", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_user_changes: crate::ratelimit::Rule,

    /// Rows `inviteClients` checks per partner account, dry runs included: each call
    /// takes as many as it has rows, all or none.
    #[arg(long, env = "RATE_LIMIT_BULK_ROWS", default_value = "5000/1h", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_bulk_rows: crate::ratelimit::Rule,

    /// `createClientAccount` per partner account (each opens an account and sends an email).
    #[arg(long, env = "RATE_LIMIT_CLIENT_ACCOUNTS", default_value = "100/1d", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_client_accounts: crate::ratelimit::Rule,

    /// Email invites (and resends) per partner account.
    #[arg(long, env = "RATE_LIMIT_INVITES", default_value = "500/1h", value_parser = crate::ratelimit::parse_rule)]
    pub rate_limit_invites: crate::ratelimit::Rule,
}

impl SecurityConfig {
    /// Introspection, suggestions and GraphiQL: on, except in production without GRAPHIQL.
    pub fn explorable(&self) -> bool {
        self.environment != Environment::Production || self.graphiql
    }
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
        Cli::try_parse_from(all).map(|c| c.config.settled())
    }

    /// Fills in what other settings decide: without `PUBLIC_URL`, links (in emails and
    /// those `gateway staff add` prints) point at this gateway's own `LISTEN_ADDR` (a
    /// wildcard address as the loopback one).
    pub fn settled(mut self) -> Self {
        if self.worker.public_url.is_none() {
            let mut addr = self.listen_addr;
            if addr.ip().is_unspecified() {
                addr.set_ip(match addr.ip() {
                    std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                    std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
                });
            }
            self.worker.public_url = Some(format!("http://{addr}"));
        }
        self
    }
}
