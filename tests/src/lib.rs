//! The end-to-end harness: a real gateway on a free loopback port with a fresh database
//! (a temp SQLite file, or a fresh database on the PostgreSQL server named by
//! `TEST_POSTGRES_URL`), driven over HTTP like a front end, with the mail it sends read
//! back from the outbox.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use gateway::RunningApp;

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

/// Creates a fresh, empty database on the test PostgreSQL server and returns its URL.
async fn fresh_postgres_database(admin_url: &str) -> String {
    use sea_orm::ConnectionTrait;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("connect to TEST_POSTGRES_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("TEST_POSTGRES_URL ends in /dbname");
    format!("{base}/{name}")
}

/// One email as a person would read it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub file: PathBuf,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The plain-text body.
    pub text: String,
    pub raw: String,
}

impl Mail {
    fn parse(file: PathBuf, raw: String) -> Mail {
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

pub struct TestApp {
    pub app: Option<RunningApp>,
    /// The configuration it was started with, for [`TestApp::restart`].
    config: gateway::Config,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub database_url: String,
    http: reqwest::Client,
}

/// Options for [`TestApp::spawn_with`].
#[derive(Default)]
pub struct Options {
    pub extra_args: Vec<String>,
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
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match postgres_admin_url() {
            Some(admin) => fresh_postgres_database(&admin).await,
            None => entity::db::sqlite_url(dir.path()),
        };
        let mut args: Vec<String> = [
            "--listen-addr",
            "127.0.0.1:0",
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
        args.extend(opts.extra_args);
        let config = gateway::Config::from_args(args).expect("valid test configuration");
        let app = gateway::App::start(config.clone())
            .await
            .expect("gateway starts");
        let url = format!("http://{}", app.addr);
        TestApp {
            app: Some(app),
            config,
            url,
            dir,
            database_url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.app.as_ref().expect("running").state.db
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Posts one GraphQL operation and returns the whole response body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.url))
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

    /// Every email in the outbox, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
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
                    .map(|raw| Mail::parse(f, raw))
            })
            .collect()
    }

    /// Waits (up to 30 s: a job held by a stopped worker comes back after 3 missed 5 s
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
                "no email to {to} about {subject:?}; outbox: {:#?}",
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

    /// Starts the gateway again on the same database and data directory (a new port).
    pub async fn restart(&mut self) {
        self.stop().await;
        let app = gateway::App::start(self.config.clone())
            .await
            .expect("gateway restarts");
        self.url = format!("http://{}", app.addr);
        self.app = Some(app);
    }

    /// Stops the gateway and its embedded worker gracefully.
    pub async fn stop(&mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
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
