//! Outside knowledge the engine consults: the GeoIP database with the geo policy, the threat
//! intelligence blocklists, and the fraud-number lists.
//!
//! [`Lookups`] is an immutable snapshot the engine and the dialplan functions read without
//! waiting; [`LookupSources`] owns the files behind it and builds a new snapshot when a file
//! changes (checked on the engine thread, never on one of Asterisk's) or the configuration is
//! reloaded.

use std::sync::Arc;

use crate::config::Config;
use crate::fraud::NumberLists;
use crate::geo::{GeoDb, GeoPolicy, GeoSource, parse_rule};
use crate::intel::{Blocklist, BlocklistSource};
use crate::log::{Level, LogSink};

/// What the engine consults on a source's first contact.
pub struct Lookups {
    pub geo_db: Option<Arc<GeoDb>>,
    pub geo_policy: Arc<GeoPolicy>,
    pub blocklist: Arc<Blocklist>,
    pub numbers: Arc<NumberLists>,
    /// Changes with every new snapshot, so sources already checked are checked again.
    pub epoch: u8,
}

impl Default for Lookups {
    fn default() -> Self {
        Lookups {
            geo_db: None,
            geo_policy: Arc::new(GeoPolicy::new(
                Vec::new(),
                true,
                crate::geo::GeoAction::Ban,
                GeoPolicy::default_local_networks(),
            )),
            blocklist: Arc::new(Blocklist::default()),
            numbers: Arc::new(NumberLists::default()),
            epoch: 0,
        }
    }
}

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
                    &format!("geo rule '{}' ignored: {e}", crate::escape::for_log(text)),
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
            match GeoSource::open(std::path::Path::new(&cfg.geo.database)) {
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
                &format!("blocklist {}: {n} entries", crate::escape::for_log(&name)),
            );
        }
        let (numbers, issues) = NumberLists::load(&cfg.fraud.lists);
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
