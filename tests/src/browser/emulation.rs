//! What the tests change about the browser's world: the person's time zone (through the
//! Chrome DevTools Protocol that chromedriver passes on, `goog/cdp/execute`) and a slow
//! network (chromedriver's network conditions). And what fits on the screen: the page's width against the window's, and
//! whether an element is inside the window, as a person on a phone sees it.

use super::driver::Browser;
use serde_json::{Value, json};

/// Where the element `arguments[0]` is against the window: `{left, right, top, bottom,
/// width}` (the window's width in CSS pixels). Up and down does not matter: a person scrolls
/// down as a matter of course, never sideways.
const PLACE_JS: &str = "const r = arguments[0].getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: window.innerWidth };";

impl Browser {
    /// One DevTools Protocol command (`Emulation.…`, `Network.…`).
    async fn devtools(&self, cmd: &str, params: Value) -> Value {
        self.command(
            "POST",
            "/goog/cdp/execute",
            json!({ "cmd": cmd, "params": params }),
        )
        .await
    }

    /// The browser's clock and dates in `zone` (an IANA name such as "Asia/Kolkata"),
    /// as for a person living there.
    pub async fn set_time_zone(&self, zone: &str) {
        self.devtools(
            "Emulation.setTimezoneOverride",
            json!({ "timezoneId": zone }),
        )
        .await;
    }

    /// Every request (the page's GraphQL calls too) takes `latency_ms` longer, as on a
    /// slow mobile network (chromedriver's network conditions); 0 ends it.
    pub async fn slow_network(&self, latency_ms: u64) {
        let fast = 50_000_000;
        self.command(
            "POST",
            "/chromium/network_conditions",
            json!({ "network_conditions": { "offline": false, "latency": latency_ms,
                    "download_throughput": fast, "upload_throughput": fast } }),
        )
        .await;
    }

    /// Fails unless the page fits the window's width: nothing to scroll sideways to, and
    /// not zoomed out to fit (a phone shrinks a page wider than its screen). `page` says
    /// which page, for the failure.
    pub async fn assert_fits_the_screen(&self, page: &str) {
        let v = self
            .execute(
                "const d = document.documentElement;
                 return { scroll: d.scrollWidth, inner: window.innerWidth, client: d.clientWidth,
                          scale: window.visualViewport ? window.visualViewport.scale : 1 };",
                vec![],
            )
            .await;
        let fits = v["scroll"].as_f64() <= v["inner"].as_f64()
            && v["inner"] == v["client"]
            && v["scale"].as_f64() == Some(1.0);
        self.ensure(fits, || {
            format!(
                "{page} is wider than the screen (scroll width, window, layout width, zoom): {v}"
            )
        })
        .await;
    }

    /// Fails unless `element` (a WebDriver reference) is wholly within the window's
    /// width: seen without scrolling sideways. `what` says what it is, for the failure.
    pub async fn assert_within_the_width(&self, what: &str, element: Value) {
        let at = self.execute(PLACE_JS, vec![element]).await;
        let (left, right, width) = (
            at["left"].as_f64().unwrap_or(-1.0),
            at["right"].as_f64().unwrap_or(-1.0),
            at["width"].as_f64().unwrap_or(0.0),
        );
        let inside = left >= 0.0 && right <= width && right > left;
        self.ensure(inside, || {
            format!("{what} is not within the window's width: {at}")
        })
        .await;
    }
}

impl Browser {
    /// Fails unless the table matching `css` fits its box: every column in view, no box
    /// to scroll sideways.
    pub async fn assert_table_fits(&self, css: &str) {
        self.find(css).await;
        let v = self
            .execute(
                "const box = document.querySelector(arguments[0]).closest('.table-wrap');
                 return [box.scrollWidth, box.clientWidth];",
                vec![css.into()],
            )
            .await;
        self.ensure(v[0].as_i64() <= v[1].as_i64(), || {
            format!("the table `{css}` is wider than its box (scroll width, width): {v}")
        })
        .await;
    }

    /// Whether the elements `a` and `b` (WebDriver references) are drawn on one line:
    /// each one's top above the other's bottom.
    pub async fn side_by_side(&self, a: Value, b: Value) -> bool {
        let v = self
            .execute(
                "const a = arguments[0].getBoundingClientRect(), b = arguments[1].getBoundingClientRect();
                 return a.top < b.bottom && b.top < a.bottom;",
                vec![a, b],
            )
            .await;
        v == true
    }
}
