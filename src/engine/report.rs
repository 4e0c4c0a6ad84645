//! What the engine answers about a source or the accounts (`secast show ip`, `secast show
//! accounts`).

use std::net::IpAddr;

use super::whitelist::Protection;
use crate::decision::Ban;
use crate::intake::EventKind;
use crate::util::time::Millis;

/// One line of the recent-events ring.
#[derive(Debug, Clone)]
pub struct RecentEvent {
    pub at: Millis,
    pub ip: IpAddr,
    pub kind: EventKind,
    pub service: String,
    /// Escaped and capped.
    pub account: String,
}

/// What `secast show ip` shows.
#[derive(Debug, Clone)]
pub struct IpReport {
    pub ip: IpAddr,
    /// The IPv6 prefix the address is counted (and banned) with, when it is not alone.
    pub counted_as: Option<ipnet::IpNet>,
    pub risk: u8,
    pub explanation: Vec<String>,
    pub events: u32,
    pub last_seen: Option<Millis>,
    pub ban: Option<Ban>,
    pub offences: Vec<Millis>,
    pub protection: Option<Protection>,
    pub recent: Vec<RecentEvent>,
    /// Where the geo database places it and what the policy says, when geofencing is on.
    pub geo: Option<String>,
    /// The blocklist entry it matches.
    pub listed: Option<String>,
}

/// One account under attack, for `secast show accounts`.
#[derive(Debug, Clone)]
pub struct AccountReport {
    pub account: String,
    pub risk: u8,
    pub failures: u32,
    pub sources_in_window: usize,
    pub last_seen: Millis,
    pub explanation: Vec<String>,
}
