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

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use gateway::RunningApp;

/// How the system under test runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Embedded,
    Production,
    ScaleOut,
}

/// The mode named by `E2E_MODE`.
pub fn mode() -> Mode {
    match std::env::var("E2E_MODE").as_deref() {
        Ok("production") => Mode::Production,
        Ok("scaleout") => Mode::ScaleOut,
        Ok("embedded") | Ok("") | Err(_) => Mode::Embedded,
        Ok(other) => panic!("E2E_MODE={other}: expected embedded, production or scaleout"),
    }
}

/// Which database the suite runs against.
pub fn backend_name() -> &'static str {
    if postgres_admin_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The Redis server of the production and scale-out modes.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .expect("TEST_REDIS_URL: this mode needs Redis; run scripts/test, which starts one")
}

/// Creates a fresh, empty database on the PostgreSQL server at `admin_url`, returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sea_orm::ConnectionTrait;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a PostgreSQL URL ends in /dbname");
    format!("{base}/{name}")
}

/// A free loopback port (free when this returns; the caller binds it soon after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What the test SMTP server answers at the end of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpAnswer {
    Accept,
    /// 451: try again later.
    Temporary,
    /// 554: never.
    Permanent,
}

#[derive(Debug)]
struct SmtpState {
    messages: Vec<String>,
    answer: SmtpAnswer,
    refused: u64,
}

/// A real SMTP server (mailin-embedded) on a loopback port, keeping what it accepts.
#[derive(Clone, Debug)]
pub struct SmtpServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<SmtpState>>,
}

#[derive(Clone)]
struct SmtpHandler {
    state: Arc<Mutex<SmtpState>>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for SmtpHandler {
    /// Refusals come at RCPT, as a busy or strict server would answer.
    fn rcpt(&mut self, _to: &str) -> mailin_embedded::Response {
        let mut st = self.state.lock().unwrap();
        match st.answer {
            SmtpAnswer::Accept => mailin_embedded::response::OK,
            SmtpAnswer::Temporary => {
                st.refused += 1;
                mailin_embedded::Response::custom(451, "4.3.0 try again later".into())
            }
            SmtpAnswer::Permanent => {
                st.refused += 1;
                mailin_embedded::Response::custom(550, "5.7.1 delivery not authorized".into())
            }
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> mailin_embedded::Response {
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let raw = String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned();
        self.state.lock().unwrap().messages.push(raw);
        mailin_embedded::response::OK
    }
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(SmtpState {
            messages: Vec::new(),
            answer: SmtpAnswer::Accept,
            refused: 0,
        }));
        let mut server = mailin_embedded::Server::new(SmtpHandler {
            state: state.clone(),
            data: Vec::new(),
        });
        // One thread per connection: more than two workers' SMTP pools (2 × 16).
        server
            .with_name("smtp.test")
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { addr, state }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message accepted so far, as received.
    pub fn raw_messages(&self) -> Vec<String> {
        self.state.lock().unwrap().messages.clone()
    }

    pub fn answer(&self, answer: SmtpAnswer) {
        self.state.lock().unwrap().answer = answer;
    }

    /// Messages refused so far (4xx or 5xx).
    pub fn refused(&self) -> u64 {
        self.state.lock().unwrap().refused
    }

    pub fn clear(&self) {
        self.state.lock().unwrap().messages.clear();
    }
}

/// One email as a person would read it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The `.eml` file it was read from (embedded mode), if any.
    pub file: Option<PathBuf>,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The plain-text body.
    pub text: String,
    pub raw: String,
}

impl Mail {
    pub fn parse(file: Option<PathBuf>, raw: String) -> Mail {
        let header = |name: &str| {
            raw.lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
                .unwrap_or_default()
        };
        let part = raw
            .split("Content-Type: text/plain; charset=utf-8")
            .nth(1)
            .map(|rest| rest.replace("\r\n", "\n"))
            .unwrap_or_default();
        let (part_headers, body) = part.split_once("\n\n").unwrap_or(("", ""));
        let body = body.split("\n--").next().unwrap_or_default();
        let text = if part_headers.contains("quoted-printable") {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        };
        Mail {
            to: header("To"),
            subject: header("Subject"),
            message_id: header("Message-ID"),
            text,
            file,
            raw,
        }
    }

