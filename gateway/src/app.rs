//! Starting and stopping the whole system of one gateway process.

use crate::auth::PasswordHasher;
use crate::config::Config;
use crate::graphql::build_schema;
use crate::services::AppState;
use anyhow::Context;
use sea_orm_migration::MigratorTrait;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use worker::{JobQueue, Nudge, WorkerRuntime};

pub struct App;

/// A gateway that is serving. Stop it with [`RunningApp::shutdown`].
pub struct RunningApp {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: CancellationToken,
    server: JoinHandle<std::io::Result<()>>,
    worker: Option<WorkerRuntime>,
}

impl App {
    /// Opens the database (applying migrations) and the queue, starts the embedded worker
    /// when configured, and starts serving on `config.listen_addr` (port 0 picks a free one).
    pub async fn start(config: Config) -> anyhow::Result<RunningApp> {
        worker::telemetry::prometheus();
        worker::telemetry::spawn_upkeep();
        std::fs::create_dir_all(&config.worker.data_dir)
            .with_context(|| format!("creating DATA_DIR {}", config.worker.data_dir.display()))?;
        let db = entity::db::connect(
            &config.worker.database_url(),
            config.worker.database_max_connections,
        )
        .await
        .context("connecting to the database")?;
        migration::Migrator::up(&db, None)
            .await
            .context("applying migrations")?;
        let queue = JobQueue::connect(&config.worker)
            .await
            .context("opening the job queue")?;
        let nudge = Nudge::default();
        let worker = if config.embedded_worker {
            let runtime =
                WorkerRuntime::start(&config.worker, db.clone(), queue.clone(), nudge.clone());
            Some(runtime.await?)
        } else {
            None
        };
        let (state, live) = services(&config, db, queue, nudge).await?;
        // The embedded front-end files are compressed once, before the first request.
        tokio::task::spawn_blocking(|| {
            crate::web::prepare();
            crate::graphiql::prepare();
        })
        .await
        .context("compressing the embedded front-end files")?;
        let schema = build_schema(Some((state.clone(), live.clone())));
        let router = crate::http::router(schema, state.clone(), live.clone(), &config);
        let stop = CancellationToken::new();
        crate::live::start(&live, state.db.clone(), &state.queue, stop.clone());
        crate::auth::session_cache::SessionCache::start(
            state.session_cache.clone(),
            &state.queue,
            stop.clone(),
        );
        // Serve once the live lists hear other processes' events (with Redis, the relay
        // has subscribed): an event of the first requests is not lost.
        let within = std::time::Duration::from_secs(10);
        for (bus, ready) in [
            (
                "client events",
                state.queue.events().wait_listening(within).await,
            ),
            (
                "session events",
                state.queue.sessions().wait_listening(within).await,
            ),
        ] {
            if !ready {
                tracing::warn!(
                    bus,
                    "not yet listening on Redis after 10 s; serving anyway (its events are lost until it is)"
                );
            }
        }
        let (addr, server) = serve(config.listen_addr, router, stop.clone()).await?;
        tracing::info!(%addr, "gateway listening: GraphQL at http://{addr}/graphql, GraphiQL at http://{addr}/graphiql");
        if let Some(metrics_addr) = config.metrics_addr {
            serve(metrics_addr, crate::http::metrics_router(), stop.clone()).await?;
            tracing::info!(%metrics_addr, "metrics at http://{metrics_addr}/metrics");
        }
        Ok(RunningApp {
            addr,
            state,
            stop,
            server,
            worker,
        })
    }
}

/// What the requests use: the state every service needs, and the live-list subscribers.
async fn services(
    config: &Config,
    mut db: sea_orm::DatabaseConnection,
    queue: JobQueue,
    nudge: Nudge,
) -> anyhow::Result<(AppState, crate::live::Live)> {
    // Count the statements requests run. Set after the worker took its own copy of the
    // connection, so background work is not counted.
    let statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    let hasher =
        PasswordHasher::new(std::thread::available_parallelism().map_or(2, |n| n.get())).await?;
    let namespace = &config.worker.queue_namespace;
    let (limiter, seats) = match queue.redis_connection() {
        Some(conn) => (
            crate::ratelimit::Limiter::redis(conn.clone(), namespace.clone()),
            crate::live::seats::Seats::redis(conn, namespace),
        ),
        None => (
            crate::ratelimit::Limiter::local(),
            crate::live::seats::Seats::local(),
        ),
    };
    let secrets = crate::auth::secret_box::SecretBox::configured(
        config.totp_encryption_key.as_deref(),
        &config.worker.data_dir,
    )?;
    let list_connections = crate::lease::ListConnections::new(&db, config.list_connections);
    let state = AppState {
        db,
        hasher,
        config: Arc::new(config.clone()),
        nudge,
        queue,
        limiter: Arc::new(limiter),
        statements,
        secrets,
        passkeys: Arc::new(crate::auth::passkey::RelyingParty::configured(config)?),
        session_cache: Arc::new(crate::auth::session_cache::SessionCache::new(
            config.session_cache_ttl,
        )),
        list_connections,
    };
    Ok((state, crate::live::Live::new(config.live.clone(), seats)))
}

/// Serves `router` on `addr` until `stop`, letting requests under way finish.
async fn serve(
    addr: SocketAddr,
    router: axum::Router,
    stop: CancellationToken,
) -> anyhow::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let bound = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await;
        if let Err(e) = &served {
            tracing::error!(error = %e, %bound, "a listener stopped");
        }
        served
    });
    Ok((bound, server))
}

impl RunningApp {
    /// Stops taking connections, lets in-flight requests finish, then stops the embedded
    /// worker (running jobs finish; fetched ones go back to the queue).
    pub async fn shutdown(self) {
        self.stop.cancel();
        match self.server.await {
            Ok(Err(e)) => tracing::error!(error = %e, "server error during shutdown"),
            Err(e) => tracing::error!(error = %e, "server task failed"),
            Ok(Ok(())) => {}
        }
        if let Some(w) = self.worker {
            w.shutdown().await;
        }
        self.state.db.clone().close().await.ok();
    }
}
