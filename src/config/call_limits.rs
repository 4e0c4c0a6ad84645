//! `[calls-NAME]`: the toll-fraud guard's limits, one named section per destination group
//! (`[calls-international]`, `[calls-premium]`, `[calls-night]`…). Each section says which
//! calls it counts (`match`), when (`window`), and the warning and critical levels of its five
//! counters. Three are built in and protect an untouched install; a section of the same name
//! changes them (keys it leaves out keep the built-in values) and `enabled = no` switches one
//! off. Templates work as everywhere in Asterisk: `[calls-night](limits-template)`.

use std::fmt;
use std::time::Duration;

use super::Config;
use super::calls::is_off;
use super::keys::{Keep, KeyDef, Set};
use super::values::{ShowValue, parse_bool, parse_duration, parse_u32};
use crate::decision::FraudLevel;

/// Which destinations a limit counts; a call matches a limit if it matches any of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestinationMatch {
    All,
    /// A country other than the PBX's (or a non-geographic code such as +882).
    International,
    Domestic,
    /// A class from the number lists (premium, shared_cost, known_fraud, high_risk, or one of
    /// your own), lower case.
    Class(String),
    /// An ISO country code, upper case (`JM`), or a non-geographic code written `+882`.
    Country(String),
    /// A number prefix as the admin wrote it (`+882`, `0900`), read with `[calls]` dialling.
    Prefix(String),
}

impl fmt::Display for DestinationMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DestinationMatch::All => f.write_str("all"),
            DestinationMatch::International => f.write_str("international"),
            DestinationMatch::Domestic => f.write_str("domestic"),
            DestinationMatch::Class(c) => write!(f, "class:{c}"),
            DestinationMatch::Country(c) => write!(f, "country:{c}"),
            DestinationMatch::Prefix(p) => write!(f, "prefix:{p}"),
        }
    }
}

const MATCH_EXPECTED: &str = "terms separated by commas: all, international, domestic, \
     class:NAME, country:CC (or country:+882), prefix:+DIGITS";

fn parse_match_term(term: &str) -> Result<DestinationMatch, String> {
    let t = term.trim();
    let lower = t.to_ascii_lowercase();
    let ok = |c: &str| {
        !c.is_empty()
            && c.len() <= 32
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    };
    match lower.split_once(':') {
        None => match lower.as_str() {
            "all" => Ok(DestinationMatch::All),
            "international" => Ok(DestinationMatch::International),
            "domestic" => Ok(DestinationMatch::Domestic),
            _ => Err(MATCH_EXPECTED.to_owned()),
        },
        Some(("class", c)) if ok(c) => Ok(DestinationMatch::Class(c.replace('-', "_"))),
        Some(("country", c))
            if (c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
                || (c.starts_with('+')
                    && c.len() <= 4
                    && c[1..].bytes().all(|b| b.is_ascii_digit())
                    && c.len() > 1) =>
        {
            Ok(DestinationMatch::Country(c.to_ascii_uppercase()))
        }
        Some(("prefix", p))
            if !p.is_empty()
                && p.len() <= 32
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            Ok(DestinationMatch::Prefix(p.to_owned()))
        }
        _ => Err(MATCH_EXPECTED.to_owned()),
    }
}

fn parse_matches(v: &str) -> Result<Vec<DestinationMatch>, String> {
    let terms: Vec<DestinationMatch> = v
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(parse_match_term)
        .collect::<Result<_, _>>()?;
    if terms.is_empty() {
        return Err(MATCH_EXPECTED.to_owned());
    }
    Ok(terms)
}

/// Days of the week (bit 0 Monday … bit 6 Sunday) and a time of day from `from` to `to`
/// (minutes after midnight; `to` at or before `from` ends on the next day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub days: u8,
    pub from: u16,
    pub to: u16,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
