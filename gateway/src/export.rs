//! `GET /export/clients.csv`: every client of the caller's partner account that matches
//! the client list's filters, as RFC 4180 CSV, streamed in batches by id
//! (`client_list::export_batch`) so memory stays flat however long the list. Made to
//! open cleanly in a spreadsheet: UTF-8 with a byte-order mark (Excel reads accents
//! right), times as `YYYY-MM-DD HH:MM:SS` in UTC (read as dates), and a file name that
//! says what it holds (`clients-trial-2026-12-06.csv`).
//!
//! Who may export, and what the filters mean, are the `clients` query's own rules
//! (`graphql::partner_admin`, `client_list::Filter`); the partner-access column is
//! `Client.partnerAccess` (`ListRow::partner_access`). Refusals are the GraphQL error body
//! with an HTTP status (`ApiError::into_http_response`).
//!
//! The request timeout (`REQUEST_TIMEOUT`) bounds the time to the response's headers, not
//! the body: the route answers once the session, the parameters and the first batch are
//! read, and the rest streams as fast as the caller reads it.

use crate::auth::session;
use crate::error::{ApiError, ApiResult, REQUEST_ID};
use crate::graphql::client_list as types;
use crate::services::AppState;
use crate::services::audit::RequestMeta;
use crate::services::client_list::{self, EXPORT_BATCH, Filter};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::{SeatAccess, client};
use sea_orm::ActiveEnum;
use tower_http::request_id::RequestId;

pub const PATH: &str = "/export/clients.csv";

/// The header row, in column order (`push_client`).
const COLUMNS: [&str; 9] = [
    "id",
    "company id",
    "name",
    "email",
    "status",
    "invited via",
    "invited at (UTC)",
    "trial ends at (UTC)",
    "partner access",
];

/// The export route, with its own state; `crate::http` layers the per-address limit on it.
pub fn router<S: Clone + Send + Sync + 'static>(app: AppState) -> Router<S> {
    Router::new().route(PATH, get(clients_csv)).with_state(app)
}

async fn clients_csv(
    State(app): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    request_id: Option<axum::Extension<RequestId>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let request_id = request_id
        .and_then(|axum::Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_default();
    let auth = match crate::auth::cookie::credential(&headers, app.config.worker.public_url()) {
        Ok((auth, _)) => auth,
        Err(e) => return e.into_http_response(),
    };
    REQUEST_ID
        .scope(request_id.clone(), async move {
            let meta = RequestMeta {
                ip: Some(peer.ip().to_string()),
                request_id,
            };
            match start(app, auth.as_deref(), query, meta).await {
                Ok(walk) => csv_response(walk),
                Err(e) => e.into_http_response(),
            }
        })
        .await
}

/// Everything that can still be refused with a status: the session, the caller's role,
/// the parameters, and the first batch.
async fn start(
    app: AppState,
    auth: Option<&str>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    meta: RequestMeta,
) -> ApiResult<Walk> {
    let viewer = session::resolve(&app.db, auth).await?;
    let v = crate::graphql::context::partner_admin(&viewer)?;
    let Query(pairs) = query.map_err(|_| ApiError::BadUserInput {
        message: "the query string is not valid form encoding".into(),
        field: None,
    })?;
    let asked: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", v.chars().take(100).collect::<String>()))
        .collect();
    let filter = parse_filter(pairs)?;
    let mut walk = Walk {
        db: app.db.clone(),
        lens: client_list::Lens::of(v),
        filter,
        batch: EXPORT_BATCH,
        after: None,
        done: false,
        pending: None,
        request_id: meta.request_id.clone(),
    };
    walk.pending = Some(walk.read().await?);
    // Who took the client list away, and which part of it.
    let detail = if asked.is_empty() {
        "exported the client list as CSV".to_owned()
    } else {
        format!("exported the client list as CSV ({})", asked.join(", "))
    };
    let entry = crate::services::audit::Entry {
        account_id: Some(v.account.id),
        partner_account_id: Some(v.account.id),
        detail: Some(detail),
        ..crate::services::audit::Entry::of(AuditAction::ClientsExported)
    };
    crate::services::audit::record(&app.db, Some(v), &meta, entry).await?;
    Ok(walk)
}

/// The list's filters from the query string: `status`, `search`, `trialEndsBefore`, each
/// at most once. Any other parameter is refused rather than ignored: a mistyped filter
/// would otherwise export every client as if filtered.
fn parse_filter(pairs: Vec<(String, String)>) -> ApiResult<Filter> {
    let mut status = None;
    let mut search = None;
    let mut trial_ends_before = None;
    for (name, value) in pairs {
        let (slot, field): (&mut Option<String>, &'static str) = match name.as_str() {
            "status" => (&mut status, "status"),
            "search" => (&mut search, "search"),
            "trialEndsBefore" => (&mut trial_ends_before, "trialEndsBefore"),
            other => {
                return Err(ApiError::BadUserInput {
                    message: format!(
                        "unknown parameter '{}': the export takes status, search and trialEndsBefore",
                        other.chars().take(40).collect::<String>()
                    ),
                    field: None,
                });
            }
        };
        if slot.replace(value).is_some() {
            return Err(ApiError::bad_input(
                field,
                format!("give {field} at most once"),
            ));
        }
    }
    let status = status
        .map(|s| {
            entity::ClientStatus::try_from_value(&s).map_err(|_| {
                ApiError::bad_input(
                    "status",
                    "status must be one of INVITED, TRIAL, TRIAL_EXPIRED, PAYING",
                )
            })
        })
        .transpose()?;
    let trial_ends_before = trial_ends_before.map(|t| parse_instant(&t)).transpose()?;
    Filter::new(status, search.as_deref(), trial_ends_before)
}

/// An RFC 3339 instant. A `+` offset sent unencoded arrives as a space (form encoding);
/// it is read as the `+` it was.
fn parse_instant(raw: &str) -> ApiResult<DateTime<Utc>> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .or_else(|e| DateTime::parse_from_rfc3339(&raw.replace(' ', "+")).map_err(|_| e))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::bad_input(
                "trialEndsBefore",
                "trialEndsBefore must be an RFC 3339 instant, e.g. 2025-07-01T00:00:00Z",
            )
        })
}

