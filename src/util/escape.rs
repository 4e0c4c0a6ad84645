//! Making attacker-controlled text safe to show: in Asterisk's log, on the CLI, in AMI.
//!
//! A From-user in a REGISTER is whatever the attacker typed, so it may carry newlines (forged
//! log lines), terminal escapes, or megabytes. Everything outside printable ASCII, plus the
//! quote and backslash, becomes `\xNN`; the result is cut at a byte budget with a marker.

use std::fmt::Write;

/// Default budget for one untrusted value in a log line.
pub const LOG_FIELD_MAX: usize = 64;

/// Escapes `raw` for display, keeping at most `max` input bytes.
pub fn untrusted(raw: &[u8], max: usize) -> String {
    let kept = &raw[..raw.len().min(max)];
    let mut out = String::with_capacity(kept.len() + 8);
    for &b in kept {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    if raw.len() > max {
        let _ = write!(out, "...(+{} bytes)", raw.len() - max);
    }
    out
}

/// [`untrusted`] for a `&str`, with the log budget.
pub fn for_log(raw: &str) -> String {
    untrusted(raw.as_bytes(), LOG_FIELD_MAX)
}
