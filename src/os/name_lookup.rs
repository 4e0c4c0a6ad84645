//! Host names to addresses, through the system resolver (getaddrinfo: /etc/hosts, DNS), for
//! the trunk hosts a PJSIP registration or AOR names. Blocking, sometimes for seconds: called
//! only on res_secast's own refresh thread, never on one of Asterisk's or the engine's.

use std::net::{IpAddr, ToSocketAddrs};

use crate::util::net::canonical_ip;

/// Every address `host` resolves to now (empty when it does not resolve).
pub fn resolve(host: &str) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = match (host, 0u16).to_socket_addrs() {
        Ok(addrs) => addrs.map(|a| canonical_ip(a.ip())).collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}
