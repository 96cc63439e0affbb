//! A rate limit's rule, written `N/period`.

use entity::parse_duration;
use std::time::Duration;

/// `N/period`, e.g. `10/15m`: N requests, refilled evenly over the period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub capacity: u32,
    pub per: Duration,
}

impl Rule {
    pub(super) fn rate_per_ms(&self) -> f64 {
        f64::from(self.capacity) / (self.per.as_millis().max(1) as f64)
    }
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (n, per) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}': expected N/period, e.g. 10/15m"))?;
        let capacity: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("'{s}': '{n}' is not a whole number"))?;
        if capacity == 0 {
            return Err(format!("'{s}': the number must be at least 1"));
        }
        let per = parse_duration(per.trim()).map_err(|e| format!("'{s}': {e}"))?;
        if per.is_zero() {
            return Err(format!("'{s}': the period must be longer than 0"));
        }
        Ok(Rule { capacity, per })
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.capacity, self.per.as_secs())
    }
}

/// Parses a rule for clap.
pub fn parse_rule(s: &str) -> Result<Rule, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_refuse_nonsense() {
        assert_eq!(
            "10/15m".parse::<Rule>().unwrap(),
            Rule {
                capacity: 10,
                per: Duration::from_secs(900)
            }
        );
        for bad in ["", "10", "x/1m", "0/1m", "10/0s", "10/soon", "-1/1m"] {
            assert!(bad.parse::<Rule>().is_err(), "{bad}");
        }
    }
}
