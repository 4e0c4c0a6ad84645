//! `secast.conf`: the typed configuration, its defaults, and how entries read from the file
//! become a new configuration.
//!
//! The host layer reads the file through Asterisk's config API (so `#include` and templates
//! work) and hands over plain [`ConfigEntry`] values; everything here is testable without
//! Asterisk. A bad value never stops the module: it is reported, and the key keeps the value
//! it had before (the default on first load, the running value on reload).

use std::fmt;
use std::time::Duration;

use ipnet::IpNet;

use crate::fraud::{NumberCategory, NumberListSpec};
use crate::geo::GeoAction;
use crate::intel::{ListSpec, parse_format};

/// The running configuration. Defaults live in the `Default` impls below and nowhere else; the
/// sample `module-config/secast.conf` documents the same keys (a test checks it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub general: General,
    pub whitelist: WhitelistConfig,
    pub firewall: FirewallConfig,
    pub ledger: LedgerConfig,
    pub escalation: Escalation,
    pub rules: Rules,
    pub geo: GeoConfig,
    pub intel: IntelConfig,
    pub fraud: FraudConfig,
}

/// Geofencing: evaluated in-process on a source's first contact and on every successful login,
/// never expanded into firewall rules.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoConfig {
    /// A MaxMind (GeoIP2/GeoLite2 Country or City) or ip-location-db `.mmdb`; empty: off.
    pub database: String,
    /// What happens to a source no rule matches.
    pub default_allow: bool,
    /// What a deny rule without its own `action=` does.
    pub action: GeoAction,
    /// `allow` / `deny` lines in file order, validated when read (see `geo::parse_rule`).
    pub rules: Vec<(bool, String)>,
    /// Sources never geo-blocked; empty means loopback, private and link-local ranges.
    pub local_networks: Vec<IpNet>,
}

impl Default for GeoConfig {
    fn default() -> Self {
        GeoConfig {
            database: String::new(),
            default_allow: true,
            action: GeoAction::Ban,
            rules: Vec::new(),
            local_networks: Vec::new(),
        }
    }
}

/// What to do with a source on a blocklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedAction {
    Ban,
    Score,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IntelConfig {
    /// `blocklist = FORMAT:PATH` lines (formats: plain, apiban, voipbl).
    pub lists: Vec<ListSpec>,
    pub listed: ListedAction,
    /// Risk points a listed source gets when `listed = score`.
    pub listed_risk: u32,
    /// Risk points for a source whose /24 (IPv4) or /48 (IPv6) holds several recent offenders.
    pub neighbour_risk: u32,
    /// How often changed list and database files are noticed and reloaded.
    pub check_interval: Duration,
}

