//! Addresses and networks typed by an admin (config, CLI): `203.0.113.5`, `203.0.113.0/24`,
//! `2001:db8::/32`. A bare address is a host network (/32 or /128); host bits are cleared.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::address::canonical_ip;

pub fn parse_net(text: &str) -> Option<IpNet> {
    let t = text.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(IpNet::from(canonical_ip(ip)));
    }
    let net: IpNet = t.parse().ok()?;
    Some(net.trunc())
}
