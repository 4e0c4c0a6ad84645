//! `[general]`: the queue from Asterisk, memory bounds, risk decay, logging, and the limits
//! that keep a spoofed flood from growing anything without bound (bans, alerts, tracked
//! sources, IPv6 prefixes).

use std::time::Duration;

use super::keys::{KeyDef, key};
use super::values::{parse_bool, parse_count, parse_duration, parse_u8, parse_u32};

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
    /// Most bans in force. At the cap new automatic bans are refused (counted, and said in a
    /// rate-limited warning); manual bans still work.
    pub max_bans: usize,
    /// IPv6 sources are counted (and banned) per network of this prefix length, so that
    /// rotating addresses inside one /64 does not start the counts again. 128: per address.
    pub ipv6_prefix: u8,
    /// Alerts are rate-limited per rule and key (source address, or account): one per key in
    /// this interval; the others are counted and summed up once per interval.
    pub alert_interval: Duration,
    /// A source with a live, authenticated registration (a SuccessfulAuth within
    /// `registered_lifetime`) needs this many times the usual count before a ban, so that one
    /// misconfigured phone behind an office NAT does not cut off the others. 1: no allowance.
    pub registered_factor: u32,
    /// How long a SuccessfulAuth counts as a live registration (REGISTER's usual expiry).
    pub registered_lifetime: Duration,
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
            max_bans: 100_000,
            ipv6_prefix: 64,
            alert_interval: Duration::from_secs(60),
            registered_factor: 4,
            registered_lifetime: Duration::from_secs(3600),
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
        key!("general", "max_bans", general.max_bans, |v| {
            parse_count(v, 1, 10_000_000)
        }),
        key!("general", "ipv6_prefix", general.ipv6_prefix, |v| {
            parse_u8(v, 48, 128)
        }),
        key!(
            "general",
            "alert_interval",
            general.alert_interval,
            parse_duration
        ),
        key!(
            "general",
            "registered_factor",
            general.registered_factor,
            |v| parse_u32(v, 1, 10)
        ),
        key!(
            "general",
            "registered_lifetime",
            general.registered_lifetime,
            parse_duration
        ),
    ]
}
