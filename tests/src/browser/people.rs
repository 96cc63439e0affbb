//! Finding and using things as people do: by role, label and accessible name (see the
//! module docs of `browser`), each through [`Browser::until`].

use super::driver::{Browser, ELEMENT, Element};
use serde_json::{Value, json};
use std::path::Path;

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
return { text: rows[0].cells[i].innerText.trim(), cell: rows[0].cells[i] };
"#;

/// Finding and using things as people do: by role, label and accessible name.
impl Browser {
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

    /// Waits until the page's address is `path` (the app routes without reloading).
    pub async fn wait_for_path(&self, path: &str) {
        let script = format!("return location.pathname === {};", json!(path));
        self.wait_for(&format!("the address to be {path}"), &script)
            .await;
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
        self.try_cell_at(row, column).await.map(|(text, _)| text)
    }

    /// [`try_cell`](Self::try_cell), with the cell itself.
    async fn try_cell_at(&self, row: &str, column: &str) -> Result<(String, Value), String> {
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
        match v["text"].as_str() {
            Some(text) => Ok((text.to_owned(), v["cell"].clone())),
            None => Err(format!("the table's columns are {}", v["headers"])),
        }
    }

    /// The text of the cell under the column headed `column` in the one table row
    /// containing `row`, failing unless the cell is wholly within the window's width: a
    /// person sees it without scrolling sideways (on a phone, the row is a card).
    pub async fn cell_on_screen(&self, row: &str, column: &str) -> String {
        let (text, cell) = self
            .until(
                &format!("the {column:?} of the row of {row:?}"),
                async || self.try_cell_at(row, column).await,
            )
            .await;
        let what = format!("the {column:?} of {row:?} ({text:?})");
        self.assert_within_the_width(&what, cell).await;
        text
    }

    /// Fails unless the button or link named `name` is wholly within the window's width.
    pub async fn assert_button_on_screen(&self, name: &str) {
        let el = self.button(name).await;
        self.assert_within_the_width(&format!("the button {name:?}"), el.reference())
            .await;
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
}
