//! A real headless Chromium for the tests of pages, driven over WebDriver: Debian's
//! `chromium` and `chromium-driver` (scripts/test installs them).
//!
//! WebDriver is plain JSON over HTTP, so this speaks it with the tests' own `reqwest`
//! instead of a WebDriver crate: the few commands below are all a test needs, and
//! chromedriver's browser console log (not a W3C command) is one more call.
//!
//! Every [`Browser`] runs its own `chromedriver` on a free loopback port, so tests run
//! in parallel; the browser session is closed and chromedriver killed on drop.
//! Waits poll until a deadline and, when they give up, save a screenshot next to the
//! others (see [`screenshot_dir`]) and panic saying what they waited for; a test that
//! panics anywhere else while a browser is open gets its screenshot too (on drop).
//!
//! Tests of the web app find things the way people do, by role and name: [`Browser::fill`]
//! a field by its label, [`Browser::click`] a button or link by its accessible name,
//! [`Browser::check`], [`Browser::choose`] and [`Browser::upload`] for checkboxes, selects
//! and file inputs, [`Browser::wait_for_cell`] for what a table row shows in a column.
//! Each finds candidates with a little JavaScript in the page and takes the browser's own
//! accessible name (WebDriver's computed label) for the exact match, then acts with
//! WebDriver commands, so real input events fire. Each waits (up to [`WAIT`]) for exactly
//! one visible, enabled match; while a modal `<dialog>` is open only what is in it counts
//! (the rest of the page is inert); and each tries again when the page replaced the
//! element under it (a live update re-rendering a row).

use crate::mode::free_port;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a wait polls before it fails: GraphiQL's first render and introspection take
/// a few seconds on a busy 2-core machine running tests in parallel.
pub const WAIT: Duration = Duration::from_secs(30);

/// The key WebDriver names an element reference by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Chromium session and the chromedriver that runs it.
pub struct Browser {
    driver: std::process::Child,
    port: u16,
    session: String,
    http: reqwest::Client,
    /// Added to the names of failure screenshots when a test drives several browsers.
    label: Option<String>,
    /// A failure screenshot was saved already (so drop does not take another).
    failed: AtomicBool,
}

/// An element of the current page.
pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
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

