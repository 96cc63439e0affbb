//! One PostgreSQL connection for a whole client-list request, from the list's own few.
//!
//! The client list is the request every partner makes all day, and on PostgreSQL it is
//! one statement when the session is held (`auth::session_cache`), two when it is read.
//! A request whose only operation is the client list takes one connection for both and
//! lends it to the list ([`Lent`]). The connection comes from [`ListConnections`], kept
//! beside the pool (`LIST_CONNECTIONS`, default 4) for two reasons measured with
//! `scripts/bench versus` (docs/PERFORMANCE.md):
//! - sqlx pings every pooled connection it gets back (`return_to_pool`, not
//!   configurable): one more round trip a page. One of these goes back without it.
//! - PostgreSQL re-plans the page's prepared statement on every execution when it
//!   judges a custom plan cheaper than the generic one, which for this page costs more
//!   than running it. These connections use generic plans (`plan_cache_mode =
//!   force_generic_plan`): the list's statements are the same shape for every partner.
//!   The pool's connections, which run everything else, keep PostgreSQL's choice.
//!
//! A connection whose statement failed or was cut off (a request timed out mid-way) is
//! closed, not kept; one idle for 30 s is pinged before use, as the pool does. Only that
//! operation borrows a connection for the request: it runs no statement on the pool
//! while it holds it, so a request never holds a connection while it waits for another.

use sea_orm::sqlx::{
    self, Connection, Executor, PgConnection, Postgres, pool::PoolConnection,
    postgres::PgConnectOptions,
};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement,
};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a request waits for one of the list's connections: the pool's acquire
/// timeout (`entity::db::connect`).
const WAIT: Duration = Duration::from_secs(5);

/// A connection idle this long is pinged before use (the pool's rule too).
const PING_IDLE: Duration = Duration::from_secs(30);

/// The client list's own PostgreSQL connections (at most `LIST_CONNECTIONS`), opened on
/// first need and kept while they work.
pub struct ListConnections {
    options: PgConnectOptions,
    idle: std::sync::Mutex<Vec<(PgConnection, Instant)>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for ListConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListConnections")
            .field("free", &self.permits.available_permits())
            .finish()
    }
}

impl ListConnections {
    /// `max` connections to `db`'s server; `None` when `db` is not PostgreSQL or `max` is 0.
    pub fn new(db: &DatabaseConnection, max: usize) -> Option<Arc<Self>> {
        if db.get_database_backend() != DbBackend::Postgres || max == 0 {
            return None;
        }
        let options = db
            .get_postgres_connection_pool()
            .connect_options()
            .as_ref()
            .clone()
            .options([("plan_cache_mode", "force_generic_plan")]);
        Some(Arc::new(ListConnections {
            options,
            idle: std::sync::Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max)),
        }))
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(PgConnection, Instant)>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn take(&self) -> Result<(PgConnection, OwnedSemaphorePermit), DbErr> {
        let permit = tokio::time::timeout(WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        loop {
            let Some((mut conn, since)) = self.idle().pop() else {
                break;
            };
            if since.elapsed() < PING_IDLE || conn.ping().await.is_ok() {
                return Ok((conn, permit));
            }
        }
        let conn = PgConnection::connect_with(&self.options)
            .await
            .map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(e.into())))?;
        Ok((conn, permit))
    }
}

enum Held {
    Pooled(PoolConnection<Postgres>),
    /// One of the list's own, and its place among them (freed after it is kept).
    Own {
        conn: Option<PgConnection>,
        _place: OwnedSemaphorePermit,
        home: Arc<ListConnections>,
    },
}

impl Held {
    fn raw(&mut self) -> &mut PgConnection {
        match self {
            Held::Pooled(c) => c,
            Held::Own { conn, .. } => conn.as_mut().expect("held until the lease is dropped"),
        }
    }
}

/// A connection for one request, running sea-orm statements: one of the list's own
/// (kept when dropped, if every statement finished) or one of the pool's.
pub struct Lease {
    conn: tokio::sync::Mutex<Held>,
    /// No statement failed or was cut off: the connection is fit to keep.
    clean: AtomicBool,
    /// The gateway's count of statements run for requests (`AppState::statements`).
    statements: Arc<AtomicU64>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Held::Own { conn, home, .. } = self.conn.get_mut()
            && self.clean.load(Ordering::Relaxed)
            && let Some(conn) = conn.take()
        {
            home.idle().push((conn, Instant::now()));
        }
    }
}