type Row = (client::ListRow, SeatAccess);

/// Where an export stands: the rows after `after` are still to be read.
struct Walk {
    db: sea_orm::DatabaseConnection,
    /// Whose list, as who sees it (a member limited to assigned clients: only those).
    lens: client_list::Lens,
    filter: Filter,
    batch: u64,
    after: Option<i64>,
    done: bool,
    /// The first batch, read before the response starts so that a failure to read it is
    /// still an error response, not a cut-off file.
    pending: Option<Vec<Row>>,
    request_id: String,
}

impl Walk {
    async fn read(&self) -> ApiResult<Vec<Row>> {
        client_list::export_batch(&self.db, &self.lens, &self.filter, self.after, self.batch).await
    }

    /// The next batch as CSV lines, or `None` after the last.
    async fn next(mut self) -> Result<Option<(Bytes, Walk)>, std::io::Error> {
        if self.done {
            return Ok(None);
        }
        let rows = match self.pending.take() {
            Some(rows) => rows,
            None => self.read().await.map_err(|e| {
                // The status and headers are sent: all that is left is to cut the body,
                // which the caller sees as a failed download, never as a complete file.
                tracing::error!(request_id = %self.request_id, error = ?e, "client export stopped");
                std::io::Error::other("the export stopped: the database failed")
            })?,
        };
        self.done = (rows.len() as u64) < self.batch;
        let Some((last, _)) = rows.last() else {
            return Ok(None);
        };
        self.after = Some(last.id);
        let mut out = String::with_capacity(rows.len() * 160);
        for (c, seat) in &rows {
            push_client(&mut out, c, *seat);
        }
        Ok(Some((Bytes::from(out), self)))
    }
}

/// The byte-order mark that tells a spreadsheet the file is UTF-8.
const BOM: &str = "\u{feff}";

/// How instants are written: what spreadsheets read as a date and time.
const INSTANT: &str = "%Y-%m-%d %H:%M:%S";

/// The file's name: what it holds and the day it was made.
fn file_name(filter: &Filter) -> String {
    let what = filter
        .status()
        .map(|s| {
            graphql_name(types::ClientStatus::from(s))
                .to_lowercase()
                .replace('_', "-")
        })
        .unwrap_or_else(|| "all".into());
    format!("clients-{what}-{}.csv", Utc::now().format("%Y-%m-%d"))
}

