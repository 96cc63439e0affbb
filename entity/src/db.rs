//! Opening the product database: a SQLite file (embedded default) or PostgreSQL.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Connects to `url` with settings that suit each engine.
///
/// SQLite: WAL, a 10 s busy timeout and foreign keys on; a small pool (SQLite has one
/// writer anyway). PostgreSQL: a pool of `max_connections`, pinging only connections that
/// sat idle (a ping on every checkout costs 10–15% on the hot path, see docs/PERFORMANCE.md).
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        opts.max_connections(max_connections.clamp(1, 8))
            .min_connections(1);
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        opts.max_connections(max_connections)
            .test_before_acquire(false)
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    let db = Database::connect(opts).await?;
    db.execute_unprepared("SELECT 1").await?;
    Ok(db)
}

/// The default database of the embedded mode: `DATA_DIR/partner.db`, created if missing.
pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("partner.db").display()
    )
}

/// Begins a transaction that will write.
///
/// On SQLite it takes the write lock at `BEGIN IMMEDIATE`, so it waits (busy timeout) for
/// another writer instead of failing with "database is locked" when a transaction that
/// has read tries to start writing after someone else wrote. On PostgreSQL it is a plain
/// `BEGIN`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
