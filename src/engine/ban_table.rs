//! The bans in force as the engine sees them, by network.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::decision::Ban;
use crate::util::time::Millis;

/// The active bans, by network. Host bans are the common case, so address lookups go through
/// the exact-match map first and only then through the (short) list of wider networks.
#[derive(Debug, Default, Clone)]
pub struct BanTable {
    bans: HashMap<IpNet, Ban>,
    /// Count of non-host networks in `bans`, to skip the scan when there are none.
    wide: usize,
}

fn is_host(net: &IpNet) -> bool {
    net.prefix_len() == net.max_prefix_len()
}

impl BanTable {
    pub fn insert(&mut self, ban: Ban) -> Option<Ban> {
        let net = ban.net;
        let old = self.bans.insert(net, ban);
        if old.is_none() && !is_host(&net) {
            self.wide += 1;
        }
        old
    }

    pub fn remove(&mut self, net: &IpNet) -> Option<Ban> {
        let old = self.bans.remove(net);
        if old.is_some() && !is_host(net) {
            self.wide -= 1;
        }
        old
    }

    pub fn get(&self, net: &IpNet) -> Option<&Ban> {
        self.bans.get(net)
    }

    /// The ban covering `ip`, if any.
    pub fn covering(&self, ip: IpAddr) -> Option<&Ban> {
        if let Some(b) = self.bans.get(&IpNet::from(ip)) {
            return Some(b);
        }
        if self.wide == 0 {
            return None;
        }
        self.bans
            .values()
            .filter(|b| !is_host(&b.net) && b.net.contains(&ip))
            .max_by_key(|b| b.net.prefix_len())
    }

    pub fn len(&self) -> usize {
        self.bans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bans.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Ban> {
        self.bans.values()
    }

    /// Removes and returns the bans that have ended by `now`.
    pub fn take_expired(&mut self, now: Millis) -> Vec<Ban> {
        let ended: Vec<IpNet> = self
            .bans
            .values()
            .filter(|b| !b.is_active(now))
            .map(|b| b.net)
            .collect();
        ended.iter().filter_map(|n| self.remove(n)).collect()
    }
}
