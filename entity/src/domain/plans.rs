//! The plans a client account can subscribe to (issue 16), from configuration (`PLANS`):
//! `subscribe` accepts exactly their ids and `plans` lists them.

use serde::Deserialize;

/// One plan.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Plan {
    /// What `subscribe(plan:)` takes: lower-case letters, digits, `-` and `_`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// The configured plans, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plans(Vec<Plan>);

/// Today's two plans: the default of `PLANS`.
pub const DEFAULT_PLANS: &str = r#"[{"id":"monthly","name":"Monthly","description":"Billed every month; cancel any time"},{"id":"annual","name":"Annual","description":"Billed once a year, two months free"}]"#;

impl Plans {
    /// `raw`: a JSON array of `{"id", "name", "description"?}`; at least one plan, ids
    /// unique.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let plans: Vec<Plan> = serde_json::from_str(raw).map_err(|e| {
            format!(
                "PLANS must be a JSON array like [{{\"id\":\"monthly\",\"name\":\"Monthly\",\"description\":\"…\"}}]: {e}"
            )
        })?;
        if plans.is_empty() {
            return Err("PLANS lists no plan".into());
        }
        for (i, p) in plans.iter().enumerate() {
            let ok = !p.id.is_empty()
                && p.id.len() <= 40
                && p.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !ok {
                return Err(format!(
                    "plan id '{}': use 1 to 40 lower-case letters, digits, '-' or '_'",
                    p.id
                ));
            }
            if p.name.trim().is_empty() {
                return Err(format!("plan '{}' has no name", p.id));
            }
            if plans[..i].iter().any(|q| q.id == p.id) {
                return Err(format!("plan id '{}' is listed twice", p.id));
            }
        }
        Ok(Plans(plans))
    }

    pub fn all(&self) -> &[Plan] {
        &self.0
    }

    pub fn get(&self, id: &str) -> Option<&Plan> {
        self.0.iter().find(|p| p.id == id)
    }

    /// The ids, for messages: `monthly, annual`.
    pub fn ids(&self) -> String {
        self.0
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_monthly_and_annual_and_bad_lists_are_refused() {
        let p = Plans::parse(DEFAULT_PLANS).unwrap();
        assert_eq!(p.ids(), "monthly, annual");
        assert!(p.get("annual").is_some() && p.get("weekly").is_none());
        for bad in [
            "",
            "[]",
            "not json",
            r#"[{"id":"Monthly","name":"M"}]"#,
            r#"[{"id":"a","name":" "}]"#,
            r#"[{"id":"a","name":"A"},{"id":"a","name":"B"}]"#,
        ] {
            assert!(Plans::parse(bad).is_err(), "{bad}");
        }
    }
}
