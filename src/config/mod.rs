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
mod file_state;
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
pub use file_state::{FileState, Reading, outcome as file_outcome};
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

/// [`KEYS`] grouped by the section (or family of sections) they live in, in the order the
/// groups first appear: a section's keys are found by asking each group once, not each key.
static SECTION_GROUPS: std::sync::LazyLock<Vec<Vec<&'static KeyDef>>> =
    std::sync::LazyLock::new(|| {
        let mut groups: Vec<Vec<&'static KeyDef>> = Vec::new();
        for k in KEYS.iter() {
            match groups.iter_mut().find(|g| g[0].section == k.section) {
                Some(group) => group.push(k),
                None => groups.push(vec![k]),
            }
        }
        groups
    });

/// The keys of `section` (as written in the file, any case), each with the section's name for
/// a named family; empty for a section res_secast does not read.
fn keys_of_section<'a>(section: &'a str, out: &mut Vec<(&'static KeyDef, &'a str)>) {
    out.clear();
    for group in SECTION_GROUPS.iter() {
        if let Some(instance) = group[0].instance(section) {
            out.extend(group.iter().map(|k| (*k, instance)));
        }
    }
}

impl Config {
    /// Builds the configuration that `entries` describe. Keys absent from the file take their
    /// default; keys with a bad value keep their value from `previous`.
    pub fn from_entries(entries: &[ConfigEntry], previous: &Config) -> (Config, Vec<ConfigIssue>) {
        let mut cfg = Config::default();
        let mut issues = Vec::new();
        let mut reported_sections: Vec<&str> = Vec::new();
        // Entries come grouped by section, as the file has them: a section's keys are looked
        // up once per run of its entries instead of scanning every key twice per line. The
        // fuzzer's config_text target ran 2.5 times fewer instructions per input with this.
        let mut current: Option<&str> = None;
        let mut section_keys: Vec<(&'static KeyDef, &str)> = Vec::new();
        for e in entries {
            let section = e.section.as_str();
            if current != Some(section) {
                current = Some(section);
                keys_of_section(section, &mut section_keys);
            }
            if section_keys.is_empty() {
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
            let key = section_keys
                .iter()
                .find(|(def, _)| def.name.eq_ignore_ascii_case(&e.key));
            match key {
                None => issues.push(ConfigIssue::UnknownKey { entry: e.clone() }),
                Some(&(def, instance)) => {
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
