//! Durations as an Asterisk admin writes them in secast.conf and the CLI: `90`, `90s`, `10m`,
//! `1h`, `1d`, `1w`.

use std::time::Duration;

pub fn parse(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let secs = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    n.checked_mul(secs).map(Duration::from_secs)
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
