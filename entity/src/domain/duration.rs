use std::time::Duration;

/// Why a duration setting could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a duration: write a whole number and a unit, like 500ms, 5s, 10m, 2h or 14d")]
pub struct DurationError(String);

/// Parses the durations used in configuration: `500ms`, `5s`, `10m`, `2h`, `14d`.
pub fn parse_duration(raw: &str) -> Result<Duration, DurationError> {
    let s = raw.trim();
    let err = || DurationError(raw.chars().take(40).collect());
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (num, unit) = s.split_at(split);
    if num.is_empty() || num.len() > 12 {
        return Err(err());
    }
    let n: u64 = num.parse().map_err(|_| err())?;
    let secs = |mult: u64| n.checked_mul(mult).map(Duration::from_secs).ok_or_else(err);
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => secs(1),
        "m" => secs(60),
        "h" => secs(3600),
        "d" => secs(86_400),
        _ => Err(err()),
    }
}

/// A duration as a person reads it: `14 days`, `1 hour`, `5 minutes`, `30 seconds` (in
/// the largest unit that divides it).
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = match s {
        s if s >= 86_400 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_a_person_says_it() {
        assert_eq!(human_duration(Duration::from_secs(14 * 86_400)), "14 days");
        assert_eq!(human_duration(Duration::from_secs(3600)), "1 hour");
        assert_eq!(human_duration(Duration::from_secs(300)), "5 minutes");
        assert_eq!(human_duration(Duration::from_secs(90)), "90 seconds");
        assert_eq!(human_duration(Duration::from_secs(1)), "1 second");
    }

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(
            parse_duration(" 14d ").unwrap(),
            Duration::from_secs(14 * 86_400)
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "5",
            "s",
            "5 s",
            "-5s",
            "5w",
            "1.5h",
            "99999999999999d",
            "5sec",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
