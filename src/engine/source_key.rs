//! The key a source's state is kept and banned under: its address, or for IPv6 its network of
//! `[general] ipv6_prefix` bits (a /64 by default). An IPv6 attacker gets a whole /64 from
//! any hosting provider and can rotate addresses inside it at will; counted per address, each
//! new address would start from zero. Counted per /64, the rotation changes nothing, and the
//! ban covers the /64.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

use crate::util::net::canonical_ip;

/// The address state is kept under: `ip` itself (canonical), or its IPv6 network address.
pub fn source_key(ip: IpAddr, ipv6_prefix: u8) -> IpAddr {
    match canonical_ip(ip) {
        IpAddr::V6(v6) if ipv6_prefix < 128 => {
            let mask = u128::MAX
                .checked_shl(u32::from(128 - ipv6_prefix))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
        other => other,
    }
}

/// The network a source key stands for (what a rule's ban covers).
pub fn source_net(key: IpAddr, ipv6_prefix: u8) -> IpNet {
    match key {
        IpAddr::V6(_) => IpNet::new(key, ipv6_prefix.min(128))
            .unwrap_or_else(|_| IpNet::from(key))
            .trunc(),
        v4 => IpNet::from(v4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_sources_share_their_prefix_and_ipv4_sources_stand_alone() {
        let a: IpAddr = "2001:db8:1:2::5".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(source_key(a, 64), source_key(b, 64));
        assert_eq!(
            source_net(source_key(a, 64), 64).to_string(),
            "2001:db8:1:2::/64"
        );
        assert_ne!(source_key(a, 128), source_key(b, 128));
        assert_eq!(
            source_net(source_key(a, 128), 128).to_string(),
            "2001:db8:1:2::5/128"
        );
        let v4: IpAddr = "::ffff:203.0.113.5".parse().unwrap();
        assert_eq!(source_key(v4, 64).to_string(), "203.0.113.5");
        assert_eq!(
            source_net(source_key(v4, 64), 64).to_string(),
            "203.0.113.5/32"
        );
    }
}
