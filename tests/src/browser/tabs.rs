//! What a person does with the browser itself: tabs of one window (Ctrl-click, a new
//! tab), which share the browser's cookies, and the files pages download.

use super::driver::Browser;
use serde_json::json;

impl Browser {
    /// The current tab's handle.
    pub async fn tab(&self) -> String {
        let v = self.command("GET", "/window", json!({})).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Opens a new tab, switches to it and returns its handle.
    pub async fn open_tab(&self) -> String {
        let v = self
            .command("POST", "/window/new", json!({ "type": "tab" }))
            .await;
        let handle = v["handle"].as_str().unwrap_or_default().to_owned();
        self.switch_to_tab(&handle).await;
        handle
    }

    /// Makes tab `handle` the one the next commands act on.
    pub async fn switch_to_tab(&self, handle: &str) {
        self.command("POST", "/window", json!({ "handle": handle }))
            .await;
    }
}

impl Browser {
    /// The file a page downloaded, by name once it is complete: its bytes.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.path().join(name);
        self.until(&format!("the download {name}"), async || {
            // Chromium writes `name.crdownload` first and renames it when done.
            std::fs::read(&path).map_err(|e| {
                let there: Vec<String> = std::fs::read_dir(self.downloads.path())
                    .map(|d| {
                        d.flatten()
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{e}; the downloads directory holds {there:?}")
            })
        })
        .await
    }
}
