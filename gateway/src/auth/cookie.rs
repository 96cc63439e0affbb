//! The web app's sessions, in cookies its scripts cannot read (issue 24): a session that
//! survives a new tab and a browser restart, and that no script on the page can take.
//!
//! API clients keep sending `Authorization: Bearer <token>`, which wins when present. The
//! web app instead sends `X-Partner-Dashboard: main` (or `client`, for the session a
//! partner opened in a client's account with `logInToClient`) on every call, and the
//! gateway reads that session from its cookie. The header is the protection a cookie
//! needs against cross-site requests: another site's page cannot send a custom header to
//! this origin without a CORS preflight, which the gateway does not grant, and a request
//! that carries the header from another origin is refused. A request without the header
//! runs as if it had no cookie. The cookies are `HttpOnly`, `SameSite=Strict`, `Secure`
//! when `PUBLIC_URL` is https, and scoped to the paths that use them (`/graphql`, which
//! covers `/graphql/ws`, and `/export` for the main session's CSV export).

use crate::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};

/// The header that asks for a cookie session and names which one.
pub const HEADER: &str = "x-partner-dashboard";

/// Which of the web app's two sessions a call uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The signed-in person's own session.
    Main,
    /// The session a partner user opened in a client's account (`logInToClient`).
    Client,
}

impl Which {
    fn cookie(self) -> &'static str {
        match self {
            Which::Main => "pd_session",
            Which::Client => "pd_client_session",
        }
    }

    /// The paths the cookie is sent to: the API (and its WebSocket), and for the main
    /// session the CSV export.
    fn paths(self) -> &'static [&'static str] {
        match self {
            Which::Main => &["/graphql", "/export"],
            Which::Client => &["/graphql"],
        }
    }

    fn parse(value: &str) -> Option<Which> {
        match value.trim() {
            "main" => Some(Which::Main),
            "client" => Some(Which::Client),
            _ => None,
        }
    }
}

/// A call from the web app: which session it uses, and whether its cookies must be
/// `Secure`. Present in a request's data only when the call carried [`HEADER`].
#[derive(Debug, Clone, Copy)]
pub struct CookieMode {
    pub which: Which,
    pub secure: bool,
}

/// What a request authenticates with: the `Authorization` header's value (or one made
/// from the session cookie the web app named), and the cookie mode of a web app call.
pub fn credential(
    headers: &HeaderMap,
    public_url: &str,
) -> ApiResult<(Option<String>, Option<CookieMode>)> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("invalid").to_owned());
    let Some(asked) = headers.get(HEADER) else {
        return Ok((bearer, None));
    };
    let which =
        asked
            .to_str()
            .ok()
            .and_then(Which::parse)
            .ok_or_else(|| ApiError::BadUserInput {
                message: format!("{HEADER} must be `main` or `client`"),
                field: None,
            })?;
    same_origin(headers, public_url)?;
    let mode = CookieMode {
        which,
        secure: public_url.starts_with("https://"),
    };
    if bearer.is_some() {
        return Ok((bearer, Some(mode)));
    }
    let from_cookie = read(headers, which.cookie()).map(|t| format!("Bearer {t}"));
    Ok((from_cookie, Some(mode)))
}

/// Refuses a web app call whose `Origin` is another site: the gateway's own (its
/// `PUBLIC_URL`, or the host the call was sent to) only.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> ApiResult<()> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Browsers send Origin on every cross-origin request and on same-origin POSTs;
        // a GET from the page itself may come without one.
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let own = public_url.trim_end_matches('/');
    let ok = origin == own
        || (!host.is_empty()
            && (origin == format!("http://{host}") || origin == format!("https://{host}")));
    if ok {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "a call with {HEADER} must come from this site's own pages, not from {origin}"
        )))
    }
}

