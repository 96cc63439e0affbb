//! The partner dashboard's web front end, served from the binary: plain HTML, CSS and
//! JavaScript modules in `gateway/assets/web/` (no bundler, no library; `build.rs` only
//! drops comment lines and indentation from what is shipped), talking to
//! the public `/graphql` and `/graphql/ws` like any front end. Every page route answers
//! the same `index.html`; its module `app.js` starts the router (`routes.js` says which
//! page a path shows), and the pages are modules of `pages/`. Every link in an email
//! lands on one of these pages.

use crate::assets::{Asset, CSS, HTML, JS, REVALIDATE, SVG};
use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

/// The pages' policy: scripts and styles from this origin only (no inline script or
/// style, no eval), requests to this origin only (`/graphql`, `/graphql/ws`,
/// `/export/clients.csv`), and the page may not be framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Where the files are served.
pub const ASSETS_PATH: &str = "/web";

/// The paths `routes.js` renders a page for; each answers `index.html`.
pub const PAGES: &[&str] = &[
    "/",
    "/clients",
    "/login",
    "/signup",
    "/forgot-password",
    "/invite/{token}",
    "/join/{code}",
    "/reset-password/{token}",
    "/client",
    "/team",
    "/security",
    "/audit",
    "/connect",
    "/upgrade",
];

macro_rules! web_asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            cache_control: REVALIDATE,
            // As shipped: without comment lines and indentation (`build.rs`).
            body: include_bytes!(concat!(env!("OUT_DIR"), "/web/", $name)),
        }
    };
}

/// Every file in `gateway/assets/web/` and its folders but `index.html`, by its path
/// there (`pages/x.js` is served at `/web/pages/x.js`).
pub const ASSETS: &[Asset] = &[
    // The entry, and what every page uses.
    web_asset!("app.js", JS),
    web_asset!("router.js", JS),
    web_asset!("routes.js", JS),
    web_asset!("shell.js", JS),
    web_asset!("api.js", JS),
    web_asset!("dom.js", JS),
    web_asset!("csv.js", JS),
    web_asset!("passkey.js", JS),
    web_asset!("widgets/table.js", JS),
    web_asset!("widgets/tabs.js", JS),
    web_asset!("widgets/pager.js", JS),
    web_asset!("widgets/confirm.js", JS),
    web_asset!("widgets/second-step.js", JS),
    web_asset!("widgets/form-dialog.js", JS),
    // One module per page, or part of one.
    web_asset!("pages/auth.js", JS),
    web_asset!("pages/links.js", JS),
    web_asset!("pages/clients.js", JS),
    web_asset!("pages/clients-state.js", JS),
    web_asset!("pages/clients-api.js", JS),
    web_asset!("pages/clients-view.js", JS),
    web_asset!("pages/clients-toolbar.js", JS),
    web_asset!("pages/clients-table.js", JS),
    web_asset!("pages/clients-row.js", JS),
    web_asset!("pages/clients-cards.js", JS),
    web_asset!("pages/clients-export.js", JS),
    web_asset!("pages/invite-dialog.js", JS),
    web_asset!("pages/invite-link.js", JS),
    web_asset!("pages/invite-bulk.js", JS),
    web_asset!("pages/audit.js", JS),
    web_asset!("pages/v1.js", JS),
    web_asset!("pages/client-account.js", JS),
    web_asset!("pages/team.js", JS),
    web_asset!("pages/security.js", JS),
    web_asset!("pages/team-security.js", JS),
    web_asset!("pages/team-scope.js", JS),
    web_asset!("pages/clients-access.js", JS),
    web_asset!("pages/client-access.js", JS),
    web_asset!("pages/users.js", JS),
    web_asset!("pages/welcome.js", JS),
    web_asset!("app.css", CSS),
    web_asset!("favicon.svg", SVG),
];

static PAGE: Asset = web_asset!("index.html", HTML);

/// The pages and `/web/{path}` (a file of ASSETS by its path, or 404).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut r = Router::new().route(&format!("{ASSETS_PATH}/{{*file}}"), get(asset));
    for path in PAGES {
        r = r.route(path, get(page));
    }
    r.route("/favicon.ico", get(favicon))
}

/// Compresses the files now (`crate::assets::prepare`).
pub fn prepare() {
    crate::assets::prepare(ASSETS);
    crate::assets::prepare(std::slice::from_ref(&PAGE));
}

async fn page(headers: HeaderMap) -> Response {
    crate::assets::page(&PAGE, CSP, &headers)
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    crate::assets::one_of(ASSETS, &file, &headers)
}

/// Browsers ask for `/favicon.ico` on pages that name none (GraphiQL's, a JSON error).
async fn favicon(headers: HeaderMap) -> Response {
    let svg = ASSETS
        .iter()
        .find(|a| a.name == "favicon.svg")
        .expect("favicon.svg is embedded");
    crate::assets::serve(svg, &headers, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paths of the files under `dir`, relative to `root`.
    fn files(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_str().unwrap().replace('\\', "/"));
            }
        }
    }

    /// The files `index.html` names under ASSETS_PATH.
    fn named_by_page() -> Vec<&'static str> {
        std::str::from_utf8(PAGE.body)
            .unwrap()
            .split(['"', '\''])
            .filter_map(|s| s.strip_prefix(ASSETS_PATH)?.strip_prefix('/'))
            .collect()
    }

    /// Every file of the directory and its folders is embedded (a new one cannot be
    /// forgotten), and every file `index.html` names is one of them.
    #[test]
    fn every_file_of_the_directory_is_served() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/web"));
        let mut on_disk = Vec::new();
        files(dir, dir, &mut on_disk);
        on_disk.retain(|n| n != "index.html");
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.name.to_owned()).collect();
        on_disk.sort();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        for named in named_by_page() {
            assert!(
                embedded.iter().any(|e| e == named),
                "{named} is not embedded"
            );
        }
    }

    /// `index.html` asks for every module at once (`modulepreload`), so that the browser
    /// does not find them one import level after another.
    #[test]
    fn every_module_is_preloaded() {
        let named = named_by_page();
        for a in ASSETS.iter().filter(|a| a.content_type == JS) {
            assert!(
                named.contains(&a.name),
                "index.html does not preload {}",
                a.name
            );
        }
    }

    /// The budget: all JavaScript and CSS under 150 KB before compression.
    #[test]
    fn the_scripts_and_styles_fit_the_budget() {
        let total: usize = ASSETS
            .iter()
            .filter(|a| a.content_type == JS || a.content_type == CSS)
            .map(|a| a.body.len())
            .sum();
        assert!(total < 150 * 1024, "{total} bytes");
    }
}
