use super::ParseError;
use std::fmt;

/// The discount tier table (SPEC §6): from how many active clients (TRIAL + PAYING) a
/// partner gets which percentage off. Written in configuration as `min:percent` pairs,
/// e.g. `5:10,20:15,50:20,100:25`; below the first tier the discount is 0%.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscountTiers(Vec<(u32, u32)>);

/// Where a partner stands in the tier table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierStanding {
    pub percent_off: u32,
    /// Active clients still needed for the next tier; `None` at the top tier.
    pub clients_to_next_tier: Option<u32>,
}

impl Default for DiscountTiers {
    fn default() -> Self {
        DiscountTiers(vec![(5, 10), (20, 15), (50, 20), (100, 25)])
    }
}

impl DiscountTiers {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let bad = |why: &str| {
            ParseError(format!(
                "discount tiers '{raw}': {why}; write them like 5:10,20:15,50:20,100:25"
            ))
        };
        let mut tiers = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (min, pct) = part
                .split_once(':')
                .ok_or_else(|| bad("each tier is min:percent"))?;
            let min: u32 = min
                .trim()
                .parse()
                .map_err(|_| bad("a minimum is not a whole number"))?;
            let pct: u32 = pct
                .trim()
                .parse()
                .map_err(|_| bad("a percentage is not a whole number"))?;
            if pct > 100 {
                return Err(bad("a percentage is over 100"));
            }
            tiers.push((min, pct));
        }
        if tiers.is_empty() {
            return Err(bad("no tiers"));
        }
        if tiers
            .windows(2)
            .any(|w| w[0].0 >= w[1].0 || w[0].1 > w[1].1)
        {
            return Err(bad("minimums must rise and percentages must not fall"));
        }
        Ok(DiscountTiers(tiers))
    }

    pub fn standing(&self, active_clients: u32) -> TierStanding {
        let percent_off = self
            .0
            .iter()
            .take_while(|(min, _)| *min <= active_clients)
            .last()
            .map_or(0, |(_, pct)| *pct);
        let clients_to_next_tier = self
            .0
            .iter()
            .find(|(min, _)| *min > active_clients)
            .map(|(min, _)| min - active_clients);
        TierStanding {
            percent_off,
            clients_to_next_tier,
        }
    }
}

impl fmt::Display for DiscountTiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(m, p)| format!("{m}:{p}")).collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_table_at_its_boundaries() {
        let t = DiscountTiers::default();
        let s = |n| {
            let s = t.standing(n);
            (s.percent_off, s.clients_to_next_tier)
        };
        assert_eq!(s(0), (0, Some(5)));
        assert_eq!(s(4), (0, Some(1)));
        assert_eq!(s(5), (10, Some(15)));
        assert_eq!(s(19), (10, Some(1)));
        assert_eq!(s(20), (15, Some(30)));
        assert_eq!(s(49), (15, Some(1)));
        assert_eq!(s(50), (20, Some(50)));
        assert_eq!(s(99), (20, Some(1)));
        assert_eq!(s(100), (25, None));
        assert_eq!(s(5000), (25, None));
    }

    #[test]
    fn parses_and_prints_a_table() {
        let t = DiscountTiers::parse(" 0:5, 3:7 ,10:30").unwrap();
        assert_eq!(t.to_string(), "0:5,3:7,10:30");
        assert_eq!(t.standing(0).percent_off, 5);
        assert_eq!(
            DiscountTiers::parse(&DiscountTiers::default().to_string()).unwrap(),
            DiscountTiers::default()
        );
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "",
            "5",
            "5:x",
            "x:5",
            "5:10,5:20",
            "20:10,5:5",
            "5:20,10:10",
            "5:101",
            "-1:5",
        ] {
            assert!(DiscountTiers::parse(bad).is_err(), "{bad:?}");
        }
    }
}
