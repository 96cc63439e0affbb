//! Pictures of the page: screenshots worth showing, and the picture of a failure, saved
//! by the wait that gave up or, for a test that failed elsewhere, by the browser's drop
//! (with plain blocking I/O, since drop cannot await).

use super::driver::Browser;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

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
