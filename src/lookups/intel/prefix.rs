//! One blocklist entry as written in a list: `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::util::escape::for_log;
use crate::util::net::canonical_ip;

/// Shortest IPv4 prefix accepted. A `0.0.0.0/0` line (some exports carry one as a marker) or a
/// stray /1 would have every source banned at first contact; no real feed lists networks wider
/// than a few /8s, so anything wider is taken for a mistake.
pub const MIN_IPV4_PREFIX: u8 = 8;
/// Shortest IPv6 prefix accepted, for the same reason: RIRs hand out /12 and longer.
pub const MIN_IPV6_PREFIX: u8 = 16;

pub(crate) const EXPECTED: &str =
    "expected an IPv4 or IPv6 address or CIDR prefix (203.0.113.7, 203.0.113.0/24, 2001:db8::/32)";

/// Parses one entry. Host bits are cleared (`203.0.113.7/24` is `203.0.113.0/24`, as every
/// firewall reads it); an IPv4-mapped IPv6 entry (`::ffff:203.0.113.0/120`) is stored as the
/// IPv4 network it denotes, since lookups canonicalise mapped addresses to IPv4.
pub(crate) fn parse_prefix(token: &str) -> Result<IpNet, String> {
    let (addr_text, len_text) = match token.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (token, None),
    };
    let Ok(addr) = addr_text.parse::<IpAddr>() else {
        return Err(format!("{EXPECTED}, found \"{}\"", for_log(token)));
    };
    let Some(len_text) = len_text else {
        return Ok(IpNet::from(canonical_ip(addr)));
    };
    let max = match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    // Digits only: u8's parser would also take "+24".
    let len = if !len_text.is_empty() && len_text.bytes().all(|b| b.is_ascii_digit()) {
        len_text.parse::<u8>().ok().filter(|l| *l <= max)
    } else {
        None
    };
    let Some(len) = len else {
        return Err(format!(
            "expected a prefix length from 0 to {max} after '/', found \"{}\"",
            for_log(token)
        ));
    };
    // The length was checked against the family above, so these constructors cannot fail;
    // their errors are still mapped rather than unwrapped, as the text is untrusted.
    let bad_len = |_| format!("prefix length out of range in \"{}\"", for_log(token));
    let net = match addr {
        IpAddr::V4(v4) => IpNet::V4(Ipv4Net::new(v4, len).map_err(bad_len)?.trunc()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) if len >= 96 => {
                IpNet::V4(Ipv4Net::new(v4, len - 96).map_err(bad_len)?.trunc())
            }
            _ => IpNet::V6(Ipv6Net::new(v6, len).map_err(bad_len)?.trunc()),
        },
    };
    check_width(net, token)?;
    Ok(net)
}

fn check_width(net: IpNet, token: &str) -> Result<(), String> {
    let min = match net {
        IpNet::V4(_) => MIN_IPV4_PREFIX,
        IpNet::V6(_) => MIN_IPV6_PREFIX,
    };
    if net.prefix_len() < min {
        return Err(format!(
            "\"{}\" is wider than /{min}: an entry that wide would block a large part of the \
             Internet, so it is taken for a mistake",
            for_log(token)
        ));
    }
    Ok(())
}
