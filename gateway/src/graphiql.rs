//! GraphiQL for support staff at `/graphiql`, served entirely from the binary: the page,
//! its start-up script and the React and GraphiQL builds (vendored from npm at pinned
//! versions in `gateway/assets/graphiql/`, see its VERSIONS.md). The page loads nothing
//! from another host, so it works offline, and its CSP allows scripts from 'self' only.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The page's policy. Scripts: only the files below (no inline script, no eval; the
/// React and GraphiQL builds are production UMD builds that need neither).
/// Styles need 'unsafe-inline': GraphiQL's dialogs (settings, shortcuts) lock scrolling by
/// adding a `<style>` element (react-remove-scroll), and the docs' rendered markdown can
/// carry style attributes. Fonts and a few icons are data: URLs inside graphiql's CSS.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// Where the assets are served; `index.html` names them under this path.
pub const ASSETS_PATH: &str = "/graphiql/assets";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
/// The vendored files carry their version in their name: a new version is a new URL.
const VERSIONED: &str = "public, max-age=31536000, immutable";
/// The page and init.js change with the gateway, under the same URL.
const REVALIDATE: &str = "no-cache";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    cache_control: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: JS,
        cache_control: VERSIONED,
        body: include_bytes!("../assets/graphiql/react-18.3.1.production.min.js"),
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: JS,
        cache_control: VERSIONED,
        body: include_bytes!("../assets/graphiql/react-dom-18.3.1.production.min.js"),
    },
    Asset {
        name: "graphiql-4.1.2.min.js",
        content_type: JS,
        cache_control: VERSIONED,
        body: include_bytes!("../assets/graphiql/graphiql-4.1.2.min.js"),
    },
    Asset {
        name: "graphiql-4.1.2.min.css",
        content_type: CSS,
        cache_control: VERSIONED,
        body: include_bytes!("../assets/graphiql/graphiql-4.1.2.min.css"),
    },
    Asset {
        name: "init.js",
        content_type: JS,
        cache_control: REVALIDATE,
        body: include_bytes!("../assets/graphiql/init.js"),
    },
];

const PAGE: &str = include_str!("../assets/graphiql/index.html");

/// `/graphiql` and its assets.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/graphiql", get(page))
        .route(&format!("{ASSETS_PATH}/{{file}}"), get(asset))
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, REVALIDATE),
        ],
        PAGE,
    )
        .into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, a.cache_control),
            ],
            a.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file the page names is embedded, and every embedded file is named by the page.
    #[test]
    fn the_page_names_exactly_the_embedded_assets() {
        let named: Vec<&str> = PAGE
            .split(['"', '\''])
            .filter_map(|s| s.strip_prefix(ASSETS_PATH)?.strip_prefix('/'))
            .collect();
        let mut embedded: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        let mut sorted = named.clone();
        sorted.sort_unstable();
        embedded.sort_unstable();
        assert_eq!(sorted, embedded, "index.html names {named:?}");
    }
}