pub const ALL_DAYS: u8 = 0x7f;
const MINUTES_PER_DAY: u16 = 1440;

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.days != ALL_DAYS {
            let mut d = 0;
            let mut runs = Vec::new();
            while d < 7 {
                if self.days & (1 << d) == 0 {
                    d += 1;
                    continue;
                }
                let start = d;
                while d + 1 < 7 && self.days & (1 << (d + 1)) != 0 {
                    d += 1;
                }
                runs.push(if start == d {
                    DAYS[start].to_owned()
                } else {
                    format!("{}-{}", DAYS[start], DAYS[d])
                });
                d += 1;
            }
            parts.push(runs.join("+"));
        }
        if !(self.from == 0 && self.to == MINUTES_PER_DAY) {
            parts.push(format!(
                "{:02}:{:02}-{:02}:{:02}",
                self.from / 60,
                self.from % 60,
                self.to / 60,
                self.to % 60
            ));
        }
        f.write_str(&parts.join(" "))
    }
}

const WINDOW_EXPECTED: &str = "terms separated by commas, each days and/or a time of day: \
     mon-fri 18:00-08:00, sat-sun, 22:00-06:00";

fn parse_day(d: &str) -> Option<usize> {
    DAYS.iter().position(|x| d.eq_ignore_ascii_case(x))
}

fn parse_days(spec: &str) -> Option<u8> {
    let mut days = 0u8;
    for part in spec.split('+') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (parse_day(a)?, parse_day(b)?);
                let mut d = a;
                loop {
                    days |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days |= 1 << parse_day(part)?,
        }
    }
    Some(days)
}

fn parse_clock(t: &str) -> Option<u16> {
    let (h, m) = t.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    // `then`, not `then_some`: the minutes are computed only for a valid clock, so an hour
    // like 65535 is refused, not multiplied past u16 (found by fuzzing the config text).
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then(|| h * 60 + m)
}

fn parse_window_term(term: &str) -> Option<TimeWindow> {
    let mut words = term.split_whitespace();
    let first = words.next()?;
    let (days, time) = if first.contains(':') {
        (ALL_DAYS, Some(first))
    } else {
        (parse_days(first)?, words.next())
    };
    if words.next().is_some() {
        return None;
    }
    let (from, to) = match time {
        None => (0, MINUTES_PER_DAY),
        Some(t) => {
            let (a, b) = t.split_once('-')?;
            (parse_clock(a)?, parse_clock(b)?)
        }
    };
    (from < MINUTES_PER_DAY).then_some(TimeWindow { days, from, to })
}

fn parse_windows(v: &str) -> Result<Vec<TimeWindow>, String> {
    v.split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| parse_window_term(t).ok_or_else(|| WINDOW_EXPECTED.to_owned()))
        .collect()
}

/// A counter level: a count, or `off`.
fn parse_level(v: &str) -> Result<Option<u32>, String> {
    if is_off(v) {
        return Ok(None);
    }
    parse_u32(v, 0, 1_000_000)
        .map(Some)
        .map_err(|_| "a whole number from 0 to 1000000 (the most allowed), or off".to_owned())
}

fn parse_duration_level(v: &str) -> Result<Option<Duration>, String> {
    if is_off(v) {
        return Ok(None);
    }
    parse_duration(v)
        .map(Some)
        .map_err(|e| format!("{e}, or off"))
}

fn parse_fraud_level(v: &str) -> Result<Option<FraudLevel>, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "warning" => Ok(Some(FraudLevel::Warning)),
        "critical" => Ok(Some(FraudLevel::Critical)),
        s if is_off(s) => Ok(None),
        _ => Err("warning, critical or off".to_owned()),
    }
}

/// One limit section. A level is the most a counter may reach: a call that takes the counter
/// above its warning level is reported, one that would take it above its critical level is
/// refused by SECAST_CALLCHECK (and reported, and hung up with `hangup = yes`, when the passive
/// watch sees it). `None` is off.
#[derive(Debug, Clone, PartialEq)]
pub struct CallLimit {
    pub name: String,
    pub enabled: bool,
    pub matches: Vec<DestinationMatch>,
    pub calls_per_minute_warning: Option<u32>,
    pub calls_per_minute_critical: Option<u32>,
    pub concurrent_warning: Option<u32>,
    pub concurrent_critical: Option<u32>,
    /// Consecutive calls to the same number.
    pub sequential_warning: Option<u32>,
    pub sequential_critical: Option<u32>,
    /// Calls within `interval` (a sliding window).
    pub total_warning: Option<u32>,
    pub total_critical: Option<u32>,
    pub interval: Duration,
    /// How long one answered call may last.
    pub duration_warning: Option<Duration>,
    pub duration_critical: Option<Duration>,
    /// The level of a call to a country the account has never called before.
    pub new_country: Option<FraudLevel>,
    /// When the limit applies; empty: always. Counters restart when a window ends.
    pub windows: Vec<TimeWindow>,
    /// Live calls over a critical level are hung up (passive watch, duration).
    pub hangup: bool,
}

