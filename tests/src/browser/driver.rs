//! The WebDriver client: a chromedriver and its Chromium session, the commands a test
//! needs (open a page, run a script, find by CSS, type, read the console), and the one
//! wait every browser wait goes through ([`Browser::until`]).

use crate::mode::free_port;
use crate::waits::eventually;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// How long a wait polls before it fails: GraphiQL's first render and introspection take
/// a few seconds on a busy 2-core machine running tests in parallel.
pub const WAIT: Duration = Duration::from_secs(30);

/// A phone's screen in CSS pixels (an iPhone 12 to 15's): [`Browser::start_phone`].
pub const PHONE: (u32, u32) = (390, 844);

/// The key WebDriver names an element reference by.
pub(super) const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver's codes for keys without a character.
pub mod keys {
    pub const CONTROL: &str = "\u{E009}";
    pub const BACKSPACE: &str = "\u{E003}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
}

/// A headless Chromium session and the chromedriver that runs it.
pub struct Browser {
    pub(super) driver: std::process::Child,
    pub(super) port: u16,
    pub(super) session: String,
    pub(super) http: reqwest::Client,
    /// Added to the names of failure screenshots when a test drives several browsers.
    pub(super) label: Option<String>,
    /// A failure screenshot was saved already (so drop does not take another).
    pub(super) failed: AtomicBool,
    /// Where the browser saves what a page downloads.
    pub(super) downloads: tempfile::TempDir,
}

