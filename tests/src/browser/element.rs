//! An element of the current page: its reference, its text and value, a click.

use super::driver::WdError;
use super::{Browser, ELEMENT};
use serde_json::{Value, json};

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

    /// The element's visible text, as a person reads it.
    pub async fn text(&self) -> String {
        let t = self
            .browser
            .command("GET", &format!("/element/{}/text", self.id), Value::Null)
            .await;
        t.as_str().unwrap_or_default().to_owned()
    }
}
