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
//! others (see [`screenshot_dir`]) and panic saying what they waited for.

use crate::mode::free_port;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
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
        assert!(
            status.is_success(),
            "WebDriver {method} {path} failed ({status}): {} {}",
            value["error"],
            value["message"]
        );
        value
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

    /// Saves a screenshot named after the failing thread and panics with `why`.
    async fn fail(&self, why: &str) -> ! {
        let name = std::thread::current()
            .name()
            .unwrap_or("browser")
            .replace("::", "-");
        let shot = self.screenshot(&format!("failed-{name}")).await;
        panic!("{why} (screenshot: {})", shot.display());
    }
}

impl Element<'_> {
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
        // Closing the session stops Chromium; killing chromedriver alone could leave it
        // running. Drop cannot await, so this is one plain blocking HTTP request.
        if !self.session.is_empty()
            && let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port))
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.session, self.port
            );
            let _ = s.read_to_end(&mut Vec::new());
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
