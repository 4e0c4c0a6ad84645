//! What changed inside the engine that readers outside the worker thread see: the worker
//! drains these after every event, command and tick into the published view
//! (`worker::published`), which dialplan functions, the CLI and the PJSIP sensor read without
//! ever taking the engine's lock.
//!
//! Recorded only while publishing is on (the worker turns it on); an engine driven by tests
//! or benches records nothing, so nothing grows unread.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::pjsip_peers::PjsipPeer;
use super::whitelist::WhitelistEntry;
use crate::decision::Ban;
use crate::util::time::{Millis, Secs};

/// A source's risk as a reader computes it at any later time: `peak` points at second `at`,
/// decaying with the half-life from there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskPoint {
    pub peak: f32,
    pub at: Secs,
}

/// An account under attack, as `secast show accounts` lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountPoint {
    pub risk: RiskPoint,
    pub failures: u32,
    /// Distinct failing sources in the `distributed` window when it last changed.
    pub sources: u32,
    pub last_seen: Millis,
}

/// What is protected, as `secast show whitelist` shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhitelistView {
    pub entries: Vec<WhitelistEntry>,
    pub unresolved: Vec<(String, PjsipPeer)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A source key's risk changed (keys: see `source_key`).
    SourceRisk {
        key: IpAddr,
        risk: RiskPoint,
    },
    /// A source key has no risk left or was forgotten.
    SourceGone(IpAddr),
    /// How many more SIP authentication failures the source key may have before
    /// `brute_force` bans it, valid until second `until` (its window); None: no failures
    /// counted. The PJSIP sensor holds back answered challenges beyond it while their
    /// outcomes are still in flight.
    FailureRoom {
        key: IpAddr,
        room: Option<u32>,
        until: Secs,
    },
    AccountRisk {
        account: Arc<str>,
        point: AccountPoint,
    },
    AccountGone(Arc<str>),
    Banned(Ban),
    Unbanned(IpNet),
    Whitelist(WhitelistView),
}
