//! The HTTP surface: `/graphql` (POST and GET), `/graphiql`, `/healthz`, `/readyz`,
//! `/metrics`.

use crate::auth::session;
use crate::error::REQUEST_ID;
use crate::graphql::AppSchema;
use crate::lease::{Lease, Lent};
use crate::limits::{DocumentCache, QueryLimits};
use crate::services::AppState;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
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
    limits: QueryLimits,
    documents: std::sync::Arc<DocumentCache>,
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

pub fn router(schema: AppSchema, app: AppState, config: &crate::config::Config) -> Router {
    let sec = &config.security;
    let request_timeout = config.request_timeout;
    let x_request_id = header::HeaderName::from_static("x-request-id");
    let limits = QueryLimits {
        max_tokens: sec.max_tokens,
        max_aliases: sec.max_aliases,
        max_root_fields: sec.max_root_fields,
        introspection: sec.explorable(),
    };
    let mut routes = Router::new().route("/graphql", get(graphql).post(graphql));
    if sec.explorable() {
        routes = routes.route("/graphiql", get(graphiql));
    }
    let router = routes
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(HttpState {
            schema,
            app,
            limits,
            documents: std::sync::Arc::new(DocumentCache::new(DOCUMENTS_CACHED)),
        })
        .layer(CatchPanicLayer::custom(|_| internal_response("the server hit an unexpected error")))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(
                    move |_: axum::BoxError| async move {
                        graphql_error(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "TIMEOUT",
                            format!(
                                "the request took longer than {} s and was stopped; try again",
                                request_timeout.as_secs_f64()
                            ),
                        )
                    },
                ))
                .timeout(request_timeout),
        )
        .layer(RequestBodyLimitLayer::new(sec.max_body_bytes))
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
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid));
    match cors(&sec.cors_allowed_origins) {
        Some(layer) => router.layer(layer),
        None => router,
    }
}

/// The body-limit layer answers 413 in plain text; callers get a coded GraphQL error.
async fn json_payload_too_large(res: Response) -> Response {
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return graphql_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than this server accepts (MAX_BODY_BYTES)".into(),
        );
    }
    res
}

/// How many distinct query texts the gateway keeps parsed (front ends send a few
/// dozen; see `DocumentCache`).
const DOCUMENTS_CACHED: usize = 1024;

/// Checks one operation's text against the limits and names it for the metrics.
/// The request keeps the parsed document, so async-graphql does not parse it again.
fn inspect(
    req: &mut async_graphql::Request,
    limits: &QueryLimits,
    documents: &DocumentCache,
) -> Result<(&'static str, String), crate::limits::Refusal> {
    crate::limits::check_text(&req.query, limits)?;
    documents.prepare(req);
    let operation = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else {
        // async-graphql reports the syntax error itself.
        return Ok(("invalid", "-".into()));
    };
    crate::limits::check_document(doc, limits)?;
    let labels = crate::metrics::labels(operation.as_deref(), doc);
    if !limits.introspection && labels.1 == "introspection" {
        return Err((
            "INTROSPECTION_DISABLED",
            "introspection is turned off here".into(),
        ));
    }
    Ok(labels)
}

/// Whether the request is the client list alone: one query whose only root selection
/// is `clients`. Such a request runs no statement but the session's and the list's, so
/// it may hold one connection for both (`crate::lease`).
fn is_client_list_alone(batch: &mut async_graphql::BatchRequest) -> bool {
    use async_graphql::parser::types::{OperationType, Selection};
    let async_graphql::BatchRequest::Single(req) = batch else {
        return false;
    };
    let name = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else {
        return false;
    };
    let Some(op) = crate::metrics::selected_operation(doc, name.as_deref()) else {
        return false;
    };
    op.node.ty == OperationType::Query
        && matches!(
            op.node.selection_set.node.items.as_slice(),
            [only] if matches!(&only.node, Selection::Field(f) if f.node.name.node == "clients")
        )
}

