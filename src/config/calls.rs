//! `[calls]`: the toll-fraud guard's own settings: the PBX's dialling habits (how a dialled
//! number becomes E.164), the time zone of call-limit windows, the shipped high-risk list, when
//! an account is restricted, and the bounds of its tables. The limits themselves are the named
//! `[calls-NAME]` sections (`call_limits.rs`).

use std::time::Duration;

use super::keys::{KeyDef, key};
use super::values::{parse_bool, parse_count, parse_duration, parse_u32};

#[derive(Debug, Clone, PartialEq)]
pub struct CallsConfig {
    /// SECAST_CALLCHECK answers and the passive watch counts; `no` makes every check ALLOW.
    pub enabled: bool,
    /// Follow every outbound call from Asterisk's channel and dial messages.
    pub watch: bool,
    /// The PBX's country (ISO 3166 two letters, upper case); empty: unknown.
    pub country: String,
    /// International (exit) prefixes; empty: the country's.
    pub international_prefix: Vec<String>,
    /// National trunk prefix; empty: the country's; `none`: numbers are dialled without one.
    pub national_prefix: String,
    /// IANA time zone of the limits' windows; empty: the system's.
    pub timezone: String,
    /// `builtin` (the list shipped with the module), `none`, or a list file's absolute path.
    pub high_risk_list: String,
    /// Engine alerts that restrict the account they name.
    pub restrict_after: Vec<String>,
    /// An account whose risk is above this is restricted; None: off.
    pub restrict_account_risk: Option<u32>,
    /// A call from a source whose risk is above this is restricted; None: off.
    pub restrict_address_risk: Option<u32>,
    /// How long a restriction from an alert lasts; None: until `secast clear account`.
    pub restrict_time: Option<Duration>,
    /// The passive watch hangs up a restricted account's international and high-risk calls
    /// that no SECAST_CALLCHECK refused.
    pub restrict_hangup: bool,
    /// Accounts with call state kept; the least recently active idle ones make room.
    pub max_accounts: usize,
    /// Live outbound calls the watch follows at once.
    pub max_live_calls: usize,
    /// An account with no call for this long is forgotten (its counters and the countries it
    /// called).
    pub forget_after: Duration,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig {
            enabled: true,
            watch: true,
            country: String::new(),
            international_prefix: Vec::new(),
            national_prefix: String::new(),
            timezone: String::new(),
            high_risk_list: "builtin".to_owned(),
            restrict_after: vec!["stolen_credentials".to_owned(), "distributed".to_owned()],
            restrict_account_risk: Some(50),
            restrict_address_risk: Some(50),
            restrict_time: Some(Duration::from_secs(86_400)),
            restrict_hangup: true,
            max_accounts: 100_000,
            max_live_calls: 10_000,
            forget_after: Duration::from_secs(7 * 86_400),
        }
    }
}

fn parse_country(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() || (v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic())) {
        Ok(v.to_ascii_uppercase())
    } else {
        Err("a two-letter country code such as US, GB, DE or FR".to_owned())
    }
}

fn parse_prefixes(v: &str) -> Result<Vec<String>, String> {
    let codes: Vec<String> = v
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if codes
        .iter()
        .all(|c| c.len() <= 8 && c.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(codes)
    } else {
        Err("digits, several separated by commas (e.g. 00 or 011)".to_owned())
    }
}

fn parse_trunk(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty()
        || v.eq_ignore_ascii_case("none")
        || (v.len() <= 4 && v.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(if v.eq_ignore_ascii_case("none") {
            "none".to_owned()
        } else {
            v.to_owned()
        })
    } else {
        Err("digits (e.g. 0 or 1), none, or nothing for the country's".to_owned())
    }
}

fn parse_timezone(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() || jiff::tz::TimeZone::get(v).is_ok() {
        Ok(v.to_owned())
    } else {
        Err("an IANA time zone such as Europe/London (from the system's zoneinfo), or nothing for the system's".to_owned())
    }
}

fn parse_list_source(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("builtin") || v.eq_ignore_ascii_case("none") {
        Ok(v.to_ascii_lowercase())
    } else if v.starts_with('/') {
        Ok(v.to_owned())
    } else {
        Err("builtin, none, or an absolute path".to_owned())
    }
}

fn parse_rule_names(v: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = v
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    const KNOWN: [&str; 2] = ["stolen_credentials", "distributed"];
    if names.iter().all(|n| KNOWN.contains(&n.as_str())) {
        Ok(names)
    } else {
        Err("stolen_credentials and/or distributed, separated by commas (or nothing)".to_owned())
    }
}

/// A risk level 0-100, or `off`.
fn parse_risk_level(v: &str) -> Result<Option<u32>, String> {
    if is_off(v) {
        return Ok(None);
    }
    parse_u32(v, 0, 100)
        .map(Some)
        .map_err(|_| "a risk level from 0 to 100, or off".to_owned())
}

fn parse_restrict_time(v: &str) -> Result<Option<Duration>, String> {
    if v.trim().eq_ignore_ascii_case("until_cleared") {
        return Ok(None);
    }
    parse_duration(v)
        .map(Some)
        .map_err(|e| format!("{e}, or until_cleared"))
}

pub(super) fn is_off(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "off" | "no" | "none"
    )
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        key!("calls", "enabled", calls.enabled, parse_bool),
        key!("calls", "watch", calls.watch, parse_bool),
        key!("calls", "country", calls.country, parse_country),
        key!(
            "calls",
            "international_prefix",
            calls.international_prefix,
            parse_prefixes
        ),
        key!(
            "calls",
            "national_prefix",
            calls.national_prefix,
            parse_trunk
        ),
        key!("calls", "timezone", calls.timezone, parse_timezone),
        key!(
            "calls",
            "high_risk_list",
            calls.high_risk_list,
            parse_list_source
        ),
        key!(
            "calls",
            "restrict_after",
            calls.restrict_after,
            parse_rule_names
        ),
        key!(
            "calls",
            "restrict_account_risk",
            calls.restrict_account_risk,
            parse_risk_level
        ),
        key!(
            "calls",
            "restrict_address_risk",
            calls.restrict_address_risk,
            parse_risk_level
        ),
        key!(
            "calls",
            "restrict_time",
            calls.restrict_time,
            parse_restrict_time
        ),
        key!(
            "calls",
            "restrict_hangup",
            calls.restrict_hangup,
            parse_bool
        ),
        key!("calls", "max_accounts", calls.max_accounts, |v| {
            parse_count(v, 100, 10_000_000)
        }),
        key!("calls", "max_live_calls", calls.max_live_calls, |v| {
            parse_count(v, 10, 1_000_000)
        }),
        key!("calls", "forget_after", calls.forget_after, parse_duration),
    ]
}
