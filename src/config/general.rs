//! `[general]`: the queue from Asterisk, memory bounds, risk decay, logging.

use std::time::Duration;

use super::keys::{KeyDef, key};
use super::values::{parse_bool, parse_count, parse_duration};

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

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        key!("general", "queue_size", general.queue_size, |v| {
            parse_count(v, 64, 1 << 20)
        }),
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
            |v| parse_count(v, 100, 10_000_000)
        ),
        key!("general", "max_tracked_ips", general.max_tracked_ips, |v| {
            parse_count(v, 100, 50_000_000)
        }),
        key!(
            "general",
            "max_tracked_accounts",
            general.max_tracked_accounts,
            |v| parse_count(v, 100, 10_000_000)
        ),
        key!(
            "general",
            "risk_half_life",
            general.risk_half_life,
            parse_duration
        ),
    ]
}