fn csv_response(walk: Walk) -> Response {
    let name = file_name(&walk.filter);
    let mut head = String::from(BOM);
    push_record(&mut head, COLUMNS);
    let header_row = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(head))]);
    let rows = futures::stream::try_unfold(walk, Walk::next);
    let mut res = Response::new(Body::from_stream(futures::StreamExt::chain(
        header_row, rows,
    )));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The GraphQL name of an enum value (`INVITED`, `NOT_ADMIN`): the export spells every
/// value as the API does.
fn graphql_name<T: async_graphql::InputType>(v: T) -> String {
    match v.to_value() {
        async_graphql::Value::Enum(name) => name.to_string(),
        other => other.to_string(),
    }
}

/// One client as a CSV line, in `COLUMNS` order; instants in UTC to the second.
fn push_client(out: &mut String, c: &client::ListRow, seat: SeatAccess) {
    let access: types::PartnerAccess = c.partner_access(seat, chrono::Utc::now()).into();
    let status: types::ClientStatus = c.status.into();
    let via: types::InviteMethod = c.invited_via.into();
    push_record(
        out,
        [
            c.id.to_string().as_str(),
            c.company_id.as_deref().unwrap_or(""),
            c.name.as_deref().unwrap_or(""),
            &c.email,
            &graphql_name(status),
            &graphql_name(via),
            &c.invited_at.format(INSTANT).to_string(),
            &c.trial_ends_at
                .map(|t| t.format(INSTANT).to_string())
                .unwrap_or_default(),
            &graphql_name(access),
        ],
    );
}

/// One RFC 4180 record: cells separated by commas, ended by CRLF.
fn push_record<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// A cell a spreadsheet would run as a formula (OWASP "CSV injection": it starts with
/// `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`, which spreadsheets
/// show as text. A cell with a comma, quote, CR or LF is quoted, its quotes doubled.
fn push_cell(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = value.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    if quoted {
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(v: &str) -> String {
        let mut out = String::new();
        push_cell(&mut out, v);
        out
    }

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(cell("Acme Ltd"), "Acme Ltd");
        assert_eq!(cell(""), "");
        assert_eq!(cell("jo@example.com"), "jo@example.com");
        assert_eq!(cell("Müller & Söhne"), "Müller & Söhne");
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
    }

    #[test]
    fn separators_and_quotes_are_quoted() {
        assert_eq!(cell("Smith, Jones"), "\"Smith, Jones\"");
        assert_eq!(cell("The \"Best\" Co"), "\"The \"\"Best\"\" Co\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("\""), "\"\"\"\"");
    }

    #[test]
    fn records_end_with_crlf() {
        let mut out = String::new();
        push_record(&mut out, ["a", "b,c", ""]);
        push_record(&mut out, COLUMNS);
        assert_eq!(
            out,
            "a,\"b,c\",\r\nid,company id,name,email,status,invited via,invited at (UTC),trial ends at (UTC),partner access\r\n"
        );
    }

    #[test]
    fn filters_are_checked() {
        let p = |pairs: &[(&str, &str)]| {
            parse_filter(
                pairs
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            )
        };
        assert!(p(&[]).is_ok());
        assert!(p(&[("status", "TRIAL"), ("search", "acme")]).is_ok());
        assert!(p(&[("trialEndsBefore", "2025-07-01T00:00:00Z")]).is_ok());
        assert!(p(&[("trialEndsBefore", "2025-07-01T00:00:00 02:00")]).is_ok());
        let field = |r: ApiResult<Filter>| match r {
            Err(ApiError::BadUserInput { field, .. }) => field,
            _ => Some("accepted"),
        };
        assert_eq!(field(p(&[("status", "trial")])), Some("status"));
        assert_eq!(
            field(p(&[("trialEndsBefore", "tomorrow")])),
            Some("trialEndsBefore")
        );
        assert_eq!(field(p(&[("search", &"x".repeat(101))])), Some("search"));
        assert_eq!(
            field(p(&[("status", "TRIAL"), ("status", "PAYING")])),
            Some("status")
        );
        assert_eq!(field(p(&[("staus", "TRIAL")])), None);
    }
}
