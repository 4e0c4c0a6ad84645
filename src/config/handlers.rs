//! `[handler-NAME]`: an event handler, a program run for the decisions it asks for (bans,
//! unbans, alerts, fraud findings, audits, and a periodic list of every ban in force), with an
//! argv and an environment, never through a shell.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;

use super::Config;
use super::entry::ConfigEntry;
use super::handler_argument::HandlerArgument;
use super::issue::ConfigIssue;
use super::keys::{Keep, KeyDef, Set};
use super::values::{ShowValue, parse_count, parse_duration, parse_net, parse_u32};

/// What a handler can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HandlerAction {
    Ban,
    Unban,
    Alert,
    Fraud,
    Audit,
    /// Every ban in force, at load and every `sync_interval`.
    Sync,
}

impl HandlerAction {
    pub const ALL: [HandlerAction; 6] = [
        HandlerAction::Ban,
        HandlerAction::Unban,
        HandlerAction::Alert,
        HandlerAction::Fraud,
        HandlerAction::Audit,
        HandlerAction::Sync,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HandlerAction::Ban => "ban",
            HandlerAction::Unban => "unban",
            HandlerAction::Alert => "alert",
            HandlerAction::Fraud => "fraud",
            HandlerAction::Audit => "audit",
            HandlerAction::Sync => "sync",
        }
    }
}

impl fmt::Display for HandlerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HandlerAction {
    type Err = String;

    fn from_str(v: &str) -> Result<Self, String> {
        HandlerAction::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(v.trim()))
            .ok_or_else(|| "ban, unban, alert, fraud, audit or sync".to_owned())
    }
}

/// The `decisions =` list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandlerActions(pub Vec<HandlerAction>);

impl HandlerActions {
    pub fn contains(&self, a: HandlerAction) -> bool {
        self.0.contains(&a)
    }
}

impl ShowValue for HandlerActions {
    fn show(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|a| a.name()).collect();
        format!("'{}'", names.join(", "))
    }
}

fn parse_actions(v: &str) -> Result<HandlerActions, String> {
    let mut out = Vec::new();
    for word in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let a: HandlerAction = word
            .parse()
            .map_err(|e: String| format!("a comma-separated list of {e}"))?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err("a comma-separated list of ban, unban, alert, fraud, audit, sync".to_owned());
    }
    out.sort();
    Ok(HandlerActions(out))
}

fn parse_program(v: &str) -> Result<String, String> {
    if v.starts_with('/') && !v.contains('\0') && v.len() > 1 {
        Ok(v.to_owned())
    } else {
        Err("the absolute path of a program".to_owned())
    }
}

/// A user or group name (or number) to run as; empty: Asterisk's own.
fn parse_account_name(v: &str) -> Result<String, String> {
    let ok = v.len() <= 32
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !v.starts_with('-');
    if ok {
        Ok(v.to_owned())
    } else {
        Err("a user or group name".to_owned())
    }
}

/// `NAME=VALUE` for the program's environment (not a `SECAST_*` name, which is ours).
fn parse_environment(v: &str) -> Result<(String, String), String> {
    const EXPECTED: &str = "NAME=VALUE with NAME of letters, digits and _ (not SECAST_*)";
    let (name, value) = v.split_once('=').ok_or(EXPECTED)?;
    let name = name.trim();
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.to_ascii_uppercase().starts_with("SECAST_")
        && !value.contains('\0');
    if valid {
        Ok((name.to_owned(), value.trim().to_owned()))
    } else {
        Err(EXPECTED.to_owned())
    }
}

/// A two-letter country code, upper-cased.
fn parse_country(v: &str) -> Result<String, String> {
    let c = v.trim().to_ascii_uppercase();
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err("two-letter country codes such as FR, DE".to_owned())
    }
}

