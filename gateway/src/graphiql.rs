//! GraphiQL for support staff at `/graphiql`, served entirely from the binary: the page,
//! its start-up script and the React and GraphiQL builds (vendored from npm at pinned
//! versions in `gateway/assets/graphiql/`, see its VERSIONS.md). The page loads nothing
//! from another host, so it works offline, and its CSP allows scripts from 'self' only.

use crate::assets::{Asset, CSS, HTML, JS, REVALIDATE, VERSIONED};
use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
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
static PAGE_ASSET: Asset = Asset {
    name: "index.html",
    content_type: HTML,
    cache_control: REVALIDATE,
    body: PAGE.as_bytes(),
};

/// `/graphiql` and its assets.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/graphiql", get(page))
        .route(&format!("{ASSETS_PATH}/{{file}}"), get(asset))
}

/// Compresses the files now (`crate::assets::prepare`).
pub fn prepare() {
    crate::assets::prepare(ASSETS);
    crate::assets::prepare(std::slice::from_ref(&PAGE_ASSET));
}

async fn page(headers: HeaderMap) -> Response {
    crate::assets::page(&PAGE_ASSET, CSP, &headers)
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    crate::assets::one_of(ASSETS, &file, &headers)
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
