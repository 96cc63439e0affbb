//! axe-core, the accessibility checker (Deque's; pinned and checked in at `tests/axe/`
//! by `scripts/vendor-axe`, a test tool the gateway never serves): injected into the page
//! under test through WebDriver (scripts WebDriver runs are not bound by the page's CSP)
//! and run on the whole document, every rule axe runs by default. Any violation fails
//! the test, with a screenshot and what axe said about each element.

use super::driver::Browser;
use serde_json::{Value, json};

/// axe-core's browser build, as published.
const AXE: &str = include_str!("../../axe/axe-4.14.1.min.js");

/// Runs axe on the document; calls back with `{violations: [{id, impact, help, nodes:
/// [{target, summary}]}]}` or `{error}`.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(
  (r) => done({ violations: r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
  })) }),
  (e) => done({ error: String(e) }),
);
"#;

/// One violation as the failure message lists it.
fn described(v: &Value) -> String {
    let mut out = format!("- {} ({}): {}", v["id"], v["impact"], v["help"]);
    for n in v["nodes"].as_array().into_iter().flatten() {
        let summary = n["summary"].as_str().unwrap_or_default().replace('\n', " ");
        out.push_str(&format!("\n    {}: {summary}", n["target"]));
    }
    out
}

impl Browser {
    /// Runs axe-core on the page as it is now and fails (with a screenshot) listing
    /// every violation; `page` says which page it was, for the failure message.
    pub async fn assert_accessible(&self, page: &str) {
        let loaded = self
            .execute("return typeof window.axe === 'object';", vec![])
            .await;
        if loaded != true {
            let script = format!("{AXE}\nreturn typeof window.axe;");
            let kind = self.execute(&script, vec![]).await;
            assert_eq!(kind, "object", "axe-core did not load into the page");
        }
        let found = self
            .command(
                "POST",
                "/execute/async",
                json!({ "script": RUN_AXE, "args": [] }),
            )
            .await;
        if let Some(e) = found["error"].as_str() {
            panic!("axe-core failed on {page}: {e}");
        }
        let violations = found["violations"].as_array().cloned().unwrap_or_default();
        if !violations.is_empty() {
            let list: Vec<String> = violations.iter().map(described).collect();
            self.fail(&format!(
                "axe-core found {} accessibility violation(s) on {page}:\n{}",
                violations.len(),
                list.join("\n")
            ))
            .await;
        }
    }
}
