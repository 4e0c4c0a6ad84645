//! The configuration as a whole (`Config::from_entries`): every key's own parser, named
//! sections, and a reload on top of the result.
//!
//! Input: `secast.conf` text. Asterisk's config loader does the real file parsing and hands
//! the module `(section, key, value)` entries; this target splits the text the same way
//! (`[section]`, `key = value` or `key => value`, `;` comments) so that the fuzzer works on
//! the file an admin writes, seeded with the shipped sample.

use res_secast::config::{Config, ConfigEntry};

fn entries(text: &str) -> Vec<ConfigEntry> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split(';').next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix('[') {
            section = name.split(']').next().unwrap_or("").trim().to_owned();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.strip_prefix('>').unwrap_or(value);
        let mut e = ConfigEntry::new(&section, key.trim(), value.trim());
        e.line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        out.push(e);
    }
    out
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let entries = entries(&res_secast_fuzz::text(data));
        let (first, issues) = Config::from_entries(&entries, &Config::default());
        for i in &issues {
            let _ = i.to_string();
        }
        // A reload of the same file over the running configuration.
        let _ = Config::from_entries(&entries, &first);
    });
}
