//! What the sensor judges with, built from the running configuration and lookups and swapped
//! whole on reload and when lists change (an `Arc` under a lock held only to clone it: the
//! monitor thread never waits for a reload's file reads).

use std::sync::Arc;

use super::scanner_match::ScannerMatch;
use crate::config::Config;
use crate::lookups::Lookups;

pub struct SensorSettings {
    pub enabled: bool,
    /// None: `[scanner]` off or no patterns.
    pub scanner: Option<ScannerMatch>,
    /// Requests allowed per source per second; None: `[request_flood]` off.
    pub flood_threshold: Option<u32>,
    /// Whether first requests are checked (a blocklist or geo database is loaded).
    pub first_contact: bool,
    /// Whether REGISTERs are noted for the device profiles.
    pub profiles: bool,
    pub ipv6_prefix: u8,
    /// Changes with every settings object, so that first-contact checks are done again.
    pub generation: u32,
    pub config: Arc<Config>,
    pub lookups: Arc<Lookups>,
}

impl SensorSettings {
    pub fn new(config: Arc<Config>, lookups: Arc<Lookups>, generation: u32) -> SensorSettings {
        let scanner = config
            .rules
            .scanner
            .enabled
            .then(|| ScannerMatch::new(&config.scanner.all_patterns()))
            .filter(|m| !m.is_empty());
        let flood = &config.rules.request_flood;
        let first_contact = lookups.geo_db.is_some() || !lookups.blocklist.is_empty();
        SensorSettings {
            enabled: config.sensor.enabled,
            scanner,
            flood_threshold: flood.enabled.then_some(flood.threshold),
            first_contact,
            profiles: config.sensor.profile_accounts > 0,
            ipv6_prefix: config.general.ipv6_prefix,
            generation,
            config,
            lookups,
        }
    }
}