impl Default for IntelConfig {
    fn default() -> Self {
        IntelConfig {
            lists: Vec::new(),
            listed: ListedAction::Ban,
            listed_risk: 50,
            neighbour_risk: 30,
            check_interval: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FraudConfig {
    /// `numbers = CATEGORY:PATH` lines (categories: premium, shared_cost, known_fraud, …).
    pub lists: Vec<NumberListSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct General {
    /// Capacity of the queue from Asterisk's threads to the engine. Events that find it full
    /// are dropped and counted, never waited for. Takes effect at module load.
    pub queue_size: usize,
    /// Log every security event at verbose level (escaped), for troubleshooting.
    pub log_events: bool,
    /// How many sources `secast show status` lists.
    pub status_top_sources: usize,
    /// How many distinct source addresses the status counters track.
    pub max_tracked_sources: usize,
    /// How many source addresses the engine keeps risk state for; the idlest are evicted.
    pub max_tracked_ips: usize,
    /// How many accounts the engine keeps risk state for.
    pub max_tracked_accounts: usize,
    /// Half-life of a risk score: an IP at 80 that stays quiet for this long is at 40.
    pub risk_half_life: Duration,
}

impl Default for General {
    fn default() -> Self {
        General {
            queue_size: 8192,
            log_events: false,
            status_top_sources: 10,
            max_tracked_sources: 100_000,
            max_tracked_ips: 1_000_000,
            max_tracked_accounts: 100_000,
            risk_half_life: Duration::from_secs(600),
        }
    }
}

/// Sources that are scored and reported but never banned.
#[derive(Debug, Clone, PartialEq)]
pub struct WhitelistConfig {
    /// 127.0.0.0/8 and ::1.
    pub loopback: bool,
    /// Every address configured on this host's interfaces.
    pub host_addresses: bool,
    pub networks: Vec<IpNet>,
}

impl Default for WhitelistConfig {
    fn default() -> Self {
        WhitelistConfig {
            loopback: true,
            host_addresses: true,
            networks: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FirewallConfig {
    /// `nftables` (netlink), `libnftables` or `none` (bans are decided and recorded, not
    /// enforced).
    pub backend: String,
    /// Name of our nftables table (family inet).
    pub table: String,
    /// How often a failing firewall is retried and our table checked for tampering.
    pub check_interval: Duration,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        FirewallConfig {
            backend: "nftables".to_owned(),
            table: "secast".to_owned(),
            check_interval: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LedgerConfig {
    /// Where bans and offence history are kept; empty means `<astvarlibdir>/secast`.
    pub directory: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Longest temporary ban; each repeat offence doubles the ban up to this.
    pub max_ban: Duration,
    /// The N-th ban of the same source is permanent; 0 means never.
    pub permanent_after: u32,
    /// A repeat offender's thresholds are multiplied by this percentage per earlier ban
    /// (never below 1): 50 means 5 → 3 → 2 → 1.
    pub repeat_offender_percent: u32,
    /// How long offences are remembered.
    pub history: Duration,
}

impl Default for Escalation {
    fn default() -> Self {
        Escalation {
            max_ban: Duration::from_secs(7 * 86_400),
            permanent_after: 5,
            repeat_offender_percent: 50,
            history: Duration::from_secs(30 * 86_400),
        }
    }
}

/// One detection rule: `threshold` counted things within `window` lead to a ban of `ban`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub enabled: bool,
    pub threshold: u32,
    pub window: Duration,
    pub ban: Duration,
}

impl Rule {
    const fn new(threshold: u32, window_secs: u64, ban_secs: u64) -> Rule {
        Rule {
            enabled: true,
            threshold,
            window: Duration::from_secs(window_secs),
            ban: Duration::from_secs(ban_secs),
        }
    }
}

/// What a stolen-credential signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StolenCredentialAction {
    Alert,
    Ban,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Authentication failures per source (ChallengeResponseFailed, InvalidPassword,
    /// InvalidAccountID, FailedACL) on SIP and other non-AMI services.
    pub brute_force: Rule,
    /// Distinct AccountIDs tried from one source.
    pub enumeration: Rule,
    /// ChallengeSent to one source with no SuccessfulAuth following.
    pub challenge_flood: Rule,
    /// Failures spread over a long window.
    pub slow_attack: Rule,
    /// Failed AMI logins per source.
    pub ami: Rule,
    /// Distinct sources failing against one account (an alert and account risk, no ban).
    pub distributed: Rule,
    /// SuccessfulAuth from a source that failed against other accounts within the window.
    pub stolen_credentials: Rule,
    pub stolen_credentials_action: StolenCredentialAction,
    /// A source located where the geo policy denies it (`ban` length only).
    pub geo: Rule,
    /// A source on a blocklist (`ban` length only).
    pub intel: Rule,
    /// Offenders in the same /24 or /48 (threshold and window; adds risk, never bans alone).
    pub neighbour: Rule,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            brute_force: Rule::new(5, 600, 3600),
            enumeration: Rule::new(5, 60, 3600),
            challenge_flood: Rule::new(30, 10, 600),
            slow_attack: Rule::new(20, 86_400, 86_400),
            ami: Rule::new(5, 600, 3600),
            distributed: Rule::new(5, 600, 3600),
            stolen_credentials: Rule::new(1, 600, 3600),
            stolen_credentials_action: StolenCredentialAction::Alert,
            geo: Rule::new(1, 86_400, 86_400),
            intel: Rule::new(1, 86_400, 86_400),
            neighbour: Rule::new(3, 86_400, 86_400),
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
    ($section:literal, $name:literal, $($field:ident).+, $parse:expr) => {
        KeyDef {
            section: $section,
            name: $name,
            set: |c, v| {
                c.$($field).+ = $parse(v)?;
                Ok(())
            },
            keep: |c, prev| {
                c.$($field).+ = prev.$($field).+.clone();
                show(&prev.$($field).+)
            },
        }
    };
}

macro_rules! rule_keys {
    ($section:literal, $rule:ident) => {
        [
            key!($section, "enabled", rules.$rule.enabled, parse_bool),
            key!($section, "threshold", rules.$rule.threshold, |v| parse_u32(
                v, 1, 100_000
            )),
            key!($section, "window", rules.$rule.window, parse_duration),
            key!($section, "ban", rules.$rule.ban, parse_duration),
        ]
    };
}

/// A repeatable key: each line adds one item; a bad line is skipped, the others stay.
fn list_key(section: &'static str, name: &'static str, set: Setter) -> KeyDef {
    KeyDef {
        section,
        name,
        set,
        keep: |_, _| "the other lines".to_owned(),
    }
}

/// Every key res_secast understands, section by section.
pub static KEYS: std::sync::LazyLock<Vec<KeyDef>> = std::sync::LazyLock::new(|| {
    let mut keys = vec![
        key!(
            "general",
            "queue_size",
            general.queue_size,
            |v| parse_count(v, 64, 1 << 20)
        ),
        key!("general", "log_events", general.log_events, parse_bool),
        key!(
            "general",
            "status_top_sources",
            general.status_top_sources,
            |v| parse_count(v, 1, 1000)
        ),
        key!(
            "general",
            "max_tracked_sources",
            general.max_tracked_sources,
            |v| { parse_count(v, 100, 10_000_000) }
        ),
        key!("general", "max_tracked_ips", general.max_tracked_ips, |v| {
            parse_count(v, 100, 50_000_000)
        }),
        key!(
            "general",
            "max_tracked_accounts",
            general.max_tracked_accounts,
            |v| { parse_count(v, 100, 10_000_000) }
        ),
        key!(
            "general",
            "risk_half_life",
            general.risk_half_life,
            parse_duration
        ),
        key!("whitelist", "loopback", whitelist.loopback, parse_bool),
        key!(
            "whitelist",
            "host_addresses",
            whitelist.host_addresses,
            parse_bool
        ),
        list_key("whitelist", "network", |c, v| {
            let net = parse_net(v)?;
            c.whitelist.networks.push(net);
            Ok(())
        }),
        key!("firewall", "backend", firewall.backend, parse_backend),
        key!("firewall", "table", firewall.table, parse_table_name),
        key!(
            "firewall",
            "check_interval",
            firewall.check_interval,
            parse_duration
        ),
        key!("ledger", "directory", ledger.directory, parse_path),
        key!("escalation", "max_ban", escalation.max_ban, parse_duration),
        key!(
            "escalation",
            "permanent_after",
            escalation.permanent_after,
            |v| parse_u32(v, 0, 1000)
        ),
        key!(
            "escalation",
            "repeat_offender_percent",
            escalation.repeat_offender_percent,
            |v| { parse_u32(v, 1, 100) }
        ),
        key!("escalation", "history", escalation.history, parse_duration),
        key!(
            "stolen_credentials",
            "action",
            rules.stolen_credentials_action,
            parse_stolen_action
        ),
        key!("geo", "database", geo.database, parse_path),
        key!("geo", "default", geo.default_allow, parse_allow_deny),
        key!("geo", "action", geo.action, GeoAction::parse),
        key!("geo", "ban", rules.geo.ban, parse_duration),
        list_key("geo", "allow", |c, v| {
            crate::geo::parse_rule(true, v, c.geo.action)?;
            c.geo.rules.push((true, v.to_owned()));
            Ok(())
        }),
        list_key("geo", "deny", |c, v| {
            crate::geo::parse_rule(false, v, c.geo.action)?;
            c.geo.rules.push((false, v.to_owned()));
            Ok(())
        }),
        list_key("geo", "local_network", |c, v| {
            let net = parse_net(v)?;
            c.geo.local_networks.push(net);
            Ok(())
        }),
        list_key("intel", "blocklist", |c, v| {
            let spec = parse_blocklist(v)?;
            c.intel.lists.push(spec);
            Ok(())
        }),
        key!("intel", "listed", intel.listed, parse_listed),
        key!("intel", "listed_risk", intel.listed_risk, |v| parse_u32(
            v, 0, 100
        )),
        key!("intel", "ban", rules.intel.ban, parse_duration),
        key!(
            "intel",
            "neighbour_threshold",
            rules.neighbour.threshold,
            |v| parse_u32(v, 1, 1000)
        ),
        key!(
            "intel",
            "neighbour_window",
            rules.neighbour.window,
            parse_duration
        ),
        key!("intel", "neighbour_risk", intel.neighbour_risk, |v| {
            parse_u32(v, 0, 100)
        }),
        key!(
            "intel",
            "check_interval",
            intel.check_interval,
            parse_duration
        ),
        list_key("fraud", "numbers", |c, v| {
            let spec = parse_number_list(v)?;
            c.fraud.lists.push(spec);
            Ok(())
        }),
    ];
    keys.extend(rule_keys!("brute_force", brute_force));
    keys.extend(rule_keys!("enumeration", enumeration));
    keys.extend(rule_keys!("challenge_flood", challenge_flood));
    keys.extend(rule_keys!("slow_attack", slow_attack));
    keys.extend(rule_keys!("ami", ami));
    keys.extend(rule_keys!("distributed", distributed));
    keys.extend(rule_keys!("stolen_credentials", stolen_credentials));
    keys
});

const SECTIONS: &[&str] = &[
    "general",
    "whitelist",
    "firewall",
    "ledger",
    "escalation",
    "brute_force",
    "enumeration",
    "challenge_flood",
    "slow_attack",
    "ami",
    "distributed",
    "stolen_credentials",
    "geo",
    "intel",
    "fraud",
];

/// How a kept value is named in a warning.
trait Show {
    fn show(&self) -> String;
}

fn show(v: &impl Show) -> String {
    v.show()
}

impl Show for usize {
    fn show(&self) -> String {
        self.to_string()
    }
}
impl Show for u32 {
    fn show(&self) -> String {
        self.to_string()
    }
}
impl Show for bool {
    fn show(&self) -> String {
        (if *self { "yes" } else { "no" }).to_owned()
    }
}
impl Show for Duration {
    fn show(&self) -> String {
        crate::duration::format(*self)
    }
}
impl Show for String {
    fn show(&self) -> String {
        format!("'{}'", crate::escape::for_log(self))
    }
}
impl Show for GeoAction {
    fn show(&self) -> String {
        match self {
            GeoAction::Ban => "ban".to_owned(),
            GeoAction::Alert => "alert".to_owned(),
            GeoAction::Risk(n) => format!("risk:{n}"),
        }
    }
}
impl Show for ListedAction {
    fn show(&self) -> String {
        (match self {
            ListedAction::Ban => "ban",
            ListedAction::Score => "score",
        })
        .to_owned()
    }
}
impl Show for StolenCredentialAction {
    fn show(&self) -> String {
        (match self {
            StolenCredentialAction::Alert => "alert",
            StolenCredentialAction::Ban => "ban",
        })
        .to_owned()
    }
}

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

fn parse_u32(v: &str, min: u32, max: u32) -> Result<u32, String> {
    match v.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("a whole number from {min} to {max}")),
    }
}

fn parse_duration(v: &str) -> Result<Duration, String> {
    match crate::duration::parse(v) {
        Some(d) if d >= Duration::from_secs(1) => Ok(d),
        _ => Err("a duration such as 30s, 10m, 1h, 1d or 1w".to_owned()),
    }
}

fn parse_net(v: &str) -> Result<IpNet, String> {
    crate::netparse::parse_net(v)
        .ok_or_else(|| "an address or network such as 192.0.2.0/24".to_owned())
}

fn parse_backend(v: &str) -> Result<String, String> {
    match v.to_ascii_lowercase().as_str() {
        b @ ("nftables" | "libnftables" | "none") => Ok(b.to_owned()),
        _ => Err(
            "nftables, libnftables or none (ipset is not built: nftables sets do what it would)"
                .to_owned(),
        ),
    }
}

fn parse_table_name(v: &str) -> Result<String, String> {
    let ok =
        !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(v.to_owned())
    } else {
        Err("a name of letters, digits and _, at most 32".to_owned())
    }
}

fn parse_path(v: &str) -> Result<String, String> {
    if v.is_empty() || v.starts_with('/') {
        Ok(v.to_owned())
    } else {
        Err("an absolute directory path".to_owned())
    }
}

fn parse_stolen_action(v: &str) -> Result<StolenCredentialAction, String> {
    match v.to_ascii_lowercase().as_str() {
        "alert" => Ok(StolenCredentialAction::Alert),
        "ban" => Ok(StolenCredentialAction::Ban),
        _ => Err("alert or ban".to_owned()),
    }
}

fn parse_allow_deny(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "allow" => Ok(true),
        "deny" => Ok(false),
        _ => Err("allow or deny".to_owned()),
    }
}

fn parse_listed(v: &str) -> Result<ListedAction, String> {
    match v.to_ascii_lowercase().as_str() {
        "ban" => Ok(ListedAction::Ban),
        "score" => Ok(ListedAction::Score),
        _ => Err("ban or score".to_owned()),
    }
}

/// `FORMAT:PATH`, e.g. `apiban:/var/lib/asterisk/secast/apiban.json`; the list is named after
/// its file.
fn parse_blocklist(v: &str) -> Result<ListSpec, String> {
    const EXPECTED: &str = "FORMAT:/absolute/path with FORMAT plain, apiban or voipbl";
    let (format, path) = v.split_once(':').ok_or(EXPECTED)?;
    let format = parse_format(format).ok_or(EXPECTED)?;
    let path = path.trim();
    if !path.starts_with('/') {
        return Err(EXPECTED.to_owned());
    }
    let path = std::path::PathBuf::from(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "list".to_owned());
    Ok(ListSpec { name, path, format })
}

/// `CATEGORY:PATH`, e.g. `premium:/etc/asterisk/secast-premium.txt`.
fn parse_number_list(v: &str) -> Result<NumberListSpec, String> {
    const EXPECTED: &str = "CATEGORY:/absolute/path, e.g. premium:/etc/asterisk/premium.txt";
    let (category, path) = v.split_once(':').ok_or(EXPECTED)?;
    let path = path.trim();
    if !path.starts_with('/') || category.trim().is_empty() {
        return Err(EXPECTED.to_owned());
    }
    let path = std::path::PathBuf::from(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "numbers".to_owned());
    Ok(NumberListSpec {
        name,
        path,
        category: NumberCategory::parse(category.trim()),
    })
}
