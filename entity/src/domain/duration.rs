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

#[cfg(test)]
mod tests {
    use super::*;

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