/// The value of cookie `name` in the request, if any.
fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` values that hand a session to the browser until `expires_at`.
pub fn set(mode: CookieMode, which: Which, token: &str, expires_at: DateTime<Utc>) -> Vec<String> {
    let max_age = (expires_at - Utc::now()).num_seconds().max(0);
    cookies(mode, which, token, max_age)
}

/// The `Set-Cookie` values that take a session's cookie away.
pub fn clear(mode: CookieMode, which: Which) -> Vec<String> {
    cookies(mode, which, "", 0)
}

fn cookies(mode: CookieMode, which: Which, value: &str, max_age: i64) -> Vec<String> {
    let secure = if mode.secure { "; Secure" } else { "" };
    which
        .paths()
        .iter()
        .map(|path| {
            format!(
                "{}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
                which.cookie()
            )
        })
        .collect()
}

/// The web app's session cookies on a WebSocket upgrade (its live list), kept when the
/// upgrade comes from this site's own pages: `connection_init` names which to use.
#[derive(Debug, Clone, Default)]
pub struct UpgradeCookies {
    main: Option<String>,
    client: Option<String>,
}

impl UpgradeCookies {
    pub fn of(headers: &HeaderMap, public_url: &str) -> Self {
        // A browser always sends Origin on a WebSocket upgrade; without one (or from
        // another site) the cookies are not the web app's to use.
        if headers.get(header::ORIGIN).is_none() || same_origin(headers, public_url).is_err() {
            return Self::default();
        }
        UpgradeCookies {
            main: read(headers, Which::Main.cookie()),
            client: read(headers, Which::Client.cookie()),
        }
    }

    /// `Bearer <token>` for the session `connection_init` named (`main` or `client`).
    pub fn bearer(&self, named: &str) -> Option<String> {
        let token = match Which::parse(named)? {
            Which::Main => self.main.as_ref(),
            Which::Client => self.client.as_ref(),
        };
        token.map(|t| format!("Bearer {t}"))
    }
}

/// A `Set-Cookie` header value (cookie text is ASCII by construction).
pub fn header_value(cookie: &str) -> HeaderValue {
    HeaderValue::from_str(cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn the_cookie_counts_only_with_the_header_and_from_this_site() {
        let url = "http://127.0.0.1:8000";
        let cookie = ("cookie", "a=b; pd_session=tok; pd_client_session=ctok");
        let none = credential(&headers(&[cookie]), url).unwrap();
        assert_eq!(none.0, None, "no header: the cookie is ignored");
        let main = credential(&headers(&[cookie, (HEADER, "main")]), url).unwrap();
        assert_eq!(main.0.as_deref(), Some("Bearer tok"));
        let client = credential(&headers(&[cookie, (HEADER, "client")]), url).unwrap();
        assert_eq!(client.0.as_deref(), Some("Bearer ctok"));
        let foreign = credential(
            &headers(&[cookie, (HEADER, "main"), ("origin", "http://evil.example")]),
            url,
        );
        assert!(matches!(foreign, Err(ApiError::Forbidden(_))));
        let own = credential(
            &headers(&[
                cookie,
                (HEADER, "main"),
                ("origin", "http://localhost:9000"),
                ("host", "localhost:9000"),
            ]),
            url,
        )
        .unwrap();
        assert_eq!(own.0.as_deref(), Some("Bearer tok"));
    }

    #[test]
    fn cookies_are_http_only_strict_and_scoped() {
        let mode = CookieMode {
            which: Which::Main,
            secure: true,
        };
        let set = set(
            mode,
            Which::Main,
            "tok",
            Utc::now() + chrono::Duration::hours(1),
        );
        assert_eq!(set.len(), 2);
        assert!(set[0].starts_with("pd_session=tok; Path=/graphql; Max-Age=35"));
        assert!(set[0].ends_with("; HttpOnly; SameSite=Strict; Secure"));
        assert!(set[1].contains("Path=/export"));
        let gone = clear(mode, Which::Client);
        assert_eq!(
            gone,
            ["pd_client_session=; Path=/graphql; Max-Age=0; HttpOnly; SameSite=Strict; Secure"]
        );
    }
}
