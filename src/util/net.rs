//! Addresses and networks as people type them (config, CLI, dialplan, lists, the ledger) and
//! the one canonical form res_secast keeps them in: an IPv4-mapped IPv6 address is its IPv4
//! address, and an IPv4-mapped IPv6 network is the IPv4 network it denotes, everywhere.
//!
//! Why it matters: on a dual-stack socket an IPv4 peer shows as `::ffff:a.b.c.d`, but on the
//! wire (and in the kernel's sets) it is IPv4. A network left in its mapped spelling would be
//! compared as IPv6 against IPv4 addresses: `::ffff:127.0.0.1/128` would slip past the
//! loopback check and still ban 127.0.0.1 in the kernel.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Folds IPv4-mapped IPv6 (`::ffff:a.b.c.d`) into IPv4, so that a source has one key.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// `::ffff:0:0/96`: every IPv4-mapped IPv6 address.
fn mapped_space() -> Ipv6Net {
    Ipv6Net::new(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96).expect("valid prefix")
}

/// The network in canonical form, host bits cleared: an IPv6 network inside `::ffff:0:0/96`
/// becomes the IPv4 network it denotes (`::ffff:10.0.0.0/104` is `10.0.0.0/8`,
/// `::ffff:0:0/96` is `0.0.0.0/0`). Every other network is only truncated.
pub fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 && mapped_space().contains(&v6.network()) => {
            let v4 = v6.network().to_ipv4_mapped().expect("inside ::ffff:0:0/96");
            IpNet::V4(Ipv4Net::new(v4, v6.prefix_len() - 96).expect("96..=128 minus 96 fits"))
        }
        other => other,
    }
    .trunc()
}

/// Why a network can never be banned (to follow "refusing to ban NET: "), or None when it
/// can. A ban must be refused before it is
/// recorded: one that no firewall can apply would otherwise stay pending forever and come
/// back from the ledger after every restart.
pub fn unbannable(net: &IpNet) -> Option<String> {
    let net = canonical_net(*net);
    if net.prefix_len() == 0 {
        return Some("that is every address".to_owned());
    }
    // Wider than ::ffff:0:0/96 and covering it: on the wire the IPv4 part is IPv4 and the
    // rest is IPv6, and no one firewall set holds both. Ban the IPv4 and IPv6 networks apart.
    if let IpNet::V6(v6) = net
        && v6.contains(&mapped_space())
    {
        return Some(
            "it mixes IPv6 with every IPv4-mapped address; ban the IPv4 and IPv6 networks separately"
                .to_owned(),
        );
    }
    None
}

/// `203.0.113.5`, `203.0.113.0/24`, `2001:db8::/32`, `::ffff:10.0.0.0/104`. A bare address is
/// a host network (/32 or /128); host bits are cleared; the result is canonical
/// ([`canonical_net`]).
pub fn parse_net(text: &str) -> Option<IpNet> {
    let t = text.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(IpNet::from(canonical_ip(ip)));
    }
    let net: IpNet = t.parse().ok()?;
    Some(canonical_net(net))
}

/// An address as a dialplan writer has it: `203.0.113.5`, `203.0.113.5:5060`,
/// `[2001:db8::5]:5060`, `2001:db8::5` (what `CHANNEL(pjsip,remote_addr)` returns, or not).
pub fn parse_host_address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let host = match text.strip_prefix('[') {
        // `[address]` or `[address]:port`
        Some(rest) => rest.split(']').next()?,
        None => match text.parse::<SocketAddr>() {
            Ok(sa) => return Some(canonical_ip(sa.ip())),
            Err(_) => text,
        },
    };
    host.parse().ok().map(canonical_ip)
}

