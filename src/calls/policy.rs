//! The limits and settings in force, compiled from the configuration: rules with their
//! destination matchers and schedules, the dialling habits, the time zone, the restriction
//! settings. Immutable; a reload builds a new one and swaps it in whole.

use std::fmt;
use std::time::Duration;

use jiff::tz::TimeZone;

use super::countries::Region;
use super::destination::Destination;
use super::dialling::Dialling;
use super::schedule::Schedule;
use crate::config::{CallLimit, Config, DestinationMatch};
use crate::decision::FraudLevel;

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    CallsPerMinute,
    Concurrent,
    Sequential,
    Total,
    Duration,
    NewCountry,
    /// Not a count: the account or the source is restricted.
    Restricted,
}

impl Counter {
    pub fn name(self) -> &'static str {
        match self {
            Counter::CallsPerMinute => "calls_per_minute",
            Counter::Concurrent => "concurrent",
            Counter::Sequential => "sequential",
            Counter::Total => "total",
            Counter::Duration => "duration",
            Counter::NewCountry => "new_country",
            Counter::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A warning and a critical level: the most a counter may reach at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Levels {
    pub warning: Option<u32>,
    pub critical: Option<u32>,
}

impl Levels {
    /// The level `value` (this call included) reaches, if any.
    pub fn reached(&self, value: u32) -> Option<FraudLevel> {
        if self.critical.is_some_and(|c| value > c) {
            Some(FraudLevel::Critical)
        } else if self.warning.is_some_and(|w| value > w) {
            Some(FraudLevel::Warning)
        } else {
            None
        }
    }

    pub fn is_off(&self) -> bool {
        self.warning.is_none() && self.critical.is_none()
    }

    fn highest(&self) -> u32 {
        self.warning.unwrap_or(0).max(self.critical.unwrap_or(0))
    }
}

/// One destination test, with prefixes already read as E.164 (or dialled) digits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    All,
    International,
    Domestic,
    Class(String),
    Region(String),
    Prefix(String),
}

/// A limit as applied.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// Identifies the rule's counters across reloads (a hash of the name).
    pub key: u32,
    matchers: Vec<Matcher>,
    pub calls_per_minute: Levels,
    pub concurrent: Levels,
    pub sequential: Levels,
    pub total: Levels,
    pub interval_secs: u32,
    /// Seconds.
    pub duration: Levels,
    pub new_country: Option<FraudLevel>,
    pub schedule: Schedule,
    pub hangup: bool,
    /// The config as written, for reports.
    pub spec: CallLimit,
}

impl Rule {
    fn new(limit: &CallLimit, dialling: &Dialling) -> Rule {
        let matchers = limit
            .matches
            .iter()
            .map(|m| match m {
                DestinationMatch::All => Matcher::All,
                DestinationMatch::International => Matcher::International,
                DestinationMatch::Domestic => Matcher::Domestic,
                DestinationMatch::Class(c) => Matcher::Class(c.clone()),
                DestinationMatch::Country(c) => Matcher::Region(c.clone()),
                DestinationMatch::Prefix(p) => Matcher::Prefix(
                    dialling
                        .read(p)
                        .map(|n| n.digits)
                        .unwrap_or_else(|| p.chars().filter(char::is_ascii_digit).collect()),
                ),
            })
            .collect();
        let secs = |d: Option<Duration>| d.map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
        Rule {
            // Section names are the admin's text, but they travel into SECAST_REASON, AMI and
            // the log: escaped once here.
            name: crate::util::escape::for_log(&limit.name),
            key: rule_key(&limit.name),
            matchers,
            calls_per_minute: Levels {
                warning: limit.calls_per_minute_warning,
                critical: limit.calls_per_minute_critical,
            },
            concurrent: Levels {
                warning: limit.concurrent_warning,
                critical: limit.concurrent_critical,
            },
            sequential: Levels {
                warning: limit.sequential_warning,
                critical: limit.sequential_critical,
            },
            total: Levels {
                warning: limit.total_warning,
                critical: limit.total_critical,
            },
            interval_secs: u32::try_from(limit.interval.as_secs())
                .unwrap_or(u32::MAX)
                .max(1),
            duration: Levels {
                warning: secs(limit.duration_warning),
                critical: secs(limit.duration_critical),
            },
            new_country: limit.new_country,
            schedule: Schedule::new(&limit.windows),
            hangup: limit.hangup,
            spec: limit.clone(),
        }
    }

