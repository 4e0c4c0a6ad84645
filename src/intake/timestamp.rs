//! EventTV / SessionTV: Asterisk's `%FT%T.%q%z` in the PBX's local zone, e.g.
//! `2025-06-01T12:34:56.789+0200`.

use crate::util::time::days_from_civil;

/// Milliseconds since the Unix epoch (UTC), or None when the text is not in that form.
pub fn parse_event_tv(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // Fixed part: YYYY-MM-DDTHH:MM:SS (19 bytes).
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let kept = &frac[..digits.min(3)];
        millis = kept.parse::<i64>().ok()? * 10_i64.pow(3 - kept.len() as u32);
        rest = &frac[digits..];
    }
    let offset_minutes = match rest.as_bytes() {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), ..] if rest.len() == 5 => {
            let hh: i64 = rest[1..3].parse().ok()?;
            let mm: i64 = rest[3..5].parse().ok()?;
            let m = hh * 60 + mm;
            if *sign == b'-' { -m } else { m }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local_secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some((local_secs - offset_minutes * 60) * 1000 + millis)
}