    /// The secret at the end of the first link that starts with `prefix`.
    pub fn token(&self, prefix: &str) -> Option<String> {
        self.link(prefix)
            .and_then(|l| l.rsplit('/').next().map(str::to_owned))
    }

    /// The first link in the text body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(str::to_owned)
    }
}

/// Undoes quoted-printable transfer encoding (soft line breaks and `=XX` escapes).
fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(b) = escaped {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A gateway (or two) and its workers, running for one test.
pub struct TestApp {
    /// The in-process gateway (embedded and production modes, or `in_process` tests).
    pub app: Option<RunningApp>,
    /// Gateway and worker processes (scale-out mode).
    procs: Vec<tokio::process::Child>,
    /// The arguments every part is started with, for restarts and extra workers.
    args: Vec<String>,
    workers: usize,
    /// `/metrics` of the worker processes (scale-out mode).
    pub worker_metrics: Vec<String>,
    in_process: bool,
    /// The first gateway's base URL.
    pub url: String,
    urls: Vec<String>,
    next: AtomicUsize,
    pub dir: tempfile::TempDir,
    pub database_url: String,
    db: sea_orm::DatabaseConnection,
    pub smtp: Option<SmtpServer>,
    pub mode: Mode,
    http: reqwest::Client,
}

/// Options for [`TestApp::spawn_with`].
#[derive(Default)]
pub struct Options {
    /// Flags for the gateway and the workers (flags only the gateway knows are not given
    /// to worker processes). `--embedded-worker false` means no worker runs at all.
    pub extra_args: Vec<String>,
    /// Run the gateway in this process even in scale-out mode (for tests that look inside
    /// it, e.g. counting its SQL statements).
    pub in_process: bool,
    /// Create the database on this PostgreSQL server instead of `TEST_POSTGRES_URL`.
    pub postgres_admin_url: Option<String>,
}

/// Flags of the gateway binary only, each with one value.
const GATEWAY_ONLY_FLAGS: &[&str] = &[
    "--embedded-worker",
    "--discount-tiers",
    "--session-ttl",
    "--request-timeout",
    "--listen-addr",
    "--log-format",
    "--environment",
    "--graphiql",
    "--cors-allowed-origins",
    "--max-depth",
    "--max-complexity",
    "--max-aliases",
    "--max-root-fields",
    "--max-tokens",
    "--max-batch",
    "--max-body-bytes",
    "--rate-limit-ip",
    "--rate-limit-login-email",
    "--rate-limit-login-ip",
    "--rate-limit-reset-email",
    "--rate-limit-reset-ip",
    "--rate-limit-signup-ip",
    "--rate-limit-invites",
];

/// Rate limits high enough that only the tests of rate limits meet them.
const GENEROUS_LIMITS: &[&str] = &[
    "--rate-limit-ip",
    "--rate-limit-login-email",
    "--rate-limit-login-ip",
    "--rate-limit-reset-email",
    "--rate-limit-reset-ip",
    "--rate-limit-signup-ip",
    "--rate-limit-invites",
];

fn worker_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if GATEWAY_ONLY_FLAGS.contains(&a.as_str()) {
            it.next();
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// A binary of this workspace, built next to the test binaries.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/debug");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build it first (`cargo build -p gateway -p worker`; scripts/test does)",
        path.display()
    );
    path
}

