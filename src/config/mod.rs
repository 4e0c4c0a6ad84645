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

mod call_limits;
mod calls;
mod entry;
mod escalation;
mod firewall;
mod fraud;
mod general;
mod geo;
mod intel;
mod issue;
pub mod keys;
mod ledger;
mod rules;
pub mod values;
mod whitelist;

pub use call_limits::{CallLimit, DestinationMatch, TimeWindow};
pub use calls::CallsConfig;
pub use entry::ConfigEntry;
pub use escalation::Escalation;
pub use firewall::{FirewallBackend, FirewallConfig};
pub use fraud::FraudConfig;
pub use general::General;
pub use geo::GeoConfig;
pub use intel::{IntelConfig, ListedAction};
pub use issue::ConfigIssue;
pub use keys::KeyDef;
pub use ledger::LedgerConfig;
pub use rules::{Rule, Rules, StolenCredentialAction};
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
    pub calls: CallsConfig,
    /// The `[calls-NAME]` limits: the built-in ones first, then new names in file order.
    pub call_limits: Vec<CallLimit>,
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
        calls::keys(),
        call_limits::keys(),
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
                        let kept = def.keep_previous(&mut cfg, previous, instance);
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