impl CallLimit {
    /// A limit that counts nothing yet: what a new section starts from.
    pub fn blank(name: &str) -> CallLimit {
        CallLimit {
            name: name.to_owned(),
            enabled: true,
            matches: vec![DestinationMatch::All],
            calls_per_minute_warning: None,
            calls_per_minute_critical: None,
            concurrent_warning: None,
            concurrent_critical: None,
            sequential_warning: None,
            sequential_critical: None,
            total_warning: None,
            total_critical: None,
            interval: Duration::from_secs(3600),
            duration_warning: None,
            duration_critical: None,
            new_country: None,
            windows: Vec::new(),
            hangup: false,
        }
    }

    /// The built-in limits, protecting an untouched install:
    /// - `international`: per account, warning above 5 calls a minute, critical above 10, and
    ///   critical above 5 at once;
    /// - `high_risk`: premium, known-fraud and high-risk destinations: warning on every call,
    ///   critical on the 3rd within an hour;
    /// - `new_country`: warning on the first call to a country the account never called.
    pub fn built_in() -> Vec<CallLimit> {
        vec![
            CallLimit {
                matches: vec![DestinationMatch::International],
                calls_per_minute_warning: Some(5),
                calls_per_minute_critical: Some(10),
                concurrent_critical: Some(5),
                ..CallLimit::blank("international")
            },
            CallLimit {
                matches: vec![
                    DestinationMatch::Class("premium".to_owned()),
                    DestinationMatch::Class("known_fraud".to_owned()),
                    DestinationMatch::Class("high_risk".to_owned()),
                ],
                total_warning: Some(0),
                total_critical: Some(2),
                interval: Duration::from_secs(3600),
                ..CallLimit::blank("high_risk")
            },
            CallLimit {
                matches: vec![DestinationMatch::International],
                new_country: Some(FraudLevel::Warning),
                ..CallLimit::blank("new_country")
            },
        ]
    }

    /// What a `[calls-NAME]` section starts from: the built-in limit of that name, or blank.
    pub fn starting(name: &str) -> CallLimit {
        CallLimit::built_in()
            .into_iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| CallLimit::blank(name))
    }
}

/// The limit named `name` in `cfg`, created from [`CallLimit::starting`] on first use.
fn limit_mut<'a>(cfg: &'a mut Config, name: &str) -> &'a mut CallLimit {
    let name = name.trim();
    let at = match cfg
        .call_limits
        .iter()
        .position(|l| l.name.eq_ignore_ascii_case(name))
    {
        Some(i) => i,
        None => {
            cfg.call_limits.push(CallLimit::starting(name));
            cfg.call_limits.len() - 1
        }
    };
    &mut cfg.call_limits[at]
}

/// The limit `name` as it was in `previous` (or as it starts).
fn previous_limit(previous: &Config, name: &str) -> CallLimit {
    previous
        .call_limits
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(name.trim()))
        .cloned()
        .unwrap_or_else(|| CallLimit::starting(name.trim()))
}

/// `limit_key!(name, field, parser)`: a key of every `[calls-NAME]` section.
macro_rules! limit_key {
    ($name:literal, $field:ident, $parse:expr) => {
        KeyDef {
            section: "calls-*",
            name: $name,
            set: Set::Named(|c, section, v| {
                limit_mut(c, section).$field = $parse(v)?;
                Ok(())
            }),
            keep: Keep::Named(|c, prev, section| {
                let kept = previous_limit(prev, section).$field;
                let shown = ShowValue::show(&kept);
                limit_mut(c, section).$field = kept;
                shown
            }),
            secret: false,
        }
    };
}

impl CallLimit {
    /// Whether this limit refuses (critical level) some international calls: what the audit
    /// asks of the call guard.
    pub fn guards_international(&self) -> bool {
        self.enabled
            && self
                .matches
                .iter()
                .any(|m| matches!(m, DestinationMatch::All | DestinationMatch::International))
            && (self.calls_per_minute_critical.is_some()
                || self.concurrent_critical.is_some()
                || self.total_critical.is_some())
    }
}