/// Waits until `url/healthz` answers (a process just started).
pub async fn wait_healthy(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(format!("{url}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends SIGTERM to a child process.
pub fn terminate(child: &tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(opts: Options) -> TestApp {
        // Warnings and errors of the gateway show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,sqlx=error".into()))
            .with_test_writer()
            .try_init();
        let mode = mode();
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match opts.postgres_admin_url.or_else(postgres_admin_url) {
            Some(admin) => fresh_postgres_database(&admin).await,
            None if mode != Mode::Embedded => {
                panic!("TEST_POSTGRES_URL: this mode needs PostgreSQL; run scripts/test")
            }
            None => entity::db::sqlite_url(dir.path()),
        };
        let mut args: Vec<String> = [
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--database-url",
            &database_url,
            "--public-url",
            "http://app.test",
            "--outbox-poll-every",
            "100ms",
            "--queue-poll-every",
            "50ms",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for flag in GENEROUS_LIMITS {
            args.extend([flag.to_string(), "1000000/1m".to_string()]);
        }
        let smtp = (mode != Mode::Embedded).then(SmtpServer::start);
        if let Some(smtp) = &smtp {
            let ns = format!("t{}", uuid::Uuid::new_v4().simple());
            args.extend([
                "--redis-url".into(),
                redis_url(),
                "--queue-namespace".into(),
                ns,
                "--smtp-url".into(),
                smtp.url(),
            ]);
        }
        // A flag given by the test replaces the harness' default for it.
        for flag in opts.extra_args.iter().filter(|a| a.starts_with("--")) {
            if let Some(i) = args.iter().position(|a| a == flag) {
                args.drain(i..i + 2);
            }
        }
        args.extend(opts.extra_args);
        let no_worker = args
            .windows(2)
            .any(|w| w[0] == "--embedded-worker" && w[1] == "false");
        let in_process = mode != Mode::ScaleOut || opts.in_process;
        let db = entity::db::connect(&database_url, 4)
            .await
            .expect("harness connects to the database");
        let mut app = TestApp {
            app: None,
            procs: Vec::new(),
            args,
            workers: if no_worker { 0 } else { 2 },
            worker_metrics: Vec::new(),
            in_process,
            url: String::new(),
            urls: Vec::new(),
            next: AtomicUsize::new(0),
            dir,
            database_url,
            db,
            smtp,
            mode,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        };
        app.start().await;
        // The harness' own connection sees the schema the gateway migrated.
        app
    }

    async fn start(&mut self) {
        if self.in_process {
            let mut args = vec!["--listen-addr".to_owned(), "127.0.0.1:0".to_owned()];
            args.extend(self.args.iter().cloned());
            let config = gateway::Config::from_args(args).expect("valid test configuration");
            let app = gateway::App::start(config).await.expect("gateway starts");
            self.url = format!("http://{}", app.addr);
            self.urls = vec![self.url.clone()];
            self.app = Some(app);
            return;
        }
        // Scale-out: the first gateway applies the migrations before the others start.
        self.urls.clear();
        self.worker_metrics.clear();
        for i in 0..2 {
            let port = free_port();
            let mut cmd = tokio::process::Command::new(binary("gateway"));
            cmd.arg("--listen-addr")
                .arg(format!("127.0.0.1:{port}"))
                .args(&self.args);
            if self.workers > 0 {
                // Otherwise `--embedded-worker false` is among the arguments already.
                cmd.args(["--embedded-worker", "false"]);
            }
            let mut child = self.spawn_process(cmd, &format!("gateway-{i}"));
            let url = format!("http://127.0.0.1:{port}");
            tokio::select! {
                _ = wait_healthy(&self.http, &url) => {}
                status = child.wait() => panic!(
                    "gateway-{i} exited ({status:?}): {:#?}",
                    self.process_logs()
                ),
            }
            self.procs.push(child);
            self.urls.push(url);
        }
        self.url = self.urls[0].clone();
        for i in 0..self.workers {
            self.start_worker_process(&format!("worker-{i}"));
        }
    }

    fn spawn_process(&self, mut cmd: tokio::process::Command, name: &str) -> tokio::process::Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{name}.log")))
            .expect("process log file");
        cmd.env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info,sqlx=warn,apalis=warn,apalis_core=warn")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true);
        cmd.spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"))
    }

    /// Starts one more `worker run` process on this app's database, queue and SMTP
    /// server, and returns it (killed when dropped).
    pub fn worker_process(&self, name: &str) -> tokio::process::Child {
        self.spawn_process(self.worker_command(), name)
    }

    fn worker_command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(binary("worker"));
        cmd.arg("run").args(worker_args(&self.args));
        cmd
    }

    fn start_worker_process(&mut self, name: &str) {
        let port = free_port();
        let mut cmd = self.worker_command();
        cmd.env("METRICS_ADDR", format!("127.0.0.1:{port}"));
        let child = self.spawn_process(cmd, name);
        self.procs.push(child);
        self.worker_metrics
            .push(format!("http://127.0.0.1:{port}/metrics"));
    }

    /// The lines the processes of this app logged (scale-out mode).
    pub fn process_logs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                for line in std::fs::read_to_string(&path).unwrap_or_default().lines() {
                    out.push((name.clone(), line.to_owned()));
                }
            }
        }
        out
    }

    /// The worker settings of this app, as a separate worker would get them.
    pub fn worker_config(&self) -> worker::WorkerConfig {
        gateway::Config::from_args(self.args.clone())
            .expect("valid test configuration")
            .worker
    }

    /// A worker runtime in this process, on this app's database, queue and mail transport.
    pub async fn start_worker(&self) -> worker::WorkerRuntime {
        let config = self.worker_config();
        let db = entity::db::connect(&config.database_url(), 2)
            .await
            .unwrap();
        let queue = worker::JobQueue::connect(&config).await.unwrap();
        worker::WorkerRuntime::start(&config, db, queue, worker::Nudge::default())
            .await
            .unwrap()
    }

    /// A job queue handle like the app's.
    pub async fn queue(&self) -> worker::JobQueue {
        worker::JobQueue::connect(&self.worker_config())
            .await
            .expect("job queue")
    }

    /// A mailer sending the way this app's worker does.
    pub fn mailer(&self) -> worker::mail::Mailer {
        let c = self.worker_config();
        let transport = worker::mail::Transport::from_config(
            c.smtp_url.as_deref(),
            1,
            c.smtp_timeout,
            c.outbox_dir(),
        )
        .unwrap();
        worker::mail::Mailer::new(transport, &c.mail_from, c.public_url()).unwrap()
    }

    /// Wakes the in-process dispatcher now (others poll every 100 ms in tests).
    pub fn nudge(&self) {
        if let Some(app) = &self.app {
            app.state.nudge.wake();
        }
    }

    /// Makes mail delivery fail temporarily (the outbox directory is blocked, or the SMTP
    /// server answers 451) until [`mend_mail`](Self::mend_mail).
    pub fn break_mail(&self) {
        match &self.smtp {
            Some(smtp) => smtp.answer(SmtpAnswer::Temporary),
            None => std::fs::write(self.dir.path().join("outbox"), b"in the way").unwrap(),
        }
    }

    pub fn mend_mail(&self) {
        match &self.smtp {
            Some(smtp) => smtp.answer(SmtpAnswer::Accept),
            None => std::fs::remove_file(self.dir.path().join("outbox")).unwrap(),
        }
    }

    /// Forgets every email received so far.
    pub fn clear_mails(&self) {
        match &self.smtp {
            Some(smtp) => smtp.clear(),
            None => {
                for m in self.mails() {
                    if let Some(f) = m.file {
                        std::fs::remove_file(f).unwrap();
                    }
                }
            }
        }
    }

    /// Waits until a worker has settled every recorded password reset request (each either
    /// issued its link and queued the email, or found nobody or was throttled).
    pub async fn wait_reset_requests_settled(&self) {
        use entity::password_reset_request::{Column, Entity};
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let pending = Entity::find()
                .filter(Column::SettledAt.is_null())
                .count(&self.db)
                .await
                .expect("count reset requests");
            if pending == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{pending} password reset requests were never settled"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The harness' own connection to the app's database.
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.db
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The gateway for the next request: they take turns in scale-out mode.
    pub fn next_url(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        &self.urls[i % self.urls.len()]
    }

    /// The base URL of every gateway of this app.
    pub fn next_url_all(&self) -> Vec<String> {
        self.urls.clone()
    }

    /// Posts one GraphQL operation and returns the whole response body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.next_url()))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("gateway answers");
        assert!(
            res.status().is_success() || res.status().is_client_error(),
            "HTTP {}",
            res.status()
        );
        res.json().await.expect("JSON body")
    }
    /// Like [`gql`](Self::gql) but panics unless the operation succeeded; returns `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs an operation expected to fail and returns the first error's `extensions.code`.
    pub async fn error_code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let body = self.gql(token, query, variables).await;
        let code = body["errors"][0]["extensions"]["code"].as_str();
        code.unwrap_or_else(|| panic!("expected an error with a code, got {body:#}"))
            .to_owned()
    }

    pub async fn sign_up(
        &self,
        company: &str,
        name: &str,
        email: &str,
        password: &str,
        partner: bool,
    ) -> Value {
        self.ok(
            None,
            SIGN_UP,
            json!({ "input": {
                "companyName": company, "name": name, "email": email,
                "password": password, "isAccountantOrBookkeeper": partner
            }}),
        )
        .await["signUp"]
            .clone()
    }

    /// Signs up a partner firm and returns its owner's session token.
    pub async fn partner(&self, email: &str) -> String {
        let p = self
            .sign_up(
                "Ledger & Line",
                "Rosa Ledger",
                email,
                "correct-horse-1",
                true,
            )
            .await;
        p["token"].as_str().unwrap().to_owned()
    }

    /// Every email received, oldest first: from the SMTP server, or the `.eml` outbox.
    pub fn mails(&self) -> Vec<Mail> {
        if let Some(smtp) = &self.smtp {
            return smtp
                .raw_messages()
                .into_iter()
                .map(|raw| Mail::parse(None, raw))
                .collect();
        }
        let dir = self.dir.path().join("outbox");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.trim_start_matches("delivery-").parse::<i64>().ok())
                .unwrap_or(i64::MAX)
        });
        files
            .into_iter()
            .filter_map(|f| {
                std::fs::read_to_string(&f)
                    .ok()
                    .map(|raw| Mail::parse(Some(f), raw))
            })
            .collect()
    }

    /// Waits (up to 30 s: a job held by a stopped worker comes back after its missed
    /// heartbeats) for an email to `to` whose subject contains `subject`.
    pub async fn wait_for_mail(&self, to: &str, subject: &str) -> Mail {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(m) = self
                .mails()
                .into_iter()
                .find(|m| m.to == to && m.subject.contains(subject))
            {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no email to {to} about {subject:?}; received: {:#?}",
                self.mails()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Imports a legacy V1 export into this app's database as `worker import-legacy` does:
    /// check, plan (skipping partners already imported), write.
    pub async fn import_legacy(&self, text: &str) -> Result<worker::legacy::ImportReport, String> {
        let partners = worker::legacy::parse(text).map_err(|e| e.to_string())?;
        let (new, skipped) = worker::legacy::plan(self.db(), partners)
            .await
            .map_err(|e| e.to_string())?;
        let mut report = worker::legacy::write(self.db(), &new, |_| {})
            .await
            .map_err(|e| e.to_string())?;
        report.skipped_partners = skipped;
        Ok(report)
    }

    /// Starts the gateway(s) and workers again on the same database, queue and data
    /// directory (new ports).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    /// Stops the gateways and workers gracefully (SIGTERM for processes) and waits.
    pub async fn stop(&mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
        for child in &self.procs {
            terminate(child);
        }
        for mut child in self.procs.drain(..) {
            match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
                Ok(_) => {}
                Err(_) => panic!("a process did not stop within 30 s of SIGTERM"),
            }
        }
    }
}

pub const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    token expiresAt user { id email name role active account { id companyId name kind platform } } } }";

pub const LOG_IN: &str = "mutation($email: String!, $password: String!, $companyId: String) {
    logIn(email: $email, password: $password, companyId: $companyId) {
    token expiresAt user { id email role account { companyId kind } } } }";

pub const ME: &str =
    "{ me { id email name role active account { id companyId name kind platform } } }";

/// The secret at the end of a link such as `http://app.test/invite/{token}`.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap_or_default().to_owned()
}

/// The legacy export example beside the project (`../shared/legacy-export.example.json`).
pub fn legacy_example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/legacy-export.example.json"
    ))
    .expect("the example export beside the project")
}
