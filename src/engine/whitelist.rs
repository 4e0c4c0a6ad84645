//! Sources that are scored and reported but never banned: the admin's own (loopback, this
//! host, configured networks, Asterisk's listening addresses) so that res_secast cannot lock
//! the admin out, and the addresses the PBX depends on (its resolvers, gateways, trunk hosts,
//! identify matches) so that a forged packet cannot turn res_secast against its own PBX.
//!
//! Every comparison is made on canonical networks (an IPv4-mapped network is IPv4), so
//! `::ffff:127.0.0.1/128` is seen for what it is: loopback.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::pjsip_peers::PjsipPeer;
use super::protected_sources::ProtectedSources;
use crate::config::WhitelistConfig;
use crate::util::net::{canonical_ip, canonical_net, overlaps};

/// Why a source may not be banned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    Loopback,
    HostAddress,
    Configured(IpNet),
    /// An address one of Asterisk's own transports listens on: never bannable, whatever the
    /// configuration says.
    AsteriskTransport,
    /// A name server of this host.
    Resolver,
    /// A default gateway of this host.
    Gateway,
    /// A trunk host or identify match of the PJSIP configuration.
    Pjsip(PjsipPeer),
}

impl std::fmt::Display for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::Loopback => f.write_str("loopback"),
            Protection::HostAddress => f.write_str("an address of this host"),
            Protection::Configured(net) => write!(f, "whitelisted network {net}"),
            Protection::AsteriskTransport => f.write_str("an address Asterisk listens on"),
            Protection::Resolver => f.write_str("a resolver of this host (/etc/resolv.conf)"),
            Protection::Gateway => f.write_str("a default gateway of this host"),
            Protection::Pjsip(peer) => write!(f, "a {peer}"),
        }
    }
}

impl Protection {
    /// The short reason `secast show whitelist` gives.
    pub fn reason(&self) -> String {
        match self {
            Protection::Loopback => "loopback".to_owned(),
            Protection::HostAddress => "host address".to_owned(),
            Protection::Configured(_) => "configured network".to_owned(),
            Protection::AsteriskTransport => "Asterisk transport".to_owned(),
            Protection::Resolver => "resolver".to_owned(),
            Protection::Gateway => "gateway".to_owned(),
            Protection::Pjsip(peer) => peer.to_string(),
        }
    }
}

/// One line of `secast show whitelist`: what is protected, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhitelistEntry {
    pub net: IpNet,
    pub why: Protection,
}

/// Cap on remembered transport addresses: Asterisk has a handful of transports.
const MAX_TRANSPORT_ADDRESSES: usize = 64;

fn loopback_nets() -> [IpNet; 2] {
    [
        IpNet::V4(Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).expect("valid prefix")),
        IpNet::V6(Ipv6Net::new(Ipv6Addr::LOCALHOST, 128).expect("valid prefix")),
    ]
}

#[derive(Debug, Clone, Default)]
pub struct Whitelist {
    loopback: bool,
    /// Addresses and networks with their reason, most specific kinds first: host addresses,
    /// resolvers, gateways, PJSIP peers, configured networks.
    entries: Vec<WhitelistEntry>,
    transports: Vec<IpAddr>,
    /// PJSIP host names that did not resolve at the last refresh (shown, protect nothing).
    unresolved: Vec<(String, PjsipPeer)>,
}

