//! res_secast's own state, for the checks of our own setup. Capabilities other engineers are
//! building (the call guard, event handlers) are `Option`s: `None` means "not known yet" and
//! the check says it was not made.

use std::net::IpAddr;

/// The firewall as the enforcer last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FirewallHealth {
    /// `[firewall] backend = none`: bans are recorded, not enforced.
    Off,
    #[default]
    Working,
    /// The last operation failed and bans are waiting (the error as the enforcer logged it).
    Failing(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnState {
    /// A GeoIP database is configured (`[geo] database`) and open.
    pub geo_database: bool,
    /// `[whitelist] network` lines.
    pub whitelist_networks: usize,
    /// This host's addresses that are reachable from the Internet (not loopback, private,
    /// link-local, unique-local, shared or documentation ranges).
    pub public_addresses: Vec<IpAddr>,
    pub firewall: FirewallHealth,
    /// Whether some call-guard rule covers international destinations; None: no call guard
    /// in this build (issue 8 wires it).
    pub call_guard_covers_international: Option<bool>,
    /// Event handlers whose last run failed; None: no handlers in this build (issue 11).
    pub failing_handlers: Option<Vec<String>>,
}

/// Whether `ip` can be reached from the Internet: not loopback, unspecified, private
/// (RFC 1918), shared (100.64/10), link-local, unique-local (fc00::/7), multicast, or a
/// documentation range (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32).
pub fn is_public(ip: IpAddr) -> bool {
    match crate::util::net::canonical_ip(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_internet_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "100.64.0.1",
            "203.0.113.5",
            "::1",
            "fe80::1",
            "fd00::1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "2a00:1450::1", "::ffff:8.8.4.4"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
