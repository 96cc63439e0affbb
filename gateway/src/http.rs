//! The HTTP surface: `/graphql` (POST and GET), `/graphql/ws` (`crate::live`),
//! `/export/clients.csv` (`crate::export`), the web front end's pages and files
//! (`crate::web`),
//! `/graphiql` (its page and assets in `crate::graphiql`), `/healthz`, `/readyz`,
//! `/metrics`.

use crate::auth::session;
use crate::error::{REQUEST_ID, http_error};
use crate::graphql::AppSchema;
use crate::lease::{Lease, Lent};
use crate::limits::{Gate, QueryLimits};
use crate::ratelimit::Bucket;
use crate::services::AppState;
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
struct HttpState {
    schema: AppSchema,
    app: AppState,
    live: crate::live::Live,
    gate: std::sync::Arc<Gate>,
}

/// CORS for the configured origins only; none when the list is empty.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(tower_http::cors::AllowOrigin::list(origins))
            .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
            .max_age(Duration::from_secs(600)),
    )
}

/// The gateway's routes (see the module's doc) with the layers every request passes:
/// panics and time limits turned into coded errors, the body size limit, the security
/// headers, request ids and tracing, and CORS for the configured origins.
pub fn router(
    schema: AppSchema,
    app: AppState,
    live: crate::live::Live,
    config: &crate::config::Config,
) -> Router {
    let sec = &config.security;
    let limits = QueryLimits {
        max_depth: sec.max_depth,
        max_tokens: sec.max_tokens,
        max_aliases: sec.max_aliases,
        max_root_fields: sec.max_root_fields,
        introspection: sec.explorable(),
    };
    let gate = Gate::new(limits, DOCUMENTS_CACHED, crate::graphql::root_fields());
    let state = HttpState {
        schema,
        app,
        live,
        gate: std::sync::Arc::new(gate),
    };
    let router = layered(routes(state, config), config);
    match cors(&sec.cors_allowed_origins) {
        Some(layer) => router.layer(layer),
        None => router,
    }
}

/// Every route. The per-address ceiling runs before a body is read (a flood of refused
/// requests costs their headers, not their parsing), on `/graphql`, the live list's
/// WebSocket upgrade and the export.
fn routes(state: HttpState, config: &crate::config::Config) -> Router {
    let limited = || axum::middleware::from_fn_with_state(state.clone(), per_address_limit);
    let mut routes = Router::new()
        .route(
            "/graphql",
            get(graphql).post(graphql).route_layer(limited()),
        )
        .route("/graphql/ws", get(graphql_ws).route_layer(limited()))
        // The timeout layer bounds the time to the export's headers, not its body, so a
        // long export streams to the end.
        .merge(crate::export::router(state.app.clone()).route_layer(limited()));
    if config.security.explorable() {
        routes = routes.merge(crate::graphiql::router());
    }
    routes = routes.merge(crate::web::router());
    if config.metrics_on_public_port {
        routes = routes.route("/metrics", get(metrics));
    }
    routes
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

/// The layers around every route, innermost first.
fn layered(router: Router, config: &crate::config::Config) -> Router {
    let request_timeout = config.request_timeout;
    let x_request_id = header::HeaderName::from_static("x-request-id");
    let timed_out = move |_: axum::BoxError| async move {
        let message = format!(
            "the request took longer than {} s and was stopped; try again",
            request_timeout.as_secs_f64()
        );
        http_error(StatusCode::SERVICE_UNAVAILABLE, "TIMEOUT", message, None)
    };
    router
        .layer(CatchPanicLayer::custom(|_| {
            http_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "the server hit an unexpected error",
                None,
            )
        }))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(timed_out))
                .timeout(request_timeout),
        )
        .layer(RequestBodyLimitLayer::new(config.security.max_body_bytes))
        .layer(axum::middleware::map_response(json_payload_too_large))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}

/// The body-limit layer answers 413 in plain text; callers get a coded GraphQL error.
async fn json_payload_too_large(res: Response) -> Response {
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return http_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than this server accepts (MAX_BODY_BYTES)",
            None,
        );
    }
    res
}

/// How many distinct query texts the gateway keeps parsed (front ends send a few
/// dozen; see `DocumentCache`).
const DOCUMENTS_CACHED: usize = 1024;

/// A body that is not a GraphQL request at all gets a GraphQL-shaped error with a code.
pub struct BadRequest(async_graphql::ParseRequestError);

