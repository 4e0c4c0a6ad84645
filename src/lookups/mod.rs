//! Outside knowledge the engine consults: the GeoIP database with the geo policy ([`geo`]),
//! the threat-intelligence blocklists ([`intel`]), and the premium-rate and fraud number lists
//! ([`numbers`]), each read from files that something else downloads.
//!
//! [`Lookups`] is an immutable snapshot the engine and the dialplan functions read without
//! waiting. The worker owns the files behind it and builds a new snapshot when a file changes
//! or the configuration is reloaded (`worker::lookup_sources`).

pub mod geo;
pub mod intel;
pub mod list_file;
pub mod list_issue;
pub mod numbers;

use std::sync::Arc;

use geo::{GeoDb, GeoPolicy};
use intel::Blocklist;
use numbers::NumberLists;

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
                geo::GeoAction::Ban,
                GeoPolicy::default_local_networks(),
            )),
            blocklist: Arc::new(Blocklist::default()),
            numbers: Arc::new(NumberLists::default()),
            epoch: 0,
        }
    }
}