/// Where screenshots go: `screenshots/` in the Cargo target directory of this build
/// (`target/screenshots/`, or under `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/debug/deps/<test binary>
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test binary is in target/<profile>/deps");
    target.join("screenshots")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (1280×900) with its console log on.
    pub async fn start() -> Browser {
        Self::start_with(None).await
    }

    /// [`start`](Self::start), for a test that drives several browsers: `label` (such as
    /// "client") goes into the names of this one's failure screenshots.
    pub async fn start_as(label: &str) -> Browser {
        Self::start_with(Some(label.to_owned())).await
    }

    async fn start_with(label: Option<String>) -> Browser {
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
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            http,
            label,
            failed: AtomicBool::new(false),
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
    async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        match self.try_command(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("WebDriver {method} {path} failed: {e}"),
        }
    }

    /// [`command`](Self::command), returning WebDriver's error instead of panicking.
    async fn try_command(&self, method: &str, path: &str, body: Value) -> Result<Value, WdError> {
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

    /// Polls `script` until it returns something other than null, false, "" or 0, and
    /// returns that; fails after [`WAIT`], saying it waited for `what`.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.execute(script, vec![]).await;
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {WAIT:?} for {what}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first element that matches the CSS selector, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element<'_> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {WAIT:?} for an element `{css}`"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
        let deadline = Instant::now() + WAIT;
        let mut last = "nothing: no such element".to_owned();
        loop {
            if let Some(e) = self.try_find(css).await {
                last = e.text().await;
                if last.contains(needle) {
                    return last;
                }
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "waited {WAIT:?} for `{css}` to show {needle:?}; it shows {last}"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine as _;
        let png = self.command("GET", "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("a base64 screenshot"))
            .expect("base64 screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

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

    /// Fails the test as the waits do: saves a screenshot named after the test (see
    /// [`failure_name`](Self::failure_name)) and panics with `why` and its path. For
    /// assertions about what the page shows, so that a failure comes with a picture.
    pub async fn fail(&self, why: &str) -> ! {
        let shot = self.screenshot(&self.failure_name()).await;
        self.failed.store(true, Ordering::Relaxed);
        panic!("{why} (screenshot: {})", shot.display());
    }

    /// [`fail`](Self::fail)s with `why` unless `ok`.
    pub async fn ensure(&self, ok: bool, why: impl FnOnce() -> String) {
        if !ok {
            self.fail(&why()).await;
        }
    }

    /// `failed-{test name}` (the test's thread is named after it), with the browser's
    /// label if it has one.
    fn failure_name(&self) -> String {
        let test = std::thread::current()
            .name()
            .unwrap_or("browser")
            .replace("::", "-");
        match &self.label {
            Some(l) => format!("failed-{test}-{l}"),
            None => format!("failed-{test}"),
        }
    }
}

/// An error WebDriver answered with.
#[derive(Debug)]
struct WdError {
    status: u16,
    /// W3C error code, such as `stale element reference`.
    error: String,
    message: String,
}

impl WdError {
    /// The page changed under the command (the element was replaced or is covered for a
    /// moment, or is busy): finding it again and trying again is what a person does.
    fn is_transient(&self) -> bool {
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

/// Finds the controls of `kind` ("button": buttons, links and tabs; "field": inputs,
/// selects and text areas) that are visible, not inert, and whose name, compared without
/// whitespace or case, is `name`; within the one table row containing `row` when it is
/// not null, and within the open modal dialog if there is one. Answers
/// `{found: [[element, enabled], …]}`, or `{rows: n}` when not exactly one row matches.
/// The exact accessible name is the browser's own (the computed label), checked after.
const LOCATE_JS: &str = r#"
const [kind, name, rowText] = arguments;
const loose = (s) => (s || '').replace(/\s+/g, '').toLowerCase();
const visible = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
    && el.getClientRects().length > 0 && !el.closest('[inert]');
let root = document.querySelector('dialog:modal') || document;
if (rowText !== null) {
    const rows = [...root.querySelectorAll('tr')].filter((tr) =>
        tr.querySelector('td') && visible(tr) && tr.innerText.includes(rowText));
    if (rows.length !== 1) return { rows: rows.length };
    root = rows[0];
}
const want = loose(name);
const selector = kind === 'button'
    ? 'button, a[href], [role=button], [role=tab], [role=link], input[type=submit], input[type=button]'
    : 'input:not([type=hidden]), select, textarea';
const names = (el) => {
    const t = [el.getAttribute('aria-label')];
    for (const id of (el.getAttribute('aria-labelledby') || '').split(/\s+/)) {
        const l = id && document.getElementById(id);
        if (l) t.push(l.textContent);
    }
    if (kind === 'button') t.push(el.textContent, el.value);
    else for (const l of el.labels || []) t.push(l.textContent);
    return t;
};
return { found: [...root.querySelectorAll(selector)]
    .filter((el) => visible(el) && names(el).some((t) => t && loose(t) === want))
    .map((el) => [el, !el.disabled && el.getAttribute('aria-disabled') !== 'true']) };
"#;

/// What the cell under the column headed `column` shows in the one visible table row
/// (within the open modal dialog, if any) containing `rowText`: `{text}`, or `{rows: n}`
/// when not exactly one row matches, or `{headers}` when the table has no such column.
const CELL_JS: &str = r#"
const [rowText, column] = arguments;
const visible = (el) => el.checkVisibility({ checkVisibilityCSS: true }) && el.getClientRects().length > 0;
const root = document.querySelector('dialog:modal') || document;
const rows = [...root.querySelectorAll('tr')].filter((tr) =>
    tr.querySelector('td') && visible(tr) && tr.innerText.includes(rowText));
if (rows.length !== 1) return { rows: rows.length };
const headers = [...rows[0].closest('table').querySelectorAll('thead th')].map((th) => th.innerText.trim());
const i = headers.indexOf(column);
if (i < 0 || !rows[0].cells[i]) return { headers };
return { text: rows[0].cells[i].innerText.trim() };
"#;

/// Finding and using things as people do: by role, label and accessible name.
impl Browser {
    /// Runs `attempt` until it succeeds and returns its value; [`fail`](Self::fail)s after
    /// [`WAIT`] with what it waited for and why the last attempt did not succeed.
    async fn until<T>(&self, what: &str, mut attempt: impl AsyncFnMut() -> Result<T, String>) -> T {
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

    /// One look for the single visible, enabled control of `kind` named exactly `name`
    /// (see [`LOCATE_JS`]).
    async fn locate(
        &self,
        kind: &str,
        name: &str,
        row: Option<&str>,
    ) -> Result<Element<'_>, String> {
        let v = self
            .try_command(
                "POST",
                "/execute/sync",
                json!({ "script": LOCATE_JS, "args": [kind, name, row] }),
            )
            .await
            .map_err(|e| format!("the page could not be searched: {e}"))?;
        if let Some(n) = v["rows"].as_u64() {
            return Err(format!(
                "{n} table rows contain {:?}",
                row.unwrap_or_default()
            ));
        }
        let mut exact = Vec::new();
        let mut others = Vec::new();
        for pair in v["found"].as_array().into_iter().flatten() {
            let el = Element {
                browser: self,
                id: pair[0][ELEMENT].as_str().unwrap_or_default().to_owned(),
            };
            match el.get("computedlabel").await {
                Ok(label) if label == name => exact.push((el, pair[1] == true)),
                Ok(label) => others.push(label.as_str().unwrap_or_default().to_owned()),
                Err(e) if e.is_transient() => {}
                Err(e) => panic!("the accessible name of an element: {e}"),
            }
        }
        match exact.len() {
            1 if exact[0].1 => Ok(exact.pop().unwrap().0),
            1 => Err("it is there but disabled".into()),
            0 if !others.is_empty() => Err(format!(
                "no such {kind}; the browser names the nearest {others:?}"
            )),
            0 => Err(format!("no visible {kind} is named so")),
            n => Err(format!("{n} of them are on the page; make the name unique")),
        }
    }

    /// The button, link or tab whose accessible name (its `aria-label` or its text) is
    /// `name`, once exactly one such is visible and enabled.
    pub async fn button(&self, name: &str) -> Element<'_> {
        self.until(&format!("a button or link named {name:?}"), async || {
            self.locate("button", name, None).await
        })
        .await
    }

    /// Clicks the button, link or tab named `name` (see [`button`](Self::button)).
    pub async fn click(&self, name: &str) {
        self.until(
            &format!("a button or link named {name:?} to click"),
            async || self.locate("button", name, None).await?.try_click().await,
        )
        .await
    }

    /// Clicks the button or link named `name` in the one table row that contains `row`
    /// (an email, a company name).
    pub async fn click_in_row(&self, row: &str, name: &str) {
        self.until(
            &format!("a button named {name:?} in the row of {row:?} to click"),
            async || {
                self.locate("button", name, Some(row))
                    .await?
                    .try_click()
                    .await
            },
        )
        .await
    }

    /// The input, select or text area labelled `label` (by its `<label>` or
    /// `aria-label`), once exactly one such is visible and enabled.
    pub async fn field(&self, label: &str) -> Element<'_> {
        self.until(&format!("a field labelled {label:?}"), async || {
            self.locate("field", label, None).await
        })
        .await
    }

    /// Clears the field labelled `label` and types `text` into it, key by key.
    pub async fn fill(&self, label: &str, text: &str) {
        self.until(
            &format!("a field labelled {label:?} to type in"),
            async || {
                let el = self.locate("field", label, None).await?;
                el.post("clear", json!({}))
                    .await
                    .map_err(|e| e.to_string())?;
                el.post("value", json!({ "text": text }))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(())
            },
        )
        .await
    }

    /// Ticks the checkbox labelled `label` (leaves it ticked if it was).
    pub async fn check(&self, label: &str) {
        self.until(
            &format!("a checkbox labelled {label:?} to tick"),
            async || {
                let el = self.locate("field", label, None).await?;
                let kind = el.get("property/type").await.map_err(|e| e.to_string())?;
                if kind != "checkbox" {
                    return Err(format!("it is a {kind}, not a checkbox"));
                }
                if el.get("selected").await.map_err(|e| e.to_string())? != true {
                    el.try_click().await?;
                }
                match el.get("selected").await.map_err(|e| e.to_string())? {
                    Value::Bool(true) => Ok(()),
                    _ => Err("it did not become ticked".into()),
                }
            },
        )
        .await
    }

    /// Picks the option whose text is `option` in the select labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        self.until(
            &format!("a select labelled {label:?} with an option {option:?}"),
            async || {
                let el = self.locate("field", label, None).await?;
                let found = self
                    .try_command(
                        "POST",
                        "/execute/sync",
                        json!({ "script": "return [...arguments[0].options || []].find((o) => o.text.trim() === arguments[1]) || null;",
                                "args": [el.reference(), option] }),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                let id = found[ELEMENT]
                    .as_str()
                    .ok_or_else(|| format!("it has no option {option:?}"))?;
                let opt = Element {
                    browser: self,
                    id: id.to_owned(),
                };
                opt.try_click().await?;
                match opt.get("selected").await.map_err(|e| e.to_string())? {
                    Value::Bool(true) => Ok(()),
                    _ => Err("the option did not become selected".into()),
                }
            },
        )
        .await
    }

    /// Chooses `file` (made absolute) in the file input labelled `label`, as a person
    /// picking it in the file dialog does: the input's `change` event fires.
    pub async fn upload(&self, label: &str, file: &Path) {
        let file = std::path::absolute(file).expect("an absolute path");
        let file = file.to_str().expect("a UTF-8 path");
        self.until(&format!("a file input labelled {label:?}"), async || {
            let el = self.locate("field", label, None).await?;
            el.post("value", json!({ "text": file }))
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        })
        .await
    }

    /// Waits until the value of the field labelled `label` contains `needle`; returns it.
    pub async fn field_value(&self, label: &str, needle: &str) -> String {
        self.until(
            &format!("the field labelled {label:?} to hold {needle:?}"),
            async || {
                let value = self.locate("field", label, None).await?.value().await;
                if value.contains(needle) {
                    Ok(value)
                } else {
                    Err(format!("it holds {value:?}"))
                }
            },
        )
        .await
    }

    /// The one visible table row (a `<tr>` with cells, within the open modal dialog if
    /// any) whose text contains `text`, waiting for it.
    pub async fn table_row_containing(&self, text: &str) -> Element<'_> {
        self.until(&format!("a table row containing {text:?}"), async || {
            let found = self
                .try_command(
                    "POST",
                    "/execute/sync",
                    json!({ "script": "const root = document.querySelector('dialog:modal') || document;
                        const rows = [...root.querySelectorAll('tr')].filter((tr) => tr.querySelector('td')
                            && tr.getClientRects().length > 0 && tr.innerText.includes(arguments[0]));
                        return rows.length === 1 ? rows[0] : rows.length;",
                            "args": [text] }),
                )
                .await
                .map_err(|e| e.to_string())?;
            match found[ELEMENT].as_str() {
                Some(id) => Ok(Element {
                    browser: self,
                    id: id.to_owned(),
                }),
                None => Err(format!("{found} rows contain it")),
            }
        })
        .await
    }

    /// One look at the text of the cell under the column headed `column` in the one
    /// table row containing `row` (see [`CELL_JS`]).
    async fn try_cell(&self, row: &str, column: &str) -> Result<String, String> {
        let v = self
            .try_command(
                "POST",
                "/execute/sync",
                json!({ "script": CELL_JS, "args": [row, column] }),
            )
            .await
            .map_err(|e| e.to_string())?;
        if let Some(n) = v["rows"].as_u64() {
            return Err(format!("{n} table rows contain {row:?}"));
        }
        v["text"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("the table's columns are {}", v["headers"]))
    }

    /// The text of the cell under the column headed `column` in the one table row
    /// containing `row` (an email, a company name), waiting for that row.
    pub async fn cell(&self, row: &str, column: &str) -> String {
        self.until(
            &format!("the {column:?} of the row of {row:?}"),
            async || self.try_cell(row, column).await,
        )
        .await
    }

    /// Waits until, in the one table row containing `row`, the cell under the column
    /// headed `column` shows exactly `want` (e.g. the client's row, "Status", "Trial").
    pub async fn wait_for_cell(&self, row: &str, column: &str, want: &str) {
        self.until(
            &format!("the {column:?} of the row of {row:?} to show {want:?}"),
            async || match self.try_cell(row, column).await? {
                t if t == want => Ok(()),
                t => Err(format!("it shows {t:?}")),
            },
        )
        .await
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

    /// Saves a screenshot worth showing as `name.png` under [`screenshot_dir`], and also
    /// in the directory named by the environment variable `WEB_SCREENSHOTS` when it is
    /// set (give an absolute path: tests run in `tests/`). Returns the first path.
    pub async fn showcase(&self, name: &str) -> PathBuf {
        let shot = self.screenshot(name).await;
        if let Some(dir) = std::env::var_os("WEB_SCREENSHOTS") {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(&shot, dir.join(format!("{name}.png"))).unwrap();
        }
        shot
    }

    /// One WebDriver command of this session with plain blocking I/O, for drop (which
    /// cannot await); its body, or None on any failure.
    fn blocking_command(&self, method: &str, path: &str) -> Option<Vec<u8>> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        write!(
            s,
            "{method} /session/{}{path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.session, self.port
        )
        .ok()?;
        // chromedriver says `Connection: close` but keeps the socket open: read the
        // headers, then exactly `Content-Length` bytes (not to the end, which would wait
        // for the read timeout).
        let mut raw = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        let (head_len, body_len) = loop {
            let n = s.read(&mut buf).ok()?;
            if n == 0 {
                return None;
            }
            raw.extend_from_slice(&buf[..n]);
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..i]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))?
                    .trim()
                    .parse::<usize>()
                    .ok()?;
                break (i + 4, len);
            }
        };
        while raw.len() < head_len + body_len {
            let n = s.read(&mut buf).ok()?;
            if n == 0 {
                return None;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        raw.drain(..head_len);
        raw.truncate(body_len);
        Some(raw)
    }

    /// Saves a screenshot with plain blocking I/O (for drop, which cannot await).
    fn blocking_screenshot(&self, name: &str) -> Option<PathBuf> {
        use base64::Engine as _;
        let body = self.blocking_command("GET", "/screenshot")?;
        let v: Value = serde_json::from_slice(&body).ok()?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["value"].as_str()?)
            .ok()?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).ok()?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).ok()?;
        Some(path)
    }
}

