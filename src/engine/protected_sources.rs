//! What the PBX depends on, as read from the system and Asterisk at a given moment: this
//! host's addresses, its resolvers and default gateways, and the addresses its PJSIP trunks
//! and identifies name (host names already resolved). The worker reads them again at load,
//! reload and every `[whitelist] refresh_interval`; the engine turns them into its whitelist.

use std::net::IpAddr;

use ipnet::IpNet;

use super::pjsip_peers::PjsipPeer;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtectedSources {
    pub host_addresses: Vec<IpAddr>,
    /// The addresses Asterisk's PJSIP transports are bound to.
    pub transports: Vec<IpAddr>,
    pub resolvers: Vec<IpAddr>,
    pub gateways: Vec<IpAddr>,
    /// Addresses PJSIP objects name, with the object; names resolved.
    pub pjsip: Vec<(IpNet, PjsipPeer)>,
    /// Host names PJSIP objects name that did not resolve (said in `secast show whitelist`).
    pub unresolved: Vec<(String, PjsipPeer)>,
}

impl ProtectedSources {
    /// Only this host's addresses (what the engine starts with before the first refresh).
    pub fn host_only(host_addresses: Vec<IpAddr>) -> ProtectedSources {
        ProtectedSources {
            host_addresses,
            ..ProtectedSources::default()
        }
    }
}
