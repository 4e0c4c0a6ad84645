//! The device profiles as text, for their file next to the ledger: one entry a line, fields
//! separated by tabs, text fields percent-encoded (every byte outside `!`..`~`, and `%`), so
//! that a hostile User-Agent cannot forge a line or a field.
//!
//! ```text
//! secast-profiles 1
//! A <account> <last login ms>
//! U <account> <user agent> <last seen ms>
//! N <account> <network> <last seen ms>
//! ```

use std::fmt::Write;

use ipnet::IpNet;

use super::device_profiles::{DeviceProfile, DeviceProfiles};
use crate::util::time::Millis;

pub const HEADER: &str = "secast-profiles 1";

fn encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        if (0x21..=0x7e).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

fn decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Every profile as the file's text.
pub fn to_text(profiles: &DeviceProfiles) -> String {
    let mut out = String::new();
    out.push_str(HEADER);
    out.push('\n');
    for (account, p) in profiles.accounts() {
        let mut name = String::new();
        encode(account, &mut name);
        let _ = writeln!(out, "A\t{name}\t{}", p.last_seen);
        for (ua, at) in &p.agents {
            out.push_str("U\t");
            out.push_str(&name);
            out.push('\t');
            encode(ua, &mut out);
            let _ = writeln!(out, "\t{at}");
        }
        for (net, at) in &p.networks {
            let _ = writeln!(out, "N\t{name}\t{net}\t{at}");
        }
    }
    out
}

/// Profiles read from the file's text, and the numbers of the lines that could not be read
/// (skipped: a torn last line after a crash loses one entry, not the file).
pub fn from_text(text: &str) -> (Vec<(String, DeviceProfile)>, Vec<usize>) {
    let mut bad = Vec::new();
    let mut out: Vec<(String, DeviceProfile)> = Vec::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, HEADER)) => {}
        Some(_) => return (out, vec![1]),
        None => return (out, bad),
    }
    for (n, line) in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let parsed = (|| -> Option<()> {
            let account = decode(f.get(1)?)?;
            let at: Millis = f.last()?.parse().ok()?;
            let slot = match out.iter().position(|(a, _)| *a == account) {
                Some(i) => i,
                None => {
                    out.push((account, DeviceProfile::default()));
                    out.len() - 1
                }
            };
            let p = &mut out[slot].1;
            match (f[0], f.len()) {
                ("A", 3) => p.last_seen = at,
                ("U", 4) => p.agents.push((decode(f[2])?, at)),
                ("N", 4) => p.networks.push((f[2].parse::<IpNet>().ok()?, at)),
                _ => return None,
            }
            Some(())
        })();
        if parsed.is_none() {
            bad.push(n + 1);
        }
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::device_profiles::RegisterSeen;

    #[test]
    fn hostile_text_round_trips_without_forging_lines() {
        let mut p = DeviceProfiles::default();
        let ua = "Evil\tUA\nN\t1001\t0.0.0.0/0\t1 % ü";
        p.note_register(
            RegisterSeen {
                source: "203.0.113.7:5060".parse().unwrap(),
                from_user: "x".into(),
                user_agent: ua.into(),
                at: 5,
            },
            5,
        );
        p.on_login("10 01\n", "203.0.113.7:5060".parse().unwrap(), 6, 10, 8);
        let text = to_text(&p);
        assert_eq!(text.lines().count(), 4, "{text}");
        let (back, bad) = from_text(&text);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].0, "10 01\n");
        assert_eq!(back[0].1.agents, vec![(ua.to_owned(), 6)]);
        assert_eq!(
            back[0].1.networks,
            vec![("203.0.113.0/24".parse().unwrap(), 6)]
        );
        assert_eq!(back[0].1.last_seen, 6);
    }

    #[test]
    fn a_torn_line_is_skipped_and_named() {
        let text = format!("{HEADER}\nA\tabc\t5\nU\tabc\tYealink\t7\nN\tabc\t198.51.1");
        let (back, bad) = from_text(&text);
        assert_eq!(bad, vec![4]);
        assert_eq!(back[0].1.agents.len(), 1);
        assert_eq!(from_text("garbage\n").1, vec![1]);
    }
}