impl From<async_graphql::ParseRequestError> for BadRequest {
    fn from(e: async_graphql::ParseRequestError) -> Self {
        BadRequest(e)
    }
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        let (status, code) = match &self.0 {
            async_graphql::ParseRequestError::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
            }
            _ => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        };
        let message = format!("this is not a valid GraphQL request: {}", self.0);
        http_error(status, code, message, None)
    }
}

/// `RATE_LIMIT_IP`: every request to `/graphql` and `/export/clients.csv` per client address, before its body is read.
async fn per_address_limit(
    State(st): State<HttpState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (sec, ip) = (&st.app.config.security, peer.ip().to_string());
    match st.app.limiter.take(sec, Bucket::Ip, &ip, 1).await {
        Ok(()) => next.run(req).await,
        Err(refused) => refused.into_http_response(),
    }
}

/// Refuses a request before anything runs: the batch size, and each operation's text and
/// document (`crate::limits`). Gives each operation's metric labels otherwise.
fn admit(
    st: &HttpState,
    batch: &mut async_graphql::BatchRequest,
) -> Result<Vec<(&'static str, String)>, Box<Response>> {
    let sec = &st.app.config.security;
    let requests: Vec<&mut async_graphql::Request> = match batch {
        async_graphql::BatchRequest::Single(r) => vec![r],
        async_graphql::BatchRequest::Batch(rs) => {
            if rs.len() > sec.max_batch {
                return Err(Box::new(http_error(
                    StatusCode::BAD_REQUEST,
                    "BATCH_TOO_LARGE",
                    format!(
                        "a batch may hold at most {} operations; this one has {}",
                        sec.max_batch,
                        rs.len()
                    ),
                    None,
                )));
            }
            rs.iter_mut().collect()
        }
    };
    requests
        .into_iter()
        .map(|r| {
            let labels = st.gate.inspect(r)?;
            if is_subscription(r) {
                return Err((
                    "BAD_REQUEST",
                    "subscriptions are served over WebSocket at /graphql/ws (graphql-transport-ws): open a connection there".to_owned(),
                ));
            }
            Ok(labels)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|(code, message)| {
            Box::new(http_error(StatusCode::BAD_REQUEST, code, message, None))
        })
}

/// Whether the operation `req` selects is a subscription.
fn is_subscription(req: &mut async_graphql::Request) -> bool {
    let name = req.operation_name.clone();
    req.parsed_query().is_ok_and(|doc| {
        crate::limits::operation::selected_operation(doc, name.as_deref()).is_some_and(|op| {
            op.node.ty == async_graphql::parser::types::OperationType::Subscription
        })
    })
}

/// Records each operation's outcome and duration under its labels.
fn record_metrics(
    labels: &[(&'static str, String)],
    response: &async_graphql::BatchResponse,
    seconds: f64,
) {
    match response {
        async_graphql::BatchResponse::Single(r) => {
            crate::metrics::record(&labels[0], r.is_ok(), seconds)
        }
        async_graphql::BatchResponse::Batch(rs) => {
            for (l, r) in labels.iter().zip(rs) {
                crate::metrics::record(l, r.is_ok(), seconds);
            }
        }
    }
}

/// `/graphql/ws`: the live client list (`crate::live`).
async fn graphql_ws(
    State(st): State<HttpState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ws: axum::extract::ws::WebSocketUpgrade,
) -> Response {
    let asked = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok());
    let Some(protocol) = crate::live::protocol_of(asked) else {
        return http_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "ask for the graphql-transport-ws subprotocol (Sec-WebSocket-Protocol: graphql-transport-ws)",
            None,
        );
    };
    let caller = crate::live::Caller {
        peer,
        cookies: crate::auth::cookie::UpgradeCookies::of(
            &headers,
            st.app.config.worker.public_url(),
        ),
    };
    crate::live::upgrade(
        st.app.clone(),
        st.live.clone(),
        st.schema.clone(),
        st.gate.clone(),
        caller,
        protocol,
        ws,
    )
    .await
}

/// The request's viewer, and for the client list alone the connection it lends the list
/// (`crate::lease`): the session as this gateway holds it (then the page is the only
/// statement) or read on that connection, and kept (`auth::session_cache`).
async fn who_asks(
    app: &crate::services::AppState,
    auth: Option<&str>,
    lend: bool,
) -> crate::error::ApiResult<(session::Viewer, Option<Lease>)> {
    let token_hash = auth
        .filter(|_| lend)
        .and_then(session::bearer)
        .map(|t| t.hash().into_string());
    // The connection first: waiting for one may outlast an event that ends the session.
    let lease = if lend {
        Lease::acquire(
            &app.db,
            app.list_connections.as_ref(),
            app.statements.clone(),
        )
        .await?
    } else {
        None
    };
    let cached = token_hash.as_deref().and_then(|h| app.session_cache.get(h));
    if let Some(v) = cached {
        return Ok((v, lease));
    }
    let ticket = app.session_cache.ticket();
    let viewer = match &lease {
        Some(lease) => session::resolve(lease, auth).await?,
        None => session::resolve(&app.db, auth).await?,
    };
    if let Some(h) = token_hash {
        app.session_cache.keep(ticket, h, &viewer);
    }
    Ok((viewer, lease))
}

/// `/graphql`: admit the request, read the session (on the connection the client list
/// will use, when it runs alone), execute, code every error, count it.
async fn graphql(
    State(st): State<HttpState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    request_id: Option<axum::Extension<RequestId>>,
    req: GraphQLBatchRequest<BadRequest>,
) -> Response {
    let request_id = request_id
        .and_then(|axum::Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_default();
    let mut batch = req.into_inner();
    let labels = match admit(&st, &mut batch) {
        Ok(labels) => labels,
        Err(refused) => return *refused,
    };
    let (auth, cookie_mode) =
        match crate::auth::cookie::credential(&headers, st.app.config.worker.public_url()) {
            Ok(found) => found,
            Err(e) => return e.into_http_response(),
        };
    let auth = auth.as_deref();
    let lend = auth.is_some() && crate::lease::is_client_list_alone(&mut batch);
    let scope = REQUEST_ID.scope(request_id.clone(), async move {
        let unavailable = |e: crate::error::ApiError| {
            let code = e.code();
            let err: async_graphql::Error = e.into();
            http_error(StatusCode::SERVICE_UNAVAILABLE, code, err.message, None)
        };
        let (viewer, lease) = match who_asks(&st.app, auth, lend).await {
            Ok(found) => found,
            Err(e) => return unavailable(e),
        };
        let meta = crate::services::audit::RequestMeta {
            ip: Some(peer.ip().to_string()),
            request_id: request_id.clone(),
        };
        let budget =
            crate::graphql::HashBudget::new(st.app.config.security.max_password_hashes_per_request);
        let mut batch = batch.data(viewer).data(meta).data(budget);
        if let Some(token) = auth.and_then(session::bearer) {
            batch = batch.data(session::PresentedToken(token));
        }
        if let Some(mode) = cookie_mode {
            batch = batch.data(mode);
        }
        if let Some(lease) = lease {
            batch = batch.data(Lent::new(lease));
        }
        let started = std::time::Instant::now();
        let mut response = st.schema.execute_batch(batch).await;
        match &mut response {
            async_graphql::BatchResponse::Single(r) => crate::error::add_codes(r),
            async_graphql::BatchResponse::Batch(rs) => {
                rs.iter_mut().for_each(crate::error::add_codes)
            }
        }
        record_metrics(&labels, &response, started.elapsed().as_secs_f64());
        GraphQLResponse::from(response).into_response()
    });
    scope.await
}

/// Prometheus text format: requests and latencies per GraphQL operation, and (with the
/// embedded worker) jobs, queue depths, the outbox backlog and emails sent and failed.
/// `/metrics` alone, for the `METRICS_ADDR` listener.
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        worker::telemetry::render(),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database and the job queue answer.
async fn readyz(State(st): State<HttpState>) -> Response {
    // Each check gets 2 s: an unreachable server must not hang the probe.
    let limit = Duration::from_secs(2);
    let db = match tokio::time::timeout(
        limit,
        sea_orm::ConnectionTrait::execute_unprepared(&st.app.db, "SELECT 1"),
    )
    .await
    {
        Ok(r) => r.map(drop).map_err(|e| e.to_string()),
        Err(_) => Err("no answer within 2 s".to_owned()),
    };
    let queue = match tokio::time::timeout(limit, st.app.queue.ping()).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("no answer within 2 s".to_owned()),
    };
    let body = json!({
        "database": if db.is_ok() { "ok" } else { "unreachable" },
        "queue": if queue.is_ok() { "ok" } else { "unreachable" },
    });
    if db.is_ok() && queue.is_ok() {
        (StatusCode::OK, Json(body)).into_response()
    } else {
        if let Err(e) = db {
            tracing::warn!(error = %e, "readyz: database unreachable");
        }
        if let Err(e) = queue {
            tracing::warn!(error = %e, "readyz: queue unreachable");
        }
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}
