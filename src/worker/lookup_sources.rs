//! The files behind a [`Lookups`] snapshot: the geo database and policy, the blocklists and
//! the number lists, opened from the configuration and reopened when a file changes. The
//! worker checks them on its own thread, never on one of Asterisk's.

use std::sync::Arc;

use crate::calls::{BUILTIN_HIGH_RISK, CallPolicy, HIGH_RISK_CLASS};
use crate::config::Config;
use crate::lookups::Lookups;
use crate::lookups::geo::{GeoPolicy, GeoSource, parse_rule};
use crate::lookups::intel::BlocklistSource;
use crate::lookups::numbers::{BuiltinList, NumberCategory, NumberListSpec, NumberLists};
use crate::util::log::{Level, LogSink};

/// The files behind a [`Lookups`] snapshot.
pub struct LookupSources {
    geo: Option<GeoSource>,
    geo_policy: Arc<GeoPolicy>,
    blocklists: BlocklistSource,
    numbers: Arc<NumberLists>,
    epoch: u8,
}

fn build_policy(cfg: &Config, log: &dyn LogSink) -> GeoPolicy {
    let g = &cfg.geo;
    let rules = g
        .rules
        .iter()
        .filter_map(|(allow, text)| match parse_rule(*allow, text, g.action) {
            Ok(r) => Some(r),
            Err(e) => {
                // Validated when the file was read; only a bug gets here.
                log.log(
                    Level::Warning,
                    &format!(
                        "geo rule '{}' ignored: {e}",
                        crate::util::escape::for_log(text)
                    ),
                );
                None
            }
        })
        .collect();
    let local = if g.local_networks.is_empty() {
        GeoPolicy::default_local_networks()
    } else {
        g.local_networks.clone()
    };
    GeoPolicy::new(rules, g.default_allow, g.action, local)
}

/// The `[fraud]` number lists and the high-risk list (`[calls] high_risk_list`), their prefixes
/// read with the PBX's dialling habits (`[calls] country`…), as dialled numbers will be.
fn load_numbers(cfg: &Config) -> (NumberLists, Vec<crate::lookups::list_issue::ListIssue>) {
    let dialling = CallPolicy::dialling_of(cfg);
    let read = |s: &str| dialling.read(s).map(|n| n.digits);
    let high_risk = NumberCategory::Other(HIGH_RISK_CLASS.to_owned());
    let mut specs = cfg.fraud.lists.clone();
    let mut builtin = Vec::new();
    match cfg.calls.high_risk_list.as_str() {
        "none" => {}
        "builtin" => builtin.push(BuiltinList {
            name: "secast-high-risk",
            category: high_risk,
            text: BUILTIN_HIGH_RISK,
        }),
        path => specs.push(NumberListSpec {
            name: std::path::Path::new(path).file_name().map_or_else(
                || "high-risk".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            ),
            path: path.into(),
            category: high_risk,
        }),
    }
    NumberLists::load(&specs, &builtin, &read)
}

impl LookupSources {
    /// Opens every configured file, logging what could not be read; nothing here is fatal.
    pub fn open(cfg: &Config, log: &dyn LogSink) -> LookupSources {
        let geo = if cfg.geo.database.is_empty() {
            log.log(
                Level::Notice,
                "geofencing off: no [geo] database configured (see secast.conf)",
            );
            None
        } else {
            let residency = if cfg.geo.mmap {
                crate::lookups::geo::Residency::Mapped
            } else {
                crate::lookups::geo::Residency::InMemory
            };
            match GeoSource::open_as(std::path::Path::new(&cfg.geo.database), residency) {
                Ok(src) => {
                    log.log(
                        Level::Notice,
                        &format!("geo database: {}", src.current().describe()),
                    );
                    Some(src)
                }
                Err(e) => {
                    log.log(Level::Error, &format!("geofencing off: {e}"));
                    None
                }
            }
        };
        let (blocklists, issues) = BlocklistSource::open(cfg.intel.lists.clone());
        for i in issues {
            log.log(Level::Warning, &format!("blocklist {i}"));
        }
        for (name, n) in blocklists.current().describe() {
            log.log(
                Level::Notice,
                &format!(
                    "blocklist {}: {n} entries",
                    crate::util::escape::for_log(&name)
                ),
            );
        }
        let (numbers, issues) = load_numbers(cfg);
        for i in issues {
            log.log(Level::Warning, &format!("number list {i}"));
        }
        LookupSources {
            geo,
            geo_policy: Arc::new(build_policy(cfg, log)),
            blocklists,
            numbers: Arc::new(numbers),
            epoch: 0,
        }
    }

    pub fn snapshot(&mut self) -> Lookups {
        self.epoch = self.epoch.wrapping_add(1);
        Lookups {
            geo_db: self.geo.as_ref().map(GeoSource::current),
            geo_policy: self.geo_policy.clone(),
            blocklist: self.blocklists.current(),
            numbers: self.numbers.clone(),
            epoch: self.epoch,
        }
    }

    /// Reloads files that changed on disk; true when anything did.
    pub fn refresh(&mut self, log: &dyn LogSink) -> bool {
        let mut changed = false;
        if let Some(geo) = self.geo.as_mut() {
            match geo.refresh_if_changed() {
                Ok(true) => {
                    log.log(
                        Level::Notice,
                        &format!("geo database reloaded: {}", geo.current().describe()),
                    );
                    changed = true;
                }
                Ok(false) => {}
                Err(e) => log.log(
                    Level::Error,
                    &format!("geo database not reloaded, keeping the old one: {e}"),
                ),
            }
        }
        if let Some(issues) = self.blocklists.refresh_if_changed() {
            for i in issues {
                log.log(Level::Warning, &format!("blocklist {i}"));
            }
            let total: usize = self
                .blocklists
                .current()
                .describe()
                .iter()
                .map(|(_, n)| n)
                .sum();
            log.log(
                Level::Notice,
                &format!("blocklists reloaded: {total} entries"),
            );
            changed = true;
        }
        changed
    }
}