/// One line of the browser's console (and of its own messages, such as CSP refusals).
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO` or `DEBUG`.
    pub level: String,
    /// `console-api`, `security`, `network`, `javascript`, …
    pub source: String,
    pub message: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (1280×900) with its console log on.
    pub async fn start() -> Browser {
        Self::start_with(None, false).await
    }

    /// [`start`](Self::start), for a test that drives several browsers: `label` (such as
    /// "client") goes into the names of this one's failure screenshots.
    pub async fn start_as(label: &str) -> Browser {
        Self::start_with(Some(label.to_owned()), false).await
    }

    /// A phone's browser: Chromium's mobile emulation at [`PHONE`]'s 390×844 CSS pixels
    /// (twice as many device pixels), with touch, honouring the page's viewport tag as a
    /// phone does (a page wider than the screen is zoomed out to fit).
    pub async fn start_phone() -> Browser {
        Self::start_with(Some("phone".to_owned()), true).await
    }

    async fn start_with(label: Option<String>, phone: bool) -> Browser {
        let port = free_port();
        let driver = std::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver did not start ({e}): install Debian's chromium and \
                     chromium-driver (scripts/test does)"
                )
            });
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        eventually("chromedriver to get ready", WAIT, async || {
            let Ok(r) = http.get(format!("{base}/status")).send().await else {
                return false;
            };
            r.json::<Value>()
                .await
                .is_ok_and(|v| v["value"]["ready"] == true)
        })
        .await;
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            http,
            label,
            failed: AtomicBool::new(false),
            downloads: tempfile::tempdir().expect("a downloads directory"),
        };
        let mut chrome = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
            ],
        });
        // Downloads go to this browser's own directory, without asking.
        chrome["prefs"] = json!({
            "download.default_directory": browser.downloads.path(),
            "download.prompt_for_download": false,
        });
        if phone {
            let (width, height) = PHONE;
            chrome["mobileEmulation"] = json!({ "deviceMetrics": {
                "width": width, "height": height, "pixelRatio": 2.0, "touch": true, "mobile": true } });
        }
        // Debian's /usr/bin/chromium is a wrapper script; start the browser itself.
        if Path::new("/usr/lib/chromium/chromium").exists() {
            chrome["binary"] = json!("/usr/lib/chromium/chromium");
        }
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": chrome,
                "goog:loggingPrefs": { "browser": "ALL" },
            }}
        });
        let created = browser.command("POST", "/session", caps).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_owned();
        browser
    }

    /// Sends one WebDriver command (`path` is relative to the session, or `/session` for a
    /// new one) and returns its `value`; panics with WebDriver's error otherwise.
    pub(super) async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        match self.try_command(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("WebDriver {method} {path} failed: {e}"),
        }
    }

    /// [`command`](Self::command), returning WebDriver's error instead of panicking.
    pub(super) async fn try_command(
        &self,
        method: &str,
        path: &str,
        body: Value,
    ) -> Result<Value, WdError> {
        let url = if path == "/session" {
            format!("http://127.0.0.1:{}/session", self.port)
        } else {
            format!(
                "http://127.0.0.1:{}/session/{}{path}",
                self.port, self.session
            )
        };
        let req = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(&body),
        };
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status();
        let mut answer: Value = res
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let value = answer["value"].take();
        if status.is_success() {
            return Ok(value);
        }
        Err(WdError {
            status: status.as_u16(),
            error: value["error"].as_str().unwrap_or_default().to_owned(),
            message: value["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        })
    }

    /// Opens `url` and waits for its load event.
    pub async fn goto(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url })).await;
    }

    /// Runs `script` (a function body: `return …`; its arguments are `arguments[i]`) in
    /// the page and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// Runs `attempt` until it succeeds and returns its value; [`fail`](Self::fail)s after
    /// [`WAIT`] with what it waited for and why the last attempt did not succeed.
    pub async fn until<T>(
        &self,
        what: &str,
        mut attempt: impl AsyncFnMut() -> Result<T, String>,
    ) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            match attempt().await {
                Ok(v) => return v,
                Err(why) if Instant::now() > deadline => {
                    self.fail(&format!("waited {WAIT:?} for {what}: {why}"))
                        .await
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Polls `script` until it returns something other than null, false, "" or 0, and
    /// returns that; fails after [`WAIT`], saying it waited for `what`.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        self.until(what, async || {
            let v = self.execute(script, vec![]).await;
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                Ok(v)
            } else {
                Err(format!("it is {v}"))
            }
        })
        .await
    }

    /// The first element that matches the CSS selector, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element<'_> {
        self.until(&format!("an element `{css}`"), async || {
            self.try_find(css).await.ok_or("there is none".to_owned())
        })
        .await
    }

    /// The first element that matches the CSS selector now, if any.
    pub async fn try_find(&self, css: &str) -> Option<Element<'_>> {
        let found = self
            .command(
                "POST",
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        let id = found.as_array()?.first()?[ELEMENT].as_str()?.to_owned();
        Some(Element { browser: self, id })
    }

    /// Waits until the visible text of the element that matches `css` contains `needle`,
    /// and returns that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        self.until(&format!("`{css}` to show {needle:?}"), async || {
            let Some(e) = self.try_find(css).await else {
                return Err("there is no such element".to_owned());
            };
            // The page may replace the element between finding and reading it.
            let text = e.try_text().await?;
            if text.contains(needle) {
                Ok(text)
            } else {
                Err(format!("it shows {text}"))
            }
        })
        .await
    }

    /// Types `text` into whatever has the focus, key by key, as a person would. WebDriver
    /// key codes work too: e.g. [`keys::CONTROL`] held for the next key with
    /// [`Browser::shortcut`].
    pub async fn type_text(&self, text: &str) {
        let mut actions = Vec::new();
        for c in text.chars() {
            actions.push(json!({ "type": "keyDown", "value": c.to_string() }));
            actions.push(json!({ "type": "keyUp", "value": c.to_string() }));
        }
        self.key_actions(actions).await;
    }

    /// Presses `key` while holding `modifier` (such as `keys::CONTROL`, 'a').
    pub async fn shortcut(&self, modifier: &str, key: &str) {
        self.key_actions(vec![
            json!({ "type": "keyDown", "value": modifier }),
            json!({ "type": "keyDown", "value": key }),
            json!({ "type": "keyUp", "value": key }),
            json!({ "type": "keyUp", "value": modifier }),
        ])
        .await;
    }

    async fn key_actions(&self, actions: Vec<Value>) {
        let body = json!({ "actions": [
            { "type": "key", "id": "keyboard", "actions": actions }
        ]});
        self.command("POST", "/actions", body).await;
    }

    /// Saves a PNG of the window to `screenshot_dir()/name.png` and returns its path.
    /// Sets the window's outer size (e.g. taller, so that a picture shows a whole list).
    pub async fn resize_window(&self, width: u32, height: u32) {
        self.command(
            "POST",
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// The console lines since the last call (chromedriver's log; needs the
    /// `goog:loggingPrefs` the session was created with).
    pub async fn console(&self) -> Vec<LogEntry> {
        let lines = self
            .command("POST", "/se/log", json!({ "type": "browser" }))
            .await;
        lines
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| LogEntry {
                level: l["level"].as_str().unwrap_or_default().to_owned(),
                source: l["source"].as_str().unwrap_or_default().to_owned(),
                message: l["message"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// The URLs the page has loaded: the document and every resource (scripts, styles,
    /// fonts, fetches), from the Resource Timing API.
    pub async fn requested_urls(&self) -> Vec<String> {
        let urls = self
            .execute(
                "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));",
                vec![],
            )
            .await;
        serde_json::from_value(urls).expect("a list of URLs")
    }

    /// Fails (with a screenshot) if the browser console logged an error (`SEVERE`: a
    /// script error, a refused request, a CSP refusal, a failed load) since the last look
    /// at the console. Nothing is ignored.
    pub async fn assert_no_console_errors(&self) {
        let errors: Vec<LogEntry> = self
            .console()
            .await
            .into_iter()
            .filter(|l| l.level == "SEVERE")
            .collect();
        if !errors.is_empty() {
            let url = self.command("GET", "/url", Value::Null).await;
            self.fail(&format!(
                "the browser console on {url} has errors: {errors:#?}"
            ))
            .await;
        }
    }
}

/// An error WebDriver answered with.
#[derive(Debug)]
pub(super) struct WdError {
    status: u16,
    /// W3C error code, such as `stale element reference`.
    error: String,
    message: String,
}

impl WdError {
    /// The page changed under the command (the element was replaced or is covered for a
    /// moment, or is busy): finding it again and trying again is what a person does.
    pub(super) fn is_transient(&self) -> bool {
        matches!(
            self.error.as_str(),
            "stale element reference"
                | "no such element"
                | "element click intercepted"
                | "element not interactable"
                | "invalid element state"
                | "javascript error"
        )
    }
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.error, self.status, self.message)
    }
}

/// An element of the current page.
pub struct Element<'b> {
    pub(super) browser: &'b Browser,
    pub(super) id: String,
}

impl Element<'_> {
    /// The element as a WebDriver argument (to `execute`).
    pub fn reference(&self) -> Value {
        json!({ ELEMENT: self.id })
    }

    /// GETs `/element/{id}/{what}` (`text`, `computedlabel`, `property/value`, …).
    pub(super) async fn get(&self, what: &str) -> Result<Value, WdError> {
        self.browser
            .try_command("GET", &format!("/element/{}/{what}", self.id), Value::Null)
            .await
    }

    /// POSTs `/element/{id}/{what}` (`click`, `clear`, `value`).
    pub(super) async fn post(&self, what: &str, body: Value) -> Result<Value, WdError> {
        self.browser
            .try_command("POST", &format!("/element/{}/{what}", self.id), body)
            .await
    }

    /// Clicks; a transient refusal (the element was replaced, or covered for a moment) is
    /// an `Err` to try again on, any other a panic.
    pub(super) async fn try_click(&self) -> Result<(), String> {
        match self.post("click", json!({})).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_transient() => Err(e.to_string()),
            Err(e) => panic!("WebDriver click failed: {e}"),
        }
    }

    /// The current value of an input, select or text area.
    pub async fn value(&self) -> String {
        self.get("property/value")
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Clicks the element (WebDriver scrolls it into view first).
    pub async fn click(&self) {
        self.browser
            .command("POST", &format!("/element/{}/click", self.id), json!({}))
            .await;
    }

    /// [`text`](Self::text), or why it could not be read (the page replaced the
    /// element: look again).
    pub(super) async fn try_text(&self) -> Result<String, String> {
        match self.get("text").await {
            Ok(v) => Ok(v.as_str().unwrap_or_default().to_owned()),
            Err(e) if e.is_transient() => Err(e.to_string()),
            Err(e) => panic!("WebDriver text failed: {e}"),
        }
    }

    /// The element's visible text, as a person reads it.
    pub async fn text(&self) -> String {
        let t = self
            .browser
            .command("GET", &format!("/element/{}/text", self.id), Value::Null)
            .await;
        t.as_str().unwrap_or_default().to_owned()
    }
}
