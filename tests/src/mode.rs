//! How the system under test runs (`E2E_MODE`), and the servers each mode needs: the
//! PostgreSQL server (a fresh database per test), Redis, free loopback ports.

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

pub(crate) fn postgres_admin_url() -> Option<String> {
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

/// Panics unless the suite runs in production mode: the fault tests (named `prod_*`)
/// stop and kill that mode's servers and processes.
pub fn assert_production_mode() {
    assert_eq!(
        mode(),
        Mode::Production,
        "fault tests run in production mode (E2E_MODE=production, as scripts/test does)"
    );
}
