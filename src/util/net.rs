//! Addresses and networks as people type them (config, CLI, dialplan) and the one canonical
//! form res_secast keeps them in: an IPv4-mapped IPv6 address is its IPv4 address.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

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

/// `203.0.113.5`, `203.0.113.0/24`, `2001:db8::/32`. A bare address is a host network (/32
/// or /128); host bits are cleared.
pub fn parse_net(text: &str) -> Option<IpNet> {
    let t = text.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(IpNet::from(canonical_ip(ip)));
    }
    let net: IpNet = t.parse().ok()?;
    Some(net.trunc())
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
}
