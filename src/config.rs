//! `secast.conf`: the typed configuration, its defaults, and how entries read from the file
//! become a new configuration.
//!
//! The host layer reads the file through Asterisk's config API (so `#include` and templates
//! work) and hands over plain [`ConfigEntry`] values; everything here is testable without
//! Asterisk. A bad value never stops the module: it is reported, and the key keeps the value
//! it had before (the default on first load, the running value on reload).

use std::fmt;

/// The running configuration. Defaults live in [`Config::default`] and nowhere else; the
/// sample `module-config/secast.conf` documents the same keys (a test checks it).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Capacity of the queue from Asterisk's threads to the engine. Events that find it full
    /// are dropped and counted, never waited for. Takes effect at module load.
    pub queue_size: usize,
    /// Log every security event at verbose level 3 (escaped), for troubleshooting.
    pub log_events: bool,
    /// How many sources `secast show status` lists.
    pub status_top_sources: usize,
    /// How many distinct source addresses the status counters track; events from further
    /// sources are still counted by type, but not per source.
    pub max_tracked_sources: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            queue_size: 8192,
            log_events: false,
            status_top_sources: 10,
            max_tracked_sources: 100_000,
        }
    }
}

/// One `key = value` line as Asterisk's parser delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub section: String,
    pub key: String,
    pub value: String,
    pub file: String,
    pub line: u32,
}

impl ConfigEntry {
    pub fn new(section: &str, key: &str, value: &str) -> ConfigEntry {
        ConfigEntry {
            section: section.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
            file: "secast.conf".to_owned(),
            line: 0,
        }
    }
}

/// Something in the file that was not applied as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigIssue {
    UnknownSection {
        section: String,
        file: String,
        line: u32,
    },
    UnknownKey {
        entry: ConfigEntry,
    },
    BadValue {
        entry: ConfigEntry,
        expected: String,
        kept: String,
    },
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::escape::for_log;
        match self {
            ConfigIssue::UnknownSection {
                section,
                file,
                line,
            } => write!(
                f,
                "{}:{line}: unknown section [{}], ignored",
                for_log(file),
                for_log(section)
            ),
            ConfigIssue::UnknownKey { entry: e } => write!(
                f,
                "{}:{}: unknown key '{}' in [{}], ignored",
                for_log(&e.file),
                e.line,
                for_log(&e.key),
                for_log(&e.section)
            ),
            ConfigIssue::BadValue {
                entry: e,
                expected,
                kept,
            } => write!(
                f,
                "{}:{}: bad value '{}' for '{}' in [{}]: expected {expected}; keeping {kept}",
                for_log(&e.file),
                e.line,
                for_log(&e.value),
                for_log(&e.key),
                for_log(&e.section)
            ),
        }
    }
}

type Setter = fn(&mut Config, &str) -> Result<(), String>;
type Keeper = fn(&mut Config, &Config) -> String;

/// One documented key: where it lives, how to parse it, and how to keep the previous value.
pub struct KeyDef {
    pub section: &'static str,
    pub name: &'static str,
    set: Setter,
    keep: Keeper,
}

macro_rules! key {
    ($section:literal, $name:ident, $parse:expr) => {
        KeyDef {
            section: $section,
            name: stringify!($name),
            set: |c, v| {
                c.$name = $parse(v)?;
                Ok(())
            },
            keep: |c, prev| {
                c.$name = prev.$name.clone();
                format!("{:?}", prev.$name)
            },
        }
    };
}

/// Every key res_secast understands.
pub const KEYS: &[KeyDef] = &[
    key!("general", queue_size, |v| parse_count(v, 64, 1 << 20)),
    key!("general", log_events, parse_bool),
    key!("general", status_top_sources, |v| parse_count(v, 1, 1000)),
    key!("general", max_tracked_sources, |v| parse_count(
        v, 100, 10_000_000
    )),
];

const SECTIONS: &[&str] = &["general"];

impl Config {
    /// Builds the configuration that `entries` describe. Keys absent from the file take their
    /// default; keys with a bad value keep their value from `previous`.
    pub fn from_entries(entries: &[ConfigEntry], previous: &Config) -> (Config, Vec<ConfigIssue>) {
        let mut cfg = Config::default();
        let mut issues = Vec::new();
        let mut reported_sections: Vec<&str> = Vec::new();
        for e in entries {
            let section = e.section.as_str();
            if !SECTIONS.iter().any(|s| s.eq_ignore_ascii_case(section)) {
                if !reported_sections.contains(&section) {
                    reported_sections.push(section);
                    issues.push(ConfigIssue::UnknownSection {
                        section: e.section.clone(),
                        file: e.file.clone(),
                        line: e.line,
                    });
                }
                continue;
            }
            let def = KEYS.iter().find(|k| {
                k.section.eq_ignore_ascii_case(section) && k.name.eq_ignore_ascii_case(&e.key)
            });
            match def {
                None => issues.push(ConfigIssue::UnknownKey { entry: e.clone() }),
                Some(def) => {
                    if let Err(expected) = (def.set)(&mut cfg, e.value.trim()) {
                        let kept = (def.keep)(&mut cfg, previous);
                        issues.push(ConfigIssue::BadValue {
                            entry: e.clone(),
                            expected,
                            kept,
                        });
                    }
                }
            }
        }
        (cfg, issues)
    }
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "y" | "t" => Ok(true),
        "no" | "false" | "off" | "0" | "n" | "f" => Ok(false),
        _ => Err("yes or no".to_owned()),
    }
}

fn parse_count(v: &str, min: usize, max: usize) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("a whole number from {min} to {max}")),
    }
}