    pub fn matches(&self, dest: &Destination) -> bool {
        self.matchers.iter().any(|m| match m {
            Matcher::All => true,
            Matcher::International => dest.international,
            Matcher::Domestic => !dest.international && dest.number.is_some(),
            Matcher::Class(c) => dest.class == *c,
            Matcher::Region(r) => dest.region.is_some_and(|x| x.to_string() == *r),
            Matcher::Prefix(p) => dest
                .number
                .as_ref()
                .is_some_and(|n| n.digits.starts_with(p.as_str())),
        })
    }

    /// How far back call times are kept, in seconds.
    pub fn horizon_secs(&self) -> u32 {
        let mut h = 0;
        if !self.calls_per_minute.is_off() {
            h = 60;
        }
        if !self.total.is_off() || !self.sequential.is_off() {
            h = h.max(self.interval_secs);
        }
        h
    }

    /// How many call times are worth keeping: one more than the highest level counted on them.
    pub fn times_cap(&self) -> usize {
        let mut cap = 0;
        if !self.calls_per_minute.is_off() {
            cap = cap.max(self.calls_per_minute.highest() as usize + 1);
        }
        if !self.total.is_off() {
            cap = cap.max(self.total.highest() as usize + 1);
        }
        cap
    }
}

/// FNV-1a of the lower-cased name.
pub fn rule_key(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Restricting accounts and sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Restrictions {
    pub after: Vec<String>,
    pub account_risk: Option<u32>,
    pub address_risk: Option<u32>,
    pub time: Option<Duration>,
    pub hangup: bool,
}

pub struct CallPolicy {
    pub enabled: bool,
    pub watch: bool,
    pub dialling: Dialling,
    pub zone: TimeZone,
    /// The zone as configured, or "system (NAME)".
    pub zone_name: String,
    pub rules: Vec<Rule>,
    pub restrictions: Restrictions,
    pub max_accounts: usize,
    pub max_live_calls: usize,
    pub forget_after_secs: u32,
}

impl CallPolicy {
    pub fn dialling_of(cfg: &Config) -> Dialling {
        let c = &cfg.calls;
        let exit =
            (!c.international_prefix.is_empty()).then_some(c.international_prefix.as_slice());
        let trunk = match c.national_prefix.as_str() {
            "" => None,
            "none" => Some(None),
            t => Some(Some(t)),
        };
        Dialling::new(Region::country(&c.country), exit, trunk)
    }

    pub fn new(cfg: &Config) -> CallPolicy {
        let c = &cfg.calls;
        let dialling = Self::dialling_of(cfg);
        let (zone, zone_name) = if c.timezone.is_empty() {
            let tz = TimeZone::system();
            let name = tz.iana_name().unwrap_or("UTC").to_owned();
            (tz, format!("system ({name})"))
        } else {
            (
                TimeZone::get(&c.timezone).unwrap_or(TimeZone::UTC),
                c.timezone.clone(),
            )
        };
        CallPolicy {
            enabled: c.enabled,
            watch: c.watch,
            rules: cfg
                .call_limits
                .iter()
                .filter(|l| l.enabled)
                .map(|l| Rule::new(l, &dialling))
                .collect(),
            dialling,
            zone,
            zone_name,
            restrictions: Restrictions {
                after: c.restrict_after.clone(),
                account_risk: c.restrict_account_risk,
                address_risk: c.restrict_address_risk,
                time: c.restrict_time,
                hangup: c.restrict_hangup,
            },
            max_accounts: c.max_accounts,
            max_live_calls: c.max_live_calls,
            forget_after_secs: u32::try_from(c.forget_after.as_secs()).unwrap_or(u32::MAX),
        }
    }

    pub fn rule(&self, key: u32) -> Option<&Rule> {
        self.rules.iter().find(|r| r.key == key)
    }

    /// The rules that count a call to `dest` at `local` minutes, with their window occurrence.
    pub fn matching(&self, dest: &Destination, local: i64) -> Vec<(&Rule, i64)> {
        self.rules
            .iter()
            .filter(|r| r.matches(dest))
            .filter_map(|r| r.schedule.occurrence(local).map(|o| (r, o)))
            .collect()
    }
}
