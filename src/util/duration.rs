//! Durations as an Asterisk admin writes them in secast.conf and the CLI: `90`, `90s`, `10m`,
//! `1h`, `1d`, `1w`.
//!
//! Every duration is at most [`MAX`] (ten years): longer values are refused when they are
//! parsed rather than truncated or wrapped somewhere later (milliseconds in an i64, the
//! half-life times 8, a ban's end).

use std::time::Duration;

/// The longest duration accepted anywhere: ten years, beyond any ban or window that makes
/// sense, and far inside what milliseconds in an `i64` hold.
pub const MAX: Duration = Duration::from_secs(10 * 365 * 86_400);

/// What [`parse`] found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Not a number with an optional unit.
    NotADuration,
    /// A duration, but longer than [`MAX`].
    TooLong,
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::NotADuration => {
                f.write_str("not a duration such as 30s, 10m, 1h, 1d or 1w")
            }
            DurationError::TooLong => write!(f, "longer than {}", format(MAX)),
        }
    }
}

/// A duration, or what is wrong with it.
pub fn parse_checked(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return Err(DurationError::NotADuration);
    }
    let secs = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return Err(DurationError::NotADuration),
    };
    // Only digits are left, so a parse failure is an overflow: too long, not garbage.
    let n: u64 = digits.parse().map_err(|_| DurationError::TooLong)?;
    match n.checked_mul(secs).map(Duration::from_secs) {
        Some(d) if d <= MAX => Ok(d),
        _ => Err(DurationError::TooLong),
    }
}

/// A duration up to [`MAX`]; None for anything else.
pub fn parse(text: &str) -> Option<Duration> {
    parse_checked(text).ok()
}

/// The shortest exact form: `3600` seconds shows as `1h`, `90` as `90s`.
pub fn format(d: Duration) -> String {
    let s = d.as_secs();
    for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if s >= size && s.is_multiple_of(size) {
            return format!("{}{unit}", s / size);
        }
    }
    format!("{s}s")
}

/// A rough human form for time left: the two largest units, `59m50s`, `23h59m`, `6d23h`.
pub fn format_left(d: Duration) -> String {
    let s = d.as_secs();
    let units = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)];
    let Some(first) = units.iter().position(|(_, size)| s >= *size) else {
        return "0s".to_owned();
    };
    let (u1, s1) = units[first];
    let mut out = format!("{}{u1}", s / s1);
    if let Some((u2, s2)) = units.get(first + 1) {
        let rest = (s % s1) / s2;
        if rest > 0 {
            out.push_str(&format!("{rest}{u2}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_bare_seconds() {
        assert_eq!(parse("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse(" 2 d "), Some(Duration::from_secs(172_800)));
        assert_eq!(parse("1w"), Some(Duration::from_secs(604_800)));
        assert_eq!(parse_checked("1y"), Err(DurationError::NotADuration));
        assert_eq!(parse_checked("h"), Err(DurationError::NotADuration));
        assert_eq!(parse_checked(""), Err(DurationError::NotADuration));
    }

    #[test]
    fn durations_that_would_overflow_are_refused_not_truncated() {
        assert_eq!(parse("3650d"), Some(MAX));
        assert_eq!(parse_checked("3651d"), Err(DurationError::TooLong));
        assert_eq!(parse_checked("99999999999w"), Err(DurationError::TooLong));
        assert_eq!(
            parse_checked("99999999999999999999999s"),
            Err(DurationError::TooLong)
        );
        // Ten years in milliseconds, times 8, still fits an i64 many times over.
        assert!((MAX.as_millis() * 8) < i64::MAX as u128);
    }
}
