//! One line of the ledger: a ban, or the end of one, as text that survives a crash mid-write
//! (a torn line fails to parse and is cut off or skipped).
//!
//! Format 2 numbers every record (`seq`), so a record written twice (a retry after a write
//! that failed half-way) is read once. Its text fields are escaped reversibly ([`encode`]), so
//! a reason reads back exactly as it was written, however often the file is compacted.
//! Format 1 lines (no number, the reason escaped one way only) are still read.

use std::fmt::Write;

use ipnet::IpNet;

use crate::decision::{Ban, BanOrigin};
use crate::util::net::parse_net;
use crate::util::time::Millis;

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Ban(Ban),
    Unban { net: IpNet, at: Millis, why: String },
}

/// A reason longer than this is cut (at a character boundary) when written, so that a line
/// stays bounded whatever a rule or an admin put in it.
pub const REASON_MAX_BYTES: usize = 1000;

/// Escapes `text` so that it reads back exactly with [`decode`]: a backslash is doubled, and
/// every byte outside printable ASCII (and the space, unless `keep_space`) becomes `\xNN`.
/// The result holds no newline, so a record is always one line.
pub fn encode(text: &str, keep_space: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for &b in text.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b' ' if keep_space => out.push(' '),
            0x21..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// The inverse of [`encode`]; an escape that is not one of ours is kept as written.
pub fn decode(text: &str) -> String {
    let raw = text.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            if raw.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if raw.get(i + 1) == Some(&b'x')
                && let Some(hex) = text.get(i + 2..i + 4)
                && let Ok(b) = u8::from_str_radix(hex, 16)
            {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn bounded(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A ban as a format-2 line with sequence number `seq`, newline included.
pub(super) fn format_ban(seq: u64, b: &Ban) -> String {
    let until = b.until.map_or_else(|| "-".to_owned(), |u| u.to_string());
    format!(
        "B {seq} {} {} {} {} {} {}\n",
        b.since,
        b.net,
        until,
        encode(&b.origin.label(), false),
        b.offence,
        encode(bounded(&b.reason, REASON_MAX_BYTES), true)
    )
}

fn format_unban(seq: u64, net: &IpNet, at: Millis, why: &str) -> String {
    format!("U {seq} {at} {net} {}\n", encode(why, false))
}

/// One line read back: its sequence number (None for a format-1 line) and its record.
pub(super) fn parse_line(line: &str) -> Option<(Option<u64>, Record)> {
    let kind = line.split(' ').next()?;
    let rest = line.get(kind.len() + 1..)?;
    // Format 2 puts a sequence number second; format 1 a time (ban) or a time (unban) then a
    // network. Both start with a number, so format 2 is told apart by a number in third place
    // too (format 1 has a network there).
    let mut probe = rest.splitn(3, ' ');
    let first = probe.next()?;
    let second = probe.next()?;
    let numbered = first.parse::<u64>().is_ok() && second.parse::<i64>().is_ok();
    if numbered {
        let seq = first.parse().ok()?;
        let body = rest.get(first.len() + 1..)?;
        Some((Some(seq), parse_body(kind, body, true)?))
    } else {
        Some((None, parse_body(kind, rest, false)?))
    }
}

fn parse_body(kind: &str, body: &str, escaped: bool) -> Option<Record> {
    let text = |t: &str| if escaped { decode(t) } else { t.to_owned() };
    match kind {
        "B" => {
            let mut parts = body.splitn(6, ' ');
            let since = parts.next()?.parse().ok()?;
            let net = parse_net(parts.next()?)?;
            let until = match parts.next()? {
                "-" => None,
                u => Some(u.parse().ok()?),
            };
            let origin = BanOrigin::from_label(&text(parts.next()?));
            let offence = parts.next()?.parse().ok()?;
            let reason = text(parts.next().unwrap_or(""));
            Some(Record::Ban(Ban {
                net,
                since,
                until,
                origin,
                offence,
                reason,
            }))
        }
        "U" => {
            let mut parts = body.splitn(3, ' ');
            let at = parts.next()?.parse().ok()?;
            let net = parse_net(parts.next()?)?;
            let why = text(parts.next()?);
            Some(Record::Unban { net, at, why })
        }
        _ => None,
    }
}

impl Record {
    /// The record as one format-2 ledger line with sequence number `seq`, newline included.
    pub fn to_line_numbered(&self, seq: u64) -> String {
        match self {
            Record::Ban(b) => format_ban(seq, b),
            Record::Unban { net, at, why } => format_unban(seq, net, *at, why),
        }
    }

    /// The record as one ledger line, newline included (sequence number 0: for callers that
    /// write a single record; the ledger numbers its own).
    pub fn to_line(&self) -> String {
        self.to_line_numbered(0)
    }

    /// A line read back (format 1 or 2); None for a torn or foreign line.
    pub fn from_line(line: &str) -> Option<Record> {
        parse_line(line).map(|(_, r)| r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_any_text() {
        for t in [
            "plain",
            "a\\b",
            "\\x41",
            "line\nbreak",
            "é ü",
            "\u{1b}[31m",
            "",
            "\\",
        ] {
            assert_eq!(decode(&encode(t, true)), t, "{t:?}");
            assert_eq!(decode(&encode(t, false)), t, "{t:?}");
            assert!(!encode(t, false).contains(' '));
            assert!(!encode(t, true).contains('\n'));
        }
    }

    #[test]
    fn both_formats_parse() {
        let v1 = "B 1000 192.0.2.1/32 - manual 1 too many \\x0a";
        let (seq, r) = parse_line(v1).unwrap();
        assert_eq!(seq, None);
        let Record::Ban(b) = r else { panic!() };
        assert_eq!(
            b.reason, "too many \\x0a",
            "format 1 reasons are read as written"
        );
        let v2 = "B 7 1000 192.0.2.1/32 - manual 1 too many \\x0a";
        let (seq, r) = parse_line(v2).unwrap();
        assert_eq!(seq, Some(7));
        let Record::Ban(b) = r else { panic!() };
        assert_eq!(b.reason, "too many \n");
        assert_eq!(
            parse_line("U 1000 192.0.2.1/32 manual").unwrap().0,
            None,
            "format 1 unban"
        );
        assert_eq!(
            parse_line("U 3 1000 192.0.2.1/32 manual").unwrap().0,
            Some(3)
        );
        assert!(parse_line("B 7 1000 192.0.2").is_none());
    }
}