impl Lease {
    /// Takes one of `list`'s connections, or one of `db`'s pool without them; `None`
    /// when `db` is not PostgreSQL.
    pub async fn acquire(
        db: &DatabaseConnection,
        list: Option<&Arc<ListConnections>>,
        statements: Arc<AtomicU64>,
    ) -> Result<Option<Lease>, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(None);
        }
        let held = match list {
            Some(list) => {
                let (conn, place) = list.take().await?;
                Held::Own {
                    conn: Some(conn),
                    _place: place,
                    home: list.clone(),
                }
            }
            None => Held::Pooled(db.get_postgres_connection_pool().acquire().await.map_err(
                |e| match e {
                    sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
                    sqlx::Error::PoolClosed => {
                        DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)
                    }
                    e => DbErr::Conn(RuntimeErr::SqlxError(e.into())),
                },
            )?),
        };
        Ok(Some(Lease {
            conn: tokio::sync::Mutex::new(held),
            clean: AtomicBool::new(true),
            statements,
        }))
    }

    /// Runs one statement: counted, and marking the connection unfit to keep until it
    /// finishes well.
    async fn run<T>(
        &self,
        f: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, DbErr> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        let mut held = self.conn.lock().await;
        self.clean.store(false, Ordering::Relaxed);
        let out = f(held.raw()).await.map_err(query_err)?;
        self.clean.store(true, Ordering::Relaxed);
        Ok(out)
    }
}

fn query(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

/// As sea-orm's own driver reports it (`ApiError::from` tells a lost connection apart).
fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(e.into()))
}

#[async_trait::async_trait]
impl ConnectionTrait for Lease {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let done = self
            .run(async |c| query(&stmt).execute(&mut *c).await)
            .await?;
        Ok(done.into())
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let done = self
            .run(async |c| c.execute(sqlx::AssertSqlSafe(sql.to_owned())).await)
            .await?;
        Ok(done.into())
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let row = self
            .run(async |c| query(&stmt).fetch_optional(&mut *c).await)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let rows = self
            .run(async |c| query(&stmt).fetch_all(&mut *c).await)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// The request's connection, waiting for the list to take it. Whatever is not taken goes
/// back to the pool when the request ends.
#[derive(Clone, Default)]
pub struct Lent(Arc<std::sync::Mutex<Option<Lease>>>);

impl Lent {
    pub fn new(lease: Lease) -> Self {
        Lent(Arc::new(std::sync::Mutex::new(Some(lease))))
    }

    /// The connection, once: a second caller gets `None` and uses the pool.
    pub fn take(&self) -> Option<Lease> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Whether the request is the client list alone: one query whose only root selection
/// is `clients`. Such a request runs no statement but the session's and the list's, so
/// it may hold one connection for both (`crate::lease`).
pub fn is_client_list_alone(batch: &mut async_graphql::BatchRequest) -> bool {
    use async_graphql::parser::types::{OperationType, Selection};
    let async_graphql::BatchRequest::Single(req) = batch else {
        return false;
    };
    let name = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else {
        return false;
    };
    let Some(op) = crate::limits::operation::selected_operation(doc, name.as_deref()) else {
        return false;
    };
    op.node.ty == OperationType::Query
        && matches!(
            op.node.selection_set.node.items.as_slice(),
            [only] if matches!(&only.node, Selection::Field(f) if f.node.name.node == "clients")
        )
}

#[cfg(test)]
mod tests {
    use super::is_client_list_alone;

    fn alone(query: &str, operation: Option<&str>) -> bool {
        let mut req = async_graphql::Request::new(query);
        if let Some(name) = operation {
            req = req.operation_name(name);
        }
        is_client_list_alone(&mut async_graphql::BatchRequest::Single(req))
    }

    #[test]
    fn only_the_client_list_alone_borrows_a_connection_for_the_request() {
        assert!(alone("{ clients(first: 50) { totalCount } }", None));
        assert!(alone(
            "query Page($n: Int) { list: clients(first: $n) { totalCount } }",
            None
        ));
        assert!(alone(
            "query A { me { id } } query B { clients { totalCount } }",
            Some("B")
        ));
        // Anything else may read on the pool while it would hold the connection.
        assert!(!alone(
            "{ clients { totalCount } clientStatusCounts { total } }",
            None
        ));
        assert!(!alone(
            "{ a: clients { totalCount } b: clients { totalCount } }",
            None
        ));
        assert!(!alone(
            "{ ...F } fragment F on Query { clients { totalCount } }",
            None
        ));
        assert!(!alone("{ clientStatusCounts { total } }", None));
        assert!(!alone(
            "query A { me { id } } query B { clients { totalCount } }",
            Some("A")
        ));
        assert!(!alone(
            "query A { me { id } } query B { clients { totalCount } }",
            None
        ));
        assert!(!alone("mutation { clients }", None));
        assert!(!alone("{ clients { totalCount }", None), "a syntax error");
        let batch = vec![async_graphql::Request::new("{ clients { totalCount } }")];
        assert!(!is_client_list_alone(
            &mut async_graphql::BatchRequest::Batch(batch)
        ));
    }
}
