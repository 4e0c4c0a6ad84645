//! The PJSIP sensor's sections: `[sensor]` (the sensor itself, contact removal, device
//! profiles), `[scanner]` (User-Agent fingerprints of SIP scanners) and `[request_flood]`
//! (requests per second per source, before authentication; its keys are those of a rule).

use std::time::Duration;

use super::keys::{KeyDef, key, list_key};
use super::values::{parse_bool, parse_count, parse_duration, parse_u32};

/// The scanners' User-Agents recognised by default: case-insensitive substrings. Each is
/// documented with its public source in `module-config/secast.conf`. None may match a real
/// phone, trunk or PBX (see the sensor's tests of real User-Agents).
pub const BUILTIN_SCANNER_PATTERNS: &[&str] = &[
    "friendly-scanner",
    "sipvicious",
    "sipcli",
    "sip-scan",
    "sipscan",
    "sundayddr",
    "iwar",
    "vaxsipuseragent",
    "pplsip",
    "smap",
];

/// Longest pattern accepted: a User-Agent longer than the sensor reads is not matched anyway.
pub const MAX_SCANNER_PATTERN: usize = 64;
/// Most patterns in total (built-in and configured): the sensor matches them all per request.
pub const MAX_SCANNER_PATTERNS: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct SensorConfig {
    /// Whether the sensor judges requests at all (off: every request passes, nothing counted).
    pub enabled: bool,
    /// A source banned within this long after a SuccessfulAuth from it has the contacts that
    /// login registered removed. Zero: never.
    pub remove_contacts_within: Duration,
    /// Device profiles: accounts remembered (the account seen longest ago goes first).
    pub profile_accounts: usize,
    /// Device profiles: User-Agents and networks remembered per account (each; the one seen
    /// longest ago goes first).
    pub profile_entries: usize,
    /// Whether a login from a User-Agent and a network both new to the account's profile
    /// raises the `stolen_credentials` signal.
    pub profile_signal: bool,
}

impl Default for SensorConfig {
    fn default() -> Self {
        SensorConfig {
            enabled: true,
            remove_contacts_within: Duration::from_secs(600),
            profile_accounts: 10_000,
            profile_entries: 8,
            profile_signal: true,
        }
    }
}

/// The patterns of `[scanner]`; its `enabled` and `ban` are in [`super::Rules`] (`scanner`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScannerConfig {
    /// Whether [`BUILTIN_SCANNER_PATTERNS`] are used.
    pub builtin_patterns: bool,
    /// More patterns, lower-cased (case-insensitive substrings of the User-Agent).
    pub patterns: Vec<String>,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        ScannerConfig {
            builtin_patterns: true,
            patterns: Vec::new(),
        }
    }
}

impl ScannerConfig {
    /// Every pattern in force: the built-in ones (when on), then the configured ones.
    pub fn all_patterns(&self) -> Vec<String> {
        let builtin = if self.builtin_patterns {
            BUILTIN_SCANNER_PATTERNS
        } else {
            &[]
        };
        let mut out: Vec<String> = builtin.iter().map(|p| (*p).to_owned()).collect();
        for p in &self.patterns {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out.truncate(MAX_SCANNER_PATTERNS);
        out
    }
}

/// A scanner pattern: printable ASCII without spaces at either end, 2 to 64 characters;
/// stored lower-cased (matching ignores case).
fn parse_pattern(v: &str) -> Result<String, String> {
    let ok = (2..=MAX_SCANNER_PATTERN).contains(&v.len())
        && v.bytes().all(|b| (0x20..0x7f).contains(&b))
        && v.trim() == v;
    if ok {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(format!(
            "a User-Agent fragment of 2 to {MAX_SCANNER_PATTERN} printable ASCII characters"
        ))
    }
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        key!("sensor", "enabled", sensor.enabled, parse_bool),
        key!(
            "sensor",
            "remove_contacts_within",
            sensor.remove_contacts_within,
            |v: &str| if v == "0" {
                Ok(Duration::ZERO)
            } else {
                parse_duration(v)
            }
        ),
        key!("sensor", "profile_accounts", sensor.profile_accounts, |v| {
            parse_count(v, 0, 1_000_000)
        }),
        key!("sensor", "profile_entries", sensor.profile_entries, |v| {
            parse_count(v, 1, 64)
        }),
        key!(
            "sensor",
            "profile_signal",
            sensor.profile_signal,
            parse_bool
        ),
        key!("scanner", "enabled", rules.scanner.enabled, parse_bool),
        key!(
            "scanner",
            "builtin_patterns",
            scanner.builtin_patterns,
            parse_bool
        ),
        list_key("scanner", "pattern", |c, v| {
            let p = parse_pattern(v)?;
            if c.scanner.patterns.len() >= MAX_SCANNER_PATTERNS {
                return Err(format!("at most {MAX_SCANNER_PATTERNS} patterns"));
            }
            c.scanner.patterns.push(p);
            Ok(())
        }),
        key!("scanner", "ban", rules.scanner.ban, parse_duration),
        // Requests per second: the window is one second, not configurable.
        key!(
            "request_flood",
            "enabled",
            rules.request_flood.enabled,
            parse_bool
        ),
        key!(
            "request_flood",
            "threshold",
            rules.request_flood.threshold,
            |v| parse_u32(v, 1, 1_000_000)
        ),
        key!(
            "request_flood",
            "ban",
            rules.request_flood.ban,
            parse_duration
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_lowercased_and_bad_ones_refused() {
        assert_eq!(parse_pattern("SIPVicious").unwrap(), "sipvicious");
        assert!(parse_pattern("x").is_err());
        assert!(parse_pattern(" padded").is_err());
        assert!(parse_pattern("tab\there").is_err());
        assert!(parse_pattern(&"a".repeat(65)).is_err());
    }

    #[test]
    fn builtin_patterns_can_be_turned_off_and_extended_without_duplicates() {
        let mut c = ScannerConfig::default();
        c.patterns.push("sipcli".into());
        c.patterns.push("evilscan".into());
        let all = c.all_patterns();
        assert_eq!(all.len(), BUILTIN_SCANNER_PATTERNS.len() + 1);
        c.builtin_patterns = false;
        assert_eq!(c.all_patterns(), vec!["sipcli", "evilscan"]);
    }
}
