//! The default gateways of this host, IPv4 and IPv6, from the kernel's routing tables as
//! /proc shows them. A router that forwards SIP to the PBX (port forwarding with source NAT,
//! a SIP ALG) is the source of every packet it forwards: banning it would cut the PBX off.
//! Without /proc (a chroot) the list is empty.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const IPV4_ROUTES: &str = "/proc/net/route";
pub const IPV6_ROUTES: &str = "/proc/net/ipv6_route";

/// RTF_GATEWAY: the route goes through a gateway.
const RTF_GATEWAY: u32 = 0x2;

/// The default gateways in the routing tables; empty when /proc cannot be read.
pub fn gateways() -> Vec<IpAddr> {
    let mut out = Vec::new();
    if let Ok(t) = std::fs::read_to_string(IPV4_ROUTES) {
        out.extend(parse_ipv4_routes(&t));
    }
    if let Ok(t) = std::fs::read_to_string(IPV6_ROUTES) {
        out.extend(parse_ipv6_routes(&t));
    }
    out.sort();
    out.dedup();
    out
}

/// `/proc/net/route`: `Iface Destination Gateway Flags … Mask …`, addresses as the kernel's
/// 32-bit value printed in hex in this machine's byte order. Default routes have destination
/// and mask 0 and the gateway flag.
pub fn parse_ipv4_routes(text: &str) -> Vec<IpAddr> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let hex = |i: usize| f.get(i).and_then(|v| u32::from_str_radix(v, 16).ok());
            let (dest, gw, flags, mask) = (hex(1)?, hex(2)?, hex(3)?, hex(7)?);
            (dest == 0 && mask == 0 && flags & RTF_GATEWAY != 0 && gw != 0)
                .then(|| IpAddr::V4(Ipv4Addr::from(gw.to_ne_bytes())))
        })
        .collect()
}

/// `/proc/net/ipv6_route`: `dest plen src plen next_hop metric refcnt use flags iface`, the
/// addresses as 32 hex digits in network order. Default routes have dest ::/0 and a next hop.
pub fn parse_ipv6_routes(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let addr = |i: usize| {
                f.get(i)
                    .and_then(|v| u128::from_str_radix(v, 16).ok())
                    .map(Ipv6Addr::from)
            };
            let (dest, plen, hop) = (addr(0)?, f.get(1)?, addr(4)?);
            let flags = u32::from_str_radix(f.get(8)?, 16).ok()?;
            (dest.is_unspecified()
                && *plen == "00"
                && flags & RTF_GATEWAY != 0
                && !hop.is_unspecified())
            .then_some(IpAddr::V6(hop))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_default_routes_give_their_gateway() {
        // 192.0.2.1 as the kernel prints it on a little-endian machine.
        let gw = u32::from_ne_bytes([192, 0, 2, 1]);
        let text = format!(
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
             eth0\t00000000\t{gw:08X}\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
             eth0\t0002000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
        );
        assert_eq!(
            parse_ipv4_routes(&text),
            vec!["192.0.2.1".parse::<IpAddr>().unwrap()]
        );
        assert!(parse_ipv4_routes("Iface\tDestination\n").is_empty());
    }

    #[test]
    fn ipv6_default_routes_give_their_next_hop() {
        let text = "\
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0
20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo
";
        assert_eq!(
            parse_ipv6_routes(text),
            vec!["fe80::1".parse::<IpAddr>().unwrap()]
        );
    }
}
