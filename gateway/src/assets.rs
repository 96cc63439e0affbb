//! Files embedded in the binary and served over HTTP (GraphiQL's in `crate::graphiql`,
//! the web front end's in `crate::web`): each with its content type and cache policy, an
//! ETag from its content (a revalidation that finds it unchanged is a bodiless 304), and
//! gzip for callers that accept it, compressed once per process when the gateway starts
//! (`prepare`, off the async runtime), so no request pays for it.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

pub const JS: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";
pub const HTML: &str = "text/html; charset=utf-8";
pub const SVG: &str = "image/svg+xml";
/// A file whose name carries its version: a new version is a new URL.
pub const VERSIONED: &str = "public, max-age=31536000, immutable";
/// A file that changes with the gateway under the same URL: revalidated (its ETag) on
/// every use.
pub const REVALIDATE: &str = "no-cache";

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub cache_control: &'static str,
    pub body: &'static [u8],
}

/// What is worked out once per file: its ETag and, when it is worth it, its gzip.
struct Packed {
    etag: HeaderValue,
    gzip: Option<Vec<u8>>,
}

/// Files smaller than this are sent as they are.
const GZIP_FROM: usize = 1024;

fn packed(asset: &'static Asset) -> Arc<Packed> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Packed>>>> = OnceLock::new();
    let key = asset.body.as_ptr() as usize;
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().expect("asset cache").get(&key) {
        return p.clone();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(asset.body);
    let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..12])))
        .expect("hex is a valid header");
    let gzip = (asset.body.len() >= GZIP_FROM).then(|| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(asset.body).expect("gzip into memory");
        gz.finish().expect("gzip into memory")
    });
    let p = Arc::new(Packed { etag, gzip });
    cache.lock().expect("asset cache").insert(key, p.clone());
    p
}

/// Works out the ETag and gzip of every file of `assets` now. Blocking: call it off the
/// async runtime (`App::start` does, for the pages' and GraphiQL's files).
pub fn prepare(assets: &'static [Asset]) {
    for a in assets {
        packed(a);
    }
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// `asset` as the answer to a request with `headers`, plus `extra` headers (a page's
/// CSP, say).
pub fn serve(
    asset: &'static Asset,
    headers: &HeaderMap,
    extra: &[(header::HeaderName, &'static str)],
) -> Response {
    let p = packed(asset);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == p.etag || t.trim() == "*"));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match (&p.gzip, accepts_gzip(headers)) {
            (Some(gz), true) => {
                let mut r = gz.clone().into_response();
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            _ => asset.body.into_response(),
        }
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(asset.cache_control),
    );
    h.insert(header::ETAG, p.etag.clone());
    if p.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    for (name, value) in extra {
        h.insert(name.clone(), HeaderValue::from_static(value));
    }
    res
}

/// A page: `asset` with the page's content policy `csp`, not to be framed.
pub fn page(asset: &'static Asset, csp: &'static str, headers: &HeaderMap) -> Response {
    serve(
        asset,
        headers,
        &[
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
    )
}

/// The file named `name` of `assets`, or 404.
pub fn one_of(assets: &'static [Asset], name: &str, headers: &HeaderMap) -> Response {
    match assets.iter().find(|a| a.name == name) {
        Some(a) => serve(a, headers, &[]),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_sent_only_to_callers_that_accept_it() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("br, identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