impl Whitelist {
    pub fn new(cfg: &WhitelistConfig, sources: &ProtectedSources) -> Whitelist {
        let mut entries: Vec<WhitelistEntry> = Vec::new();
        let mut add = |net: IpNet, why: Protection| {
            let net = canonical_net(net);
            if !entries.iter().any(|e| e.net == net && e.why == why) {
                entries.push(WhitelistEntry { net, why });
            }
        };
        let hosts = |ips: &[IpAddr]| -> Vec<IpNet> {
            ips.iter()
                .map(|ip| IpNet::from(canonical_ip(*ip)))
                .collect()
        };
        if cfg.host_addresses {
            for n in hosts(&sources.host_addresses) {
                add(n, Protection::HostAddress);
            }
        }
        if cfg.resolvers {
            for n in hosts(&sources.resolvers) {
                add(n, Protection::Resolver);
            }
        }
        if cfg.gateways {
            for n in hosts(&sources.gateways) {
                add(n, Protection::Gateway);
            }
        }
        if cfg.pjsip {
            for (n, peer) in &sources.pjsip {
                add(*n, Protection::Pjsip(peer.clone()));
            }
        }
        for n in &cfg.networks {
            add(*n, Protection::Configured(canonical_net(*n)));
        }
        Whitelist {
            loopback: cfg.loopback,
            entries,
            transports: sources
                .transports
                .iter()
                .map(|ip| canonical_ip(*ip))
                .filter(|ip| !ip.is_unspecified())
                .take(MAX_TRANSPORT_ADDRESSES)
                .collect(),
            unresolved: if cfg.pjsip {
                sources.unresolved.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// A new configuration or new sources; the transport addresses learnt from events so far
    /// stay.
    pub fn rebuild(&mut self, cfg: &WhitelistConfig, sources: &ProtectedSources) {
        let learnt = std::mem::take(&mut self.transports);
        *self = Whitelist::new(cfg, sources);
        for ip in learnt {
            self.note_transport(ip);
        }
    }

    /// Learns an address Asterisk itself uses (the LocalAddress of its events); true when it
    /// is new.
    pub fn note_transport(&mut self, ip: IpAddr) -> bool {
        let ip = canonical_ip(ip);
        if ip.is_unspecified() || self.transports.contains(&ip) {
            return false;
        }
        if self.transports.len() < MAX_TRANSPORT_ADDRESSES {
            self.transports.push(ip);
            return true;
        }
        false
    }

    pub fn protection(&self, ip: IpAddr) -> Option<Protection> {
        let ip = canonical_ip(ip);
        if self.transports.contains(&ip) {
            return Some(Protection::AsteriskTransport);
        }
        if self.loopback && ip.is_loopback() {
            return Some(Protection::Loopback);
        }
        self.entries
            .iter()
            .find(|e| e.net.contains(&ip))
            .map(|e| e.why.clone())
    }

    /// Whether banning `net` would cover a protected address (a manual `secast ban` of a wide
    /// network must not take the admin's own addresses, or a trunk, with it). `net` is taken
    /// canonically: `::ffff:127.0.0.1/128` covers loopback.
    pub fn protection_within(&self, net: &IpNet) -> Option<Protection> {
        let net = canonical_net(*net);
        if self.transports.iter().any(|ip| net.contains(ip)) {
            return Some(Protection::AsteriskTransport);
        }
        if self.loopback && loopback_nets().iter().any(|l| overlaps(l, &net)) {
            return Some(Protection::Loopback);
        }
        self.entries
            .iter()
            .find(|e| overlaps(&e.net, &net))
            .map(|e| e.why.clone())
    }

    /// Everything protected, with its reason, for `secast show whitelist`.
    pub fn entries(&self) -> Vec<WhitelistEntry> {
        let mut out = Vec::new();
        if self.loopback {
            out.extend(loopback_nets().into_iter().map(|net| WhitelistEntry {
                net,
                why: Protection::Loopback,
            }));
        }
        out.extend(self.transports.iter().map(|ip| WhitelistEntry {
            net: IpNet::from(*ip),
            why: Protection::AsteriskTransport,
        }));
        out.extend(self.entries.iter().cloned());
        out
    }

    /// PJSIP host names that did not resolve at the last refresh.
    pub fn unresolved(&self) -> &[(String, PjsipPeer)] {
        &self.unresolved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pjsip_peers::PeerRole;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn whitelist() -> Whitelist {
        let sources = ProtectedSources {
            host_addresses: vec!["192.0.2.5".parse().unwrap()],
            transports: Vec::new(),
            resolvers: vec!["192.0.2.53".parse().unwrap()],
            gateways: vec!["192.0.2.1".parse().unwrap()],
            pjsip: vec![(
                net("198.51.100.0/24"),
                PjsipPeer {
                    role: PeerRole::Identify,
                    object: "carrier".into(),
                },
            )],
            unresolved: Vec::new(),
        };
        Whitelist::new(&WhitelistConfig::default(), &sources)
    }

    #[test]
    fn ipv4_mapped_spellings_of_protected_addresses_are_protected() {
        let w = whitelist();
        for (typed, why) in [
            ("::ffff:127.0.0.1/128", Protection::Loopback),
            ("::ffff:10.0.0.0/8", Protection::Loopback),
            ("::ffff:192.0.2.5/128", Protection::HostAddress),
            ("::ffff:192.0.2.0/120", Protection::HostAddress),
        ] {
            // As parse_net gives it, and as a raw IpNet another path might carry.
            let raw = net(typed);
            assert_eq!(w.protection_within(&raw), Some(why.clone()), "{typed}");
            let parsed = crate::util::net::parse_net(typed).unwrap();
            assert_eq!(w.protection_within(&parsed), Some(why), "{typed}");
        }
        assert_eq!(
            w.protection("::ffff:192.0.2.53".parse().unwrap()),
            Some(Protection::Resolver)
        );
    }

    #[test]
    fn what_the_pbx_depends_on_is_protected_with_its_reason() {
        let w = whitelist();
        let p = |s: &str| w.protection(s.parse().unwrap()).map(|p| p.reason());
        assert_eq!(p("192.0.2.53").as_deref(), Some("resolver"));
        assert_eq!(p("192.0.2.1").as_deref(), Some("gateway"));
        assert_eq!(
            p("198.51.100.77").as_deref(),
            Some("identify match (PJSIP identify 'carrier')")
        );
        assert_eq!(p("203.0.113.9"), None);
        assert!(
            w.protection_within(&net("198.51.0.0/16"))
                .is_some_and(|p| matches!(p, Protection::Pjsip(_)))
        );
    }

    #[test]
    fn each_kind_can_be_switched_off() {
        let cfg = WhitelistConfig {
            resolvers: false,
            gateways: false,
            pjsip: false,
            ..WhitelistConfig::default()
        };
        let w = whitelist();
        let sources = ProtectedSources {
            resolvers: vec!["192.0.2.53".parse().unwrap()],
            ..ProtectedSources::default()
        };
        assert!(w.protection("192.0.2.53".parse().unwrap()).is_some());
        let off = Whitelist::new(&cfg, &sources);
        assert!(off.protection("192.0.2.53".parse().unwrap()).is_none());
    }
}
