//! The name servers this host asks (`nameserver` lines of /etc/resolv.conf): a forged flood
//! "from" one of them must never get it banned, or every name lookup of the PBX (trunks, SRV
//! records) would stop.

use std::net::IpAddr;

use crate::util::net::canonical_ip;

pub const RESOLV_CONF: &str = "/etc/resolv.conf";

/// The resolvers in /etc/resolv.conf; empty when the file cannot be read.
pub fn resolvers() -> Vec<IpAddr> {
    std::fs::read_to_string(RESOLV_CONF)
        .map(|t| parse_resolv_conf(&t))
        .unwrap_or_default()
}

/// The `nameserver` addresses of a resolv.conf text, in order, without duplicates. A scope
/// (`fe80::1%eth0`) is dropped; anything that is not an address is skipped.
pub fn parse_resolv_conf(text: &str) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            continue;
        }
        let Some(addr) = words.next() else { continue };
        let addr = addr.split('%').next().unwrap_or(addr);
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let ip = canonical_ip(ip);
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_lines_are_read_and_the_rest_ignored() {
        let text = "# generated\nsearch example.org\nnameserver 192.0.2.53\n\
                    nameserver   2001:db8::53\nnameserver fe80::1%eth0\n;nameserver 198.51.100.1\n\
                    nameserver not-an-address\nnameserver 192.0.2.53\noptions edns0\n";
        let got: Vec<String> = parse_resolv_conf(text)
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(got, vec!["192.0.2.53", "2001:db8::53", "fe80::1"]);
        assert!(parse_resolv_conf("").is_empty());
    }
}
