//! Sources that are scored and reported but never banned, so that res_secast cannot lock the
//! admin out of their own PBX.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::config::WhitelistConfig;
use crate::util::net::canonical_ip;

/// Why a source may not be banned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    Loopback,
    HostAddress,
    Configured(IpNet),
    /// An address one of Asterisk's own transports listens on: never bannable, whatever the
    /// configuration says.
    AsteriskTransport,
}

impl std::fmt::Display for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::Loopback => f.write_str("loopback"),
            Protection::HostAddress => f.write_str("an address of this host"),
            Protection::Configured(net) => write!(f, "whitelisted network {net}"),
            Protection::AsteriskTransport => f.write_str("an address Asterisk listens on"),
        }
    }
}

/// Cap on remembered transport addresses: Asterisk has a handful of transports.
const MAX_TRANSPORT_ADDRESSES: usize = 64;

#[derive(Debug, Clone, Default)]
pub struct Whitelist {
    loopback: bool,
    host_addresses: Vec<IpAddr>,
    networks: Vec<IpNet>,
    transports: Vec<IpAddr>,
}

impl Whitelist {
    pub fn new(cfg: &WhitelistConfig, host_addresses: &[IpAddr]) -> Whitelist {
        Whitelist {
            loopback: cfg.loopback,
            host_addresses: if cfg.host_addresses {
                host_addresses.iter().map(|ip| canonical_ip(*ip)).collect()
            } else {
                Vec::new()
            },
            networks: cfg.networks.clone(),
            transports: Vec::new(),
        }
    }

    /// Keeps the transport addresses learnt so far when the configuration is reloaded.
    pub fn reconfigure(&mut self, cfg: &WhitelistConfig, host_addresses: &[IpAddr]) {
        let transports = std::mem::take(&mut self.transports);
        *self = Whitelist::new(cfg, host_addresses);
        self.transports = transports;
    }

    /// Learns an address Asterisk itself uses (the LocalAddress of its events).
    pub fn note_transport(&mut self, ip: IpAddr) {
        let ip = canonical_ip(ip);
        if ip.is_unspecified() || self.transports.contains(&ip) {
            return;
        }
        if self.transports.len() < MAX_TRANSPORT_ADDRESSES {
            self.transports.push(ip);
        }
    }

    pub fn protection(&self, ip: IpAddr) -> Option<Protection> {
        let ip = canonical_ip(ip);
        if self.transports.contains(&ip) {
            return Some(Protection::AsteriskTransport);
        }
        if self.loopback && ip.is_loopback() {
            return Some(Protection::Loopback);
        }
        if self.host_addresses.contains(&ip) {
            return Some(Protection::HostAddress);
        }
        self.networks
            .iter()
            .find(|n| n.contains(&ip))
            .map(|n| Protection::Configured(*n))
    }

    /// Whether banning `net` would cover a protected address (a manual `secast ban` of a wide
    /// network must not take the admin's own addresses with it).
    pub fn protection_within(&self, net: &IpNet) -> Option<Protection> {
        let loopback: [IpNet; 2] = [
            IpNet::V4(Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).expect("valid prefix")),
            IpNet::V6(Ipv6Net::new(Ipv6Addr::LOCALHOST, 128).expect("valid prefix")),
        ];
        if let Some(p) = self
            .transports
            .iter()
            .chain(self.host_addresses.iter())
            .find(|ip| net.contains(*ip))
            .map(|ip| self.protection(*ip).unwrap_or(Protection::HostAddress))
        {
            return Some(p);
        }
        if self.loopback && loopback.iter().any(|l| overlaps(l, net)) {
            return Some(Protection::Loopback);
        }
        self.networks
            .iter()
            .find(|n| overlaps(n, net))
            .map(|n| Protection::Configured(*n))
    }
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}