/// A rule name as bans and alerts carry it (`brute_force`, `manual`, a call-guard rule).
fn parse_rule_name(v: &str) -> Result<String, String> {
    let r = v.trim().to_ascii_lowercase();
    if !r.is_empty()
        && r.len() <= 64
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        Ok(r)
    } else {
        Err("rule names such as brute_force, enumeration, manual".to_owned())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HandlerConfig {
    /// From the section name `[handler-NAME]`.
    pub name: String,
    /// What the handler is told (`decisions = ban, unban, sync`); required.
    pub decisions: HandlerActions,
    /// Only decisions of these rules; empty: any.
    pub rules: Vec<String>,
    /// Only decisions about a source whose risk is at least this (0: any).
    pub min_risk: u32,
    /// Only decisions about sources located in these countries; empty: any.
    pub countries: Vec<String>,
    /// Only decisions about addresses within these networks; empty: any.
    pub networks: Vec<IpNet>,
    /// Absolute path; required.
    pub program: String,
    /// One argv element per `argument =` line, in order.
    pub arguments: Vec<HandlerArgument>,
    /// Extra environment for the program besides the `SECAST_*` variables and PATH.
    pub environment: Vec<(String, String)>,
    /// A run still going after this is killed with its process group, and counts as failed.
    pub timeout: Duration,
    /// Runs of this handler at once.
    pub concurrency: usize,
    /// Failed runs (non-zero exit, timeout) retried this many times before giving up.
    pub retries: u32,
    /// Wait before the first retry; doubles each time, at most an hour.
    pub backoff: Duration,
    /// Decisions waiting for this handler at most; more are given up (logged, counted).
    pub max_pending: usize,
    /// Run as this user (and its group), and/or this group; empty: as Asterisk.
    pub user: String,
    pub group: String,
    /// How often a `sync` handler gets the list of bans in force (also once at load).
    pub sync_interval: Duration,
}

impl Default for HandlerConfig {
    fn default() -> Self {
        HandlerConfig {
            name: String::new(),
            decisions: HandlerActions::default(),
            rules: Vec::new(),
            min_risk: 0,
            countries: Vec::new(),
            networks: Vec::new(),
            program: String::new(),
            arguments: Vec::new(),
            environment: Vec::new(),
            timeout: Duration::from_secs(30),
            concurrency: 1,
            retries: 5,
            backoff: Duration::from_secs(10),
            max_pending: 10_000,
            user: String::new(),
            group: String::new(),
            sync_interval: Duration::from_secs(3600),
        }
    }
}

impl HandlerConfig {
    pub fn wants(&self, a: HandlerAction) -> bool {
        self.decisions.contains(a)
    }
}

/// Handlers at most; each may run `concurrency` programs at once.
pub const MAX_HANDLERS: usize = 32;
/// Runs of one handler at once, at most.
pub const MAX_CONCURRENCY: usize = 16;

/// Splits `a, b` lines of a list key and adds each item.
fn add_items<T: PartialEq>(
    list: &mut Vec<T>,
    v: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<(), String> {
    let items: Vec<T> = v
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(parse)
        .collect::<Result<_, _>>()?;
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
    Ok(())
}

/// A handler's name: short, and safe in a file name and a log line.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The handler `name` in `cfg`, added on its first line.
fn handler_mut<'a>(cfg: &'a mut Config, name: &str) -> Result<&'a mut HandlerConfig, String> {
    if !valid_name(name) {
        return Err(
            "a section [handler-NAME] with NAME of 1 to 32 letters, digits, '_', '-', '.'"
                .to_owned(),
        );
    }
    let at = match cfg.handlers.iter().position(|h| h.name == name) {
        Some(i) => i,
        None if cfg.handlers.len() >= MAX_HANDLERS => {
            return Err(format!("at most {MAX_HANDLERS} [handler-NAME] sections"));
        }
        None => {
            cfg.handlers.push(HandlerConfig {
                name: name.to_owned(),
                ..HandlerConfig::default()
            });
            cfg.handlers.len() - 1
        }
    };
    Ok(&mut cfg.handlers[at])
}

/// The handler `name` as it was in `previous` (or as a new one starts).
fn previous_handler(previous: &Config, name: &str) -> HandlerConfig {
    previous
        .handlers
        .iter()
        .find(|h| h.name == name)
        .cloned()
        .unwrap_or_default()
}

