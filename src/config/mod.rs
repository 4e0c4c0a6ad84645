//! `secast.conf`: the typed configuration, its defaults, and how entries read from the file
//! become a new configuration.
//!
//! The host layer reads the file through Asterisk's config API (so `#include` and templates
//! work) and hands over plain [`ConfigEntry`] values; everything here is testable without
//! Asterisk. A bad value never stops the module: it is reported, and the key keeps the value
//! it had before (the default on first load, the running value on reload).
//!
//! One file per section holds its typed struct, its defaults and its keys; [`keys`] says what
//! a key definition is, [`values`] holds the parsers, and [`KEYS`] below is the whole table.

mod audit;
mod call_limits;
mod calls;
mod cluster;
mod entry;
mod escalation;
mod firewall;
mod fraud;
mod general;
mod geo;
pub mod handler_argument;
mod handlers;
mod intel;
mod issue;
pub mod keys;
mod ledger;
mod rules;
mod sensor;
pub mod values;
mod whitelist;

pub use audit::{AuditConfig, AuditIgnore};
pub use call_limits::{CallLimit, DestinationMatch, TimeWindow};
pub use calls::CallsConfig;
pub use cluster::{ClusterConfig, Shares, valid_endpoint_name, valid_node_name};
pub use entry::ConfigEntry;
pub use escalation::Escalation;
pub use firewall::{FirewallBackend, FirewallConfig};
pub use fraud::FraudConfig;
pub use general::General;
pub use geo::GeoConfig;
pub use handler_argument::{DecisionField, HandlerArgument};
pub use handlers::{HandlerAction, HandlerActions, HandlerConfig, MAX_CONCURRENCY, MAX_HANDLERS};
pub use intel::{IntelConfig, ListedAction};
pub use issue::ConfigIssue;
pub use keys::KeyDef;
pub use ledger::LedgerConfig;
pub use rules::{MAX_DISTINCT_THRESHOLD, Rule, Rules, StolenCredentialAction};
pub use sensor::{
    BUILTIN_SCANNER_PATTERNS, MAX_SCANNER_PATTERN, MAX_SCANNER_PATTERNS, ScannerConfig,
    SensorConfig,
};
pub use whitelist::WhitelistConfig;

/// The running configuration. Defaults live in each section's `Default` and nowhere else; the
/// sample `module-config/secast.conf` documents the same keys (a test checks it).
#[derive(Debug, Clone, PartialEq)]
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
    pub audit: AuditConfig,
    pub cluster: ClusterConfig,
    /// `[handler-NAME]` sections, in file order.
    pub handlers: Vec<HandlerConfig>,
    pub calls: CallsConfig,
    /// The `[calls-NAME]` limits: the built-in ones first, then new names in file order.
    pub call_limits: Vec<CallLimit>,
    pub sensor: SensorConfig,
    pub scanner: ScannerConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            general: General::default(),
            whitelist: WhitelistConfig::default(),
            firewall: FirewallConfig::default(),
            ledger: LedgerConfig::default(),
            escalation: Escalation::default(),
            rules: Rules::default(),
            geo: GeoConfig::default(),
            intel: IntelConfig::default(),
            fraud: FraudConfig::default(),
            calls: CallsConfig::default(),
            call_limits: CallLimit::built_in(),
            audit: AuditConfig::default(),
            cluster: ClusterConfig::default(),
            handlers: Vec::new(),
            sensor: SensorConfig::default(),
            scanner: ScannerConfig::default(),
        }
    }
}

/// Every key res_secast understands, section by section.
pub static KEYS: std::sync::LazyLock<Vec<KeyDef>> = std::sync::LazyLock::new(|| {
    [
        general::keys(),
        whitelist::keys(),
        firewall::keys(),
        ledger::keys(),
        escalation::keys(),
        rules::keys(),
        geo::keys(),
        intel::keys(),
        fraud::keys(),
        audit::keys(),
        cluster::keys(),
        handlers::keys(),
        calls::keys(),
        call_limits::keys(),
        sensor::keys(),
    ]
    .into_iter()
    .flatten()
    .collect()
});

/// Whether `section` is one res_secast reads (any case), fixed or named.
fn is_known_section(section: &str) -> bool {
    KEYS.iter().any(|k| k.instance(section).is_some())
}

/// The key and, for a named section, the section's name.
fn find_key<'a>(section: &'a str, key: &str) -> Option<(&'static KeyDef, &'a str)> {
    KEYS.iter().find_map(|k| {
        let instance = k.instance(section)?;
        k.name.eq_ignore_ascii_case(key).then_some((k, instance))
    })
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
            if !is_known_section(section) {
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
            match find_key(section, &e.key) {
                None => issues.push(ConfigIssue::UnknownKey { entry: e.clone() }),
                Some((def, instance)) => {
                    if let Err(expected) = def.apply(&mut cfg, instance, e.value.trim()) {
                        let mut kept = def.keep_previous(&mut cfg, previous, instance);
                        let mut entry = e.clone();
                        if def.secret {
                            // A password (or a URL holding one) is never repeated in the log.
                            entry.value = "(hidden)".to_owned();
                            kept = "the previous value".to_owned();
                        }
                        issues.push(ConfigIssue::BadValue {
                            entry,
                            expected,
                            kept,
                        });
                    }
                }
            }
        }
        // Sections that cannot work as a whole (a handler without a program).
        handlers::finish(&mut cfg, previous, entries, &mut issues);
        (cfg, issues)
    }
}
