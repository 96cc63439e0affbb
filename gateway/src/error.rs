//! The one place where domain errors become GraphQL errors with `extensions.code`
//! (SPEC §8). Internal errors are logged with the request id and shown only as
//! `INTERNAL` with that id.

use async_graphql::ErrorExtensions;

tokio::task_local! {
    /// The id of the HTTP request being served (from `x-request-id`).
    pub static REQUEST_ID: String;
}

/// Every error a caller can see. The `code` of each is stable and documented in the
/// README; front ends switch on it.
///
/// Deliberately not `Display`: async-graphql turns any `Display` error into a response
/// with its text, so only the mapping below decides what a caller sees.
#[derive(Debug)]
pub enum ApiError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    BadUserInput {
        message: String,
        field: Option<&'static str>,
    },
    Conflict(String),
    RateLimited {
        message: String,
        retry_after_seconds: u64,
    },
    /// A specific refusal with its own code, e.g. `PARTNER_USER_INACTIVE`.
    Refused {
        code: &'static str,
        message: String,
    },
    /// The database cannot be reached right now: worth retrying shortly.
    Unavailable(String),
    /// Anything the caller did not cause: logged, shown only as `INTERNAL`.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadUserInput {
            message: message.into(),
            field: Some(field),
        }
    }

    /// `RATE_LIMITED`: `what` happened too often; the caller may try again at `at`, which
    /// the message names both as a wait and as a time.
    pub fn rate_limited(what: &str, at: chrono::DateTime<chrono::Utc>) -> Self {
        let secs = Ord::max(
            u64::try_from((at - chrono::Utc::now()).num_seconds()).unwrap_or(0),
            1,
        );
        let wait = match secs {
            0..=59 => format!("{secs} s"),
            60..=3599 => format!("{} min", secs.div_ceil(60)),
            _ => format!("{} h", secs.div_ceil(3600)),
        };
        ApiError::RateLimited {
            message: format!(
                "{what}: try again in {wait} ({})",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            retry_after_seconds: secs,
        }
    }

    pub fn unauthenticated() -> Self {
        ApiError::Unauthenticated("sign in first: this needs a valid session".into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadUserInput { .. } => "BAD_USER_INPUT",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::RateLimited { .. } => "RATE_LIMITED",
            ApiError::Refused { code, .. } => code,
            ApiError::Unavailable(_) => "SERVICE_UNAVAILABLE",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The error as an operator at a terminal reads it (`gateway staff …`): its message,
    /// and an internal error in full.
    pub fn for_terminal(&self) -> String {
        match self {
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Unavailable(m)
            | ApiError::BadUserInput { message: m, .. }
            | ApiError::RateLimited { message: m, .. }
            | ApiError::Refused { message: m, .. } => format!("{}: {m}", self.code()),
            ApiError::Internal(e) => format!("INTERNAL: {e:#}"),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        match e {
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                tracing::warn!(error = %e, "database unreachable");
                ApiError::Unavailable(
                    "the service is briefly unavailable; try again in a few seconds".into(),
                )
            }
            // A statement that failed because the connection broke (the server shut
            // down or restarted under it) is the same outage, not a bug.
            sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(ref sqlx))
            | sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(ref sqlx))
                if connection_lost(sqlx) =>
            {
                tracing::warn!(error = %e, "database unreachable");
                ApiError::Unavailable(
                    "the service is briefly unavailable; try again in a few seconds".into(),
                )
            }
            e => ApiError::Internal(e.into()),
        }
    }
}

/// An I/O error on the connection, or PostgreSQL saying it is going away or not ready
/// (SQLSTATE classes 08, connection exception, and 57, operator intervention).
fn connection_lost(e: &sea_orm::sqlx::Error) -> bool {
    match e {
        sea_orm::sqlx::Error::Io(_) | sea_orm::sqlx::Error::Tls(_) => true,
        sea_orm::sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57")),
        _ => false,
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        match e {
            ApiError::Internal(inner) => {
                let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
                tracing::error!(request_id = %request_id, error = ?inner, "internal error");
                async_graphql::Error::new(format!(
                    "something went wrong on our side; quote request id {request_id} to support"
                ))
                .extend_with(|_, ext| {
                    ext.set("code", code);
                    ext.set("requestId", request_id.clone());
                })
            }
            ApiError::BadUserInput { message, field } => async_graphql::Error::new(message)
                .extend_with(|_, ext| {
                    ext.set("code", code);
                    if let Some(f) = field {
                        ext.set("field", f);
                    }
                }),
            ApiError::RateLimited {
                message,
                retry_after_seconds,
            } => async_graphql::Error::new(message).extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("retryAfterSeconds", retry_after_seconds);
            }),
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Unavailable(m)
            | ApiError::Refused { message: m, .. } => {
                async_graphql::Error::new(m).extend_with(|_, ext| ext.set("code", code))
            }
        }
    }
}

/// An error the HTTP layer answers itself, before or around GraphQL execution (a body
/// too large, a batch too big, the per-address limit, a timeout, a panic): the same
/// `{"errors":[{message, extensions:{code, …}}]}` shape as a GraphQL error, so a front end
/// reads one shape whatever refused it. `retry_after_seconds` also sets `Retry-After`.
pub fn http_error(
    status: axum::http::StatusCode,
    code: &str,
    message: impl Into<String>,
    retry_after_seconds: Option<u64>,
) -> axum::response::Response {
    let mut extensions = serde_json::json!({ "code": code });
    if let Some(secs) = retry_after_seconds {
        extensions["retryAfterSeconds"] = secs.into();
    }
    error_body(status, message.into(), extensions, retry_after_seconds)
}

fn error_body(
    status: axum::http::StatusCode,
    message: String,
    extensions: serde_json::Value,
    retry_after_seconds: Option<u64>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": extensions }] });
    let mut res = (status, axum::Json(body)).into_response();
    if let Some(secs) = retry_after_seconds {
        res.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, secs.into());
    }
    res
}

impl ApiError {
    /// The HTTP status of this error when a route outside GraphQL answers it.
    pub fn http_status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Refused { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error as a route outside GraphQL answers it (`/export/clients.csv`): its HTTP
    /// status and the GraphQL error's body, with the same extensions (`code`, `field`,
    /// `retryAfterSeconds`, `requestId`), through the same mapping.
    pub fn into_http_response(self) -> axum::response::Response {
        let status = self.http_status();
        let retry = match &self {
            ApiError::RateLimited {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let err: async_graphql::Error = self.into();
        let extensions = serde_json::to_value(&err.extensions).unwrap_or_default();
        error_body(status, err.message, extensions, retry)
    }
}

/// Gives every error async-graphql raised by itself (syntax, validation, depth,
/// complexity) an `extensions.code`, like ours have.
pub fn add_codes(resp: &mut async_graphql::Response) {
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
            // The parser's own bound on nesting (32 levels), met before the depth limit.
            m if m.starts_with("The recursion depth of the query cannot be greater than") => {
                "QUERY_TOO_DEEP"
            }
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
