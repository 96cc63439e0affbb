//! The app under test: a gateway (or two) and its workers on a fresh database, started,
//! restarted and stopped for one test, and the GraphQL calls a front end makes.

use crate::mode::{Mode, free_port, fresh_postgres_database, mode, postgres_admin_url, redis_url};
use crate::processes::{GENEROUS_LIMITS, binary, terminate, wait_healthy, worker_args};
use crate::smtp::SmtpServer;
use gateway::RunningApp;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A gateway (or two) and its workers, running for one test.
pub struct TestApp {
    /// The in-process gateway (embedded and production modes, or `in_process` tests).
    pub app: Option<RunningApp>,
    /// Gateway and worker processes (scale-out mode).
    procs: Vec<tokio::process::Child>,
    /// The arguments every part is started with, for restarts and extra workers.
    pub(crate) args: Vec<String>,
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
    pub(crate) db: sea_orm::DatabaseConnection,
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

/// The flags every part of a test's app starts with: its data directory and database,
/// `http://app.test` as its public URL, quick polling, rate limits only the tests of rate
/// limits meet, the mode's Redis namespace and SMTP server; then the test's own
/// `extra_args`, each flag of which replaces the harness' default for it.
fn harness_args(
    dir: &std::path::Path,
    database_url: &str,
    smtp: Option<&SmtpServer>,
    extra_args: Vec<String>,
) -> Vec<String> {
    let mut args: Vec<String> = [
        "--data-dir",
        dir.to_str().unwrap(),
        "--database-url",
        database_url,
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
    if let Some(smtp) = smtp {
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
    for flag in extra_args.iter().filter(|a| a.starts_with("--")) {
        if let Some(i) = args.iter().position(|a| a == flag) {
            args.drain(i..i + 2);
        }
    }
    args.extend(extra_args);
    args
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    /// Spawns with these [`extra_args`](Options::extra_args), flags and their values.
    pub async fn spawn_with_args(args: &[&str]) -> TestApp {
        Self::spawn_with(Options {
            extra_args: args.iter().map(|a| a.to_string()).collect(),
            ..Default::default()
        })
        .await
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
        let smtp = (mode != Mode::Embedded).then(SmtpServer::start);
        let args = harness_args(dir.path(), &database_url, smtp.as_ref(), opts.extra_args);
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

    /// [`worker_process`](Self::worker_process) from the `worker` binary at `bin` (another
    /// build, to compare), with these environment variables (settings such as
    /// `WORKER_CONCURRENCY` that the app's own flags leave out).
    pub fn worker_process_with(
        &self,
        bin: &std::path::Path,
        name: &str,
        env: &[(&str, String)],
    ) -> tokio::process::Child {
        let mut cmd = tokio::process::Command::new(bin);
        cmd.arg("run")
            .args(worker_args(&self.args))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        self.spawn_process(cmd, name)
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

    /// GETs `path` (such as `/healthz`) of the first gateway.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
    }

    /// The HTTP status of the first gateway's `/readyz`, or 0 when it does not answer.
    pub async fn readyz(&self) -> u16 {
        self.http
            .get(format!("{}/readyz", self.url))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }

    /// The flags every part of this app is started with.
    pub fn args(&self) -> &[String] {
        &self.args
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
    /// Posts one GraphQL operation to the gateway at `base` (not the next one in turn)
    /// and returns the whole response body.
    pub async fn gql_at(
        &self,
        base: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut req = self
            .http
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
            .await
            .expect("gateway answers")
            .json()
            .await
            .expect("JSON body")
    }

    /// Like [`gql`](Self::gql) but panics unless the operation succeeded; returns `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs an operation expected to fail and returns the first error's `extensions.code`.
    pub async fn error_code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        crate::code_of(&self.gql(token, query, variables).await).to_owned()
    }
}