/// Gives every error async-graphql raised by itself (syntax, validation, depth,
/// complexity) an `extensions.code`, like ours have.
fn add_codes(resp: &mut async_graphql::Response) {
    for err in &mut resp.errors {
        let has_code = err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = match err.message.as_str() {
            "Query is nested too deep." => "QUERY_TOO_DEEP",
            "Query is too complex." => "QUERY_TOO_COMPLEX",
            // Syntax errors, unknown fields, wrong variable types: before anything ran.
            _ if err.path.is_empty() => "GRAPHQL_VALIDATION_FAILED",
            _ => "INTERNAL",
        };
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

fn internal_response(message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": "INTERNAL" } }] });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

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
        let body = json!({ "errors": [{
            "message": format!("this is not a valid GraphQL request: {}", self.0),
            "extensions": { "code": code }
        }]});
        (status, Json(body)).into_response()
    }
}

fn graphql_error(status: StatusCode, code: &str, message: String) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

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
    let sec = &st.app.config.security;
    if let Err(secs) = st
        .app
        .limiter
        .check(&format!("ip:{}", peer.ip()), sec.rate_limit_ip)
        .await
    {
        let body = json!({ "errors": [{
            "message": format!("too many requests from your address; try again in {secs} s"),
            "extensions": { "code": "RATE_LIMITED", "retryAfterSeconds": secs }
        }]});
        let mut res = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return res;
    }
    let batch = req.into_inner();
    if let async_graphql::BatchRequest::Batch(ops) = &batch
        && ops.len() > sec.max_batch
    {
        return graphql_error(
            StatusCode::BAD_REQUEST,
            "BATCH_TOO_LARGE",
            format!(
                "a batch may hold at most {} operations; this one has {}",
                sec.max_batch,
                ops.len()
            ),
        );
    }
    let mut batch = batch;
    let inspected: Result<Vec<_>, _> = match &mut batch {
        async_graphql::BatchRequest::Single(r) => vec![inspect(r, &st.limits, &st.documents)]
            .into_iter()
            .collect(),
        async_graphql::BatchRequest::Batch(rs) => rs
            .iter_mut()
            .map(|r| inspect(r, &st.limits, &st.documents))
            .collect(),
    };
    let labels = match inspected {
        Ok(labels) => labels,
        Err((code, message)) => return graphql_error(StatusCode::BAD_REQUEST, code, message),
    };
    let auth = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("invalid"));
    let lend = auth.is_some() && is_client_list_alone(&mut batch);
    let scope = REQUEST_ID.scope(request_id.clone(), async move {
        let unavailable = |e: crate::error::ApiError| {
            let code = e.code();
            let err: async_graphql::Error = e.into();
            graphql_error(StatusCode::SERVICE_UNAVAILABLE, code, err.message)
        };
        // The client list alone reads the session and its page on one connection.
        let lease = if lend {
            match Lease::acquire(&st.app.db, st.app.statements.clone()).await {
                Ok(lease) => lease,
                Err(e) => return unavailable(e.into()),
            }
        } else {
            None
        };
        let viewer = match &lease {
            Some(lease) => session::resolve(lease, auth).await,
            None => session::resolve(&st.app.db, auth).await,
        };
        let viewer = match viewer {
            Ok(v) => v,
            Err(e) => return unavailable(e),
        };
        let meta = crate::services::audit::RequestMeta {
            ip: Some(peer.ip().to_string()),
            request_id: request_id.clone(),
        };
        let mut batch = batch.data(viewer).data(meta);
        if let Some(lease) = lease {
            batch = batch.data(Lent::new(lease));
        }
        let started = std::time::Instant::now();
        let mut response = st.schema.execute_batch(batch).await;
        match &mut response {
            async_graphql::BatchResponse::Single(r) => add_codes(r),
            async_graphql::BatchResponse::Batch(rs) => rs.iter_mut().for_each(add_codes),
        }
        let seconds = started.elapsed().as_secs_f64();
        match &response {
            async_graphql::BatchResponse::Single(r) => {
                crate::metrics::record(&labels[0], r.is_ok(), seconds)
            }
            async_graphql::BatchResponse::Batch(rs) => {
                for (l, r) in labels.iter().zip(rs) {
                    crate::metrics::record(l, r.is_ok(), seconds);
                }
            }
        }
        GraphQLResponse::from(response).into_response()
    });
    scope.await
}

async fn graphiql() -> impl IntoResponse {
    let html = GraphiQLSource::build()
        .endpoint("/graphql")
        .title("Partner Dashboard GraphiQL")
        .finish();
    (
        [
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' https://unpkg.com; style-src 'self' 'unsafe-inline' https://unpkg.com; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
            ),
        ],
        Html(html),
    )
}

/// Prometheus text format: requests and latencies per GraphQL operation, and (with the
/// embedded worker) jobs, queue depths, the outbox backlog and emails sent and failed.
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
