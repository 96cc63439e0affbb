//! One PostgreSQL connection for a whole client-list request.
//!
//! sqlx checks every connection it gets back with a round trip to the server
//! (`PoolConnection`'s return path pings it; this cannot be turned off). A list request
//! runs two statements, the session and the page, so taking the pool's connection
//! twice cost two extra round trips per page. A request whose only operation is the
//! client list instead takes one connection, resolves the session on it and lends it to
//! the list: one return, one ping.
//!
//! Only that operation borrows a connection for the request: it runs no statement before
//! the list takes the connection, and none on the pool while it holds it, so a request
//! can never hold a connection while it waits for another one (which, with every pooled
//! connection lent out, would wait until the acquire timeout).

use sea_orm::sqlx::{self, Executor, Postgres, pool::PoolConnection};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement,
};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A connection taken from the PostgreSQL pool, running sea-orm statements. It goes
/// back to the pool when dropped.
pub struct Lease {
    conn: tokio::sync::Mutex<PoolConnection<Postgres>>,
    /// The gateway's count of statements run for requests (`AppState::statements`).
    statements: Arc<AtomicU64>,
}

impl Lease {
    /// Takes a connection from `db`'s pool; `None` when `db` is not PostgreSQL.
    pub async fn acquire(
        db: &DatabaseConnection,
        statements: Arc<AtomicU64>,
    ) -> Result<Option<Lease>, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(None);
        }
        let conn = db
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(|e| match e {
                sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
                sqlx::Error::PoolClosed => {
                    DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)
                }
                e => DbErr::Conn(RuntimeErr::SqlxError(e.into())),
            })?;
        Ok(Some(Lease {
            conn: tokio::sync::Mutex::new(conn),
            statements,
        }))
    }

    fn counted(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
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
        self.counted();
        let mut conn = self.conn.lock().await;
        let done = query(&stmt).execute(&mut **conn).await.map_err(query_err)?;
        Ok(done.into())
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.counted();
        let mut conn = self.conn.lock().await;
        let done = conn
            .execute(sqlx::AssertSqlSafe(sql.to_owned()))
            .await
            .map_err(query_err)?;
        Ok(done.into())
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.counted();
        let mut conn = self.conn.lock().await;
        let row = query(&stmt)
            .fetch_optional(&mut **conn)
            .await
            .map_err(query_err)?;
        Ok(row.map(Into::into))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.counted();
        let mut conn = self.conn.lock().await;
        let rows = query(&stmt)
            .fetch_all(&mut **conn)
            .await
            .map_err(query_err)?;
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