impl ShowValue for Option<u32> {
    fn show(&self) -> String {
        self.map_or_else(|| "off".to_owned(), |n| n.to_string())
    }
}
impl ShowValue for Option<Duration> {
    fn show(&self) -> String {
        self.map_or_else(|| "off".to_owned(), crate::util::duration::format)
    }
}
impl ShowValue for Option<FraudLevel> {
    fn show(&self) -> String {
        self.map_or_else(|| "off".to_owned(), |l| l.to_string())
    }
}
impl ShowValue for Vec<DestinationMatch> {
    fn show(&self) -> String {
        self.iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
impl ShowValue for Vec<TimeWindow> {
    fn show(&self) -> String {
        if self.is_empty() {
            return "always".to_owned();
        }
        self.iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
impl ShowValue for Vec<String> {
    fn show(&self) -> String {
        format!("'{}'", crate::util::escape::for_log(&self.join(", ")))
    }
}

fn parse_windows_or_always(v: &str) -> Result<Vec<TimeWindow>, String> {
    if v.trim().eq_ignore_ascii_case("always") || v.trim().is_empty() {
        return Ok(Vec::new());
    }
    parse_windows(v)
}

fn parse_interval(v: &str) -> Result<Duration, String> {
    let d = parse_duration(v)?;
    if d > Duration::from_secs(31 * 86_400) {
        return Err("a duration of at most 31d".to_owned());
    }
    Ok(d)
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        limit_key!("enabled", enabled, parse_bool),
        limit_key!("match", matches, parse_matches),
        limit_key!(
            "calls_per_minute_warning",
            calls_per_minute_warning,
            parse_level
        ),
        limit_key!(
            "calls_per_minute_critical",
            calls_per_minute_critical,
            parse_level
        ),
        limit_key!("concurrent_warning", concurrent_warning, parse_level),
        limit_key!("concurrent_critical", concurrent_critical, parse_level),
        limit_key!("sequential_warning", sequential_warning, parse_level),
        limit_key!("sequential_critical", sequential_critical, parse_level),
        limit_key!("total_warning", total_warning, parse_level),
        limit_key!("total_critical", total_critical, parse_level),
        limit_key!("interval", interval, parse_interval),
        limit_key!("duration_warning", duration_warning, parse_duration_level),
        limit_key!("duration_critical", duration_critical, parse_duration_level),
        limit_key!("new_country", new_country, parse_fraud_level),
        limit_key!("window", windows, parse_windows_or_always),
        limit_key!("hangup", hangup, parse_bool),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_out_of_range_clock_is_refused_not_overflowed() {
        assert_eq!(parse_clock("65535:00"), None);
        assert_eq!(parse_clock("1100:59"), None);
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("08:30"), Some(510));
    }

    #[test]
    fn windows_read_days_and_times() {
        let w = parse_windows("mon-fri 18:00-08:00, sat-sun").unwrap();
        assert_eq!(
            w[0],
            TimeWindow {
                days: 0x1f,
                from: 1080,
                to: 480
            }
        );
        assert_eq!(
            w[1],
            TimeWindow {
                days: 0x60,
                from: 0,
                to: 1440
            }
        );
        assert_eq!(w[0].to_string(), "mon-fri 18:00-08:00");
        assert_eq!(w[1].to_string(), "sat-sun");
        let w = parse_windows("22:00-06:00, fri-mon").unwrap();
        assert_eq!(w[0].days, ALL_DAYS);
        assert_eq!(w[1].days, 0b111_0001);
        assert!(parse_windows("weekends").is_err());
        assert!(parse_windows("mon 25:00-26:00").is_err());
    }

    #[test]
    fn matches_read_terms() {
        let m = parse_matches("international, class:Premium, country:jm, prefix:+882").unwrap();
        assert_eq!(
            m,
            vec![
                DestinationMatch::International,
                DestinationMatch::Class("premium".into()),
                DestinationMatch::Country("JM".into()),
                DestinationMatch::Prefix("+882".into()),
            ]
        );
        assert!(parse_matches("country:jamaica").is_err());
        assert!(parse_matches("").is_err());
        assert!(parse_matches("class:$(rm)").is_err());
    }
}