/// `host:port` as a SIP URI can carry it: an IPv4 address, a bracketed IPv6 address or a DNS
/// name, and a port from 1 to 65535. Nothing else (no user part, no parameters).
pub fn valid_host_port(text: &str) -> bool {
    let Some((host, port)) = text.rsplit_once(':') else {
        return false;
    };
    if !port.parse::<u16>().is_ok_and(|p| p != 0) {
        return false;
    }
    if let Some(inner) = host.strip_prefix('[') {
        return inner
            .strip_suffix(']')
            .is_some_and(|v6| v6.parse::<std::net::Ipv6Addr>().is_ok());
    }
    (1..=253).contains(&host.len())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// Whether two networks share any address (one contains the other: CIDR blocks never
/// partly overlap). Both are taken canonically, so families compare as on the wire.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    let (a, b) = (canonical_net(*a), canonical_net(*b));
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_for_a_sip_uri() {
        assert!(valid_host_port("198.51.100.12:5080"));
        assert!(valid_host_port("[2001:db8::12]:5060"));
        assert!(valid_host_port("pbx-b.example.net:5060"));
        assert!(!valid_host_port("198.51.100.12"));
        assert!(!valid_host_port("2001:db8::12:5060"));
        assert!(!valid_host_port("a@b:5060"));
        assert!(!valid_host_port("host:0"));
        assert!(!valid_host_port("host;transport=tcp:5060"));
    }

    #[test]
    fn host_addresses_come_with_or_without_port_and_brackets() {
        let v4: IpAddr = "203.0.113.5".parse().unwrap();
        let v6: IpAddr = "2001:db8::5".parse().unwrap();
        assert_eq!(parse_host_address("203.0.113.5"), Some(v4));
        assert_eq!(parse_host_address("203.0.113.5:5060"), Some(v4));
        assert_eq!(parse_host_address("[2001:db8::5]:5060"), Some(v6));
        assert_eq!(parse_host_address("[2001:db8::5]"), Some(v6));
        assert_eq!(parse_host_address("2001:db8::5"), Some(v6));
        assert_eq!(parse_host_address("::ffff:203.0.113.5"), Some(v4));
        assert_eq!(parse_host_address("pbx.example"), None);
        assert_eq!(parse_host_address(""), None);
    }

    #[test]
    fn networks_are_truncated_and_bare_addresses_are_hosts() {
        assert_eq!(
            parse_net("203.0.113.7/24").unwrap().to_string(),
            "203.0.113.0/24"
        );
        assert_eq!(
            parse_net(" 203.0.113.7 ").unwrap().to_string(),
            "203.0.113.7/32"
        );
        assert_eq!(
            parse_net("2001:db8::1").unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert!(parse_net("not-an-address").is_none());
    }

    #[test]
    fn ipv4_mapped_networks_are_the_ipv4_networks_they_denote() {
        for (typed, meant) in [
            ("::ffff:127.0.0.1/128", "127.0.0.1/32"),
            ("::ffff:127.0.0.1", "127.0.0.1/32"),
            ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
            ("::ffff:10.1.2.3/120", "10.1.2.0/24"),
            ("::ffff:0:0/96", "0.0.0.0/0"),
            ("::FFFF:7F00:1/128", "127.0.0.1/32"),
        ] {
            assert_eq!(parse_net(typed).unwrap().to_string(), meant, "{typed}");
        }
        // Outside the mapped space, or wider than it: still IPv6.
        assert_eq!(
            parse_net("::ffff:0:0/80").unwrap().to_string(),
            "::/80",
            "wider than the mapped space"
        );
        assert_eq!(
            parse_net("64:ff9b::1").unwrap().to_string(),
            "64:ff9b::1/128"
        );
    }

    #[test]
    fn networks_no_firewall_can_apply_are_named() {
        for bad in [
            "0.0.0.0/0",
            "::/0",
            "::ffff:0:0/96",
            "::/8",
            "::ffff:0:0/80",
        ] {
            assert!(unbannable(&bad.parse().unwrap()).is_some(), "{bad}");
        }
        for good in [
            "203.0.113.9/32",
            "10.0.0.0/8",
            "2001:db8::/64",
            "::ffff:10.0.0.0/104",
        ] {
            assert!(unbannable(&good.parse().unwrap()).is_none(), "{good}");
        }
    }

    #[test]
    fn overlap_is_judged_across_spellings() {
        let mapped: IpNet = "::ffff:127.0.0.0/104".parse().unwrap();
        let lo: IpNet = "127.0.0.1/32".parse().unwrap();
        assert!(overlaps(&mapped, &lo));
        assert!(!overlaps(&"10.0.0.0/8".parse().unwrap(), &lo));
    }
}