impl Element<'_> {
    /// The element as a WebDriver argument (to `execute`).
    pub fn reference(&self) -> Value {
        json!({ ELEMENT: self.id })
    }

    /// GETs `/element/{id}/{what}` (`text`, `computedlabel`, `property/value`, …).
    async fn get(&self, what: &str) -> Result<Value, WdError> {
        self.browser
            .try_command("GET", &format!("/element/{}/{what}", self.id), Value::Null)
            .await
    }

    /// POSTs `/element/{id}/{what}` (`click`, `clear`, `value`).
    async fn post(&self, what: &str, body: Value) -> Result<Value, WdError> {
        self.browser
            .try_command("POST", &format!("/element/{}/{what}", self.id), body)
            .await
    }

    /// Clicks; a transient refusal (the element was replaced, or covered for a moment) is
    /// an `Err` to try again on, any other a panic.
    async fn try_click(&self) -> Result<(), String> {
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

    /// The element's visible text, as a person reads it.
    pub async fn text(&self) -> String {
        let t = self
            .browser
            .command("GET", &format!("/element/{}/text", self.id), Value::Null)
            .await;
        t.as_str().unwrap_or_default().to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed outside the browser's own waits (a missing email, a GraphQL
        // assertion) still leaves a picture of the page it had open.
        if std::thread::panicking()
            && !self.failed.load(Ordering::Relaxed)
            && !self.session.is_empty()
        {
            let name = self.failure_name();
            if let Some(path) = self.blocking_screenshot(&name) {
                eprintln!(
                    "screenshot of the page when the test failed: {}",
                    path.display()
                );
            }
        }
        // Closing the session stops Chromium; killing chromedriver alone could leave it
        // running.
        if !self.session.is_empty() {
            let _ = self.blocking_command("DELETE", "");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// WebDriver's codes for keys without a character.
pub mod keys {
    pub const CONTROL: &str = "\u{E009}";
    pub const BACKSPACE: &str = "\u{E003}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
}