/// A handler without a program or without decisions cannot run: it is dropped, or, on a
/// reload, the running definition of the same name is kept. Reported at the section's first
/// line.
pub(super) fn finish(
    c: &mut Config,
    previous: &Config,
    entries: &[ConfigEntry],
    issues: &mut Vec<ConfigIssue>,
) {
    let handlers = std::mem::take(&mut c.handlers);
    for h in handlers {
        let missing = match (h.program.is_empty(), h.decisions.0.is_empty()) {
            (true, _) => "no program =",
            (false, true) => "no decisions =",
            (false, false) => {
                c.handlers.push(h);
                continue;
            }
        };
        let section = format!("handler-{}", h.name);
        let (file, line) = entries.iter().find(|e| e.section == section).map_or_else(
            || ("secast.conf".to_owned(), 0),
            |e| (e.file.clone(), e.line),
        );
        let kept = previous.handlers.iter().find(|p| p.name == h.name);
        issues.push(ConfigIssue::Section {
            section,
            file,
            line,
            problem: match kept {
                Some(_) => format!("{missing}; keeping the handler as it was"),
                None => format!("{missing}; handler not started"),
            },
        });
        if let Some(p) = kept {
            c.handlers.push(p.clone());
        }
    }
}

/// `handler_key!(name, field, parser)`: a single-valued key of every `[handler-NAME]`.
macro_rules! handler_key {
    ($name:literal, $field:ident, $parse:expr) => {
        KeyDef {
            section: "handler-*",
            name: $name,
            set: Set::Named(|c, section, v| {
                let value = $parse(v)?;
                handler_mut(c, section)?.$field = value;
                Ok(())
            }),
            keep: Keep::Named(|c, prev, section| {
                let kept = previous_handler(prev, section).$field;
                let shown = ShowValue::show(&kept);
                if let Ok(h) = handler_mut(c, section) {
                    h.$field = kept;
                }
                shown
            }),
            secret: false,
        }
    };
}

/// `handler_list_key!(name, |handler, value| …)`: a repeatable key of every
/// `[handler-NAME]`; each line adds, a bad line is skipped and the others stay.
macro_rules! handler_list_key {
    ($name:literal, $add:expr) => {
        KeyDef {
            section: "handler-*",
            name: $name,
            set: Set::Named(|c, section, v| {
                let add: fn(&mut HandlerConfig, &str) -> Result<(), String> = $add;
                add(handler_mut(c, section)?, v)
            }),
            keep: Keep::Named(|_, _, _| "the other lines".to_owned()),
            secret: false,
        }
    };
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        handler_key!("decisions", decisions, parse_actions),
        handler_list_key!("rule", |h, v| add_items(&mut h.rules, v, parse_rule_name)),
        handler_key!("min_risk", min_risk, |v| parse_u32(v, 0, 100)),
        handler_list_key!("country", |h, v| add_items(
            &mut h.countries,
            v,
            parse_country
        )),
        handler_list_key!("network", |h, v| add_items(&mut h.networks, v, parse_net)),
        handler_key!("program", program, parse_program),
        handler_list_key!("argument", |h, v| {
            let arg: HandlerArgument = v.parse()?;
            h.arguments.push(arg);
            Ok(())
        }),
        handler_list_key!("environment", |h, v| {
            if !v.trim().is_empty() {
                let pair = parse_environment(v)?;
                h.environment.push(pair);
            }
            Ok(())
        }),
        handler_key!("timeout", timeout, parse_duration),
        handler_key!("concurrency", concurrency, |v| parse_count(
            v,
            1,
            MAX_CONCURRENCY
        )),
        handler_key!("retries", retries, |v| parse_u32(v, 0, 100)),
        handler_key!("backoff", backoff, parse_duration),
        handler_key!("max_pending", max_pending, |v| parse_count(
            v, 10, 1_000_000
        )),
        handler_key!("user", user, parse_account_name),
        handler_key!("group", group, parse_account_name),
        handler_key!("sync_interval", sync_interval, parse_duration),
    ]
}
