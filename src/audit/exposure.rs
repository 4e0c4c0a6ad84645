//! Who can reach a listener: the address it binds to, and the permit/deny lists in front of
//! it, evaluated the way Asterisk's `ast_apply_ha` does (every rule in order, the last match
//! decides, allowed by default; IPv4 rules never match IPv6 sources and the reverse).

use std::net::IpAddr;

use ipnet::IpNet;

/// Where a listener is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// `0.0.0.0`: every IPv4 interface.
    AllV4,
    /// `::` / `[::]`: every interface, IPv6 and (dual stack) IPv4.
    AllV6,
    /// Loopback only: nobody outside this host.
    Loopback,
    /// One specific address (a LAN or public interface).
    Specific(IpAddr),
    /// Not understood (a host name, a typo).
    Unknown,
}

impl Bind {
    /// `0.0.0.0:5060`, `[::]:5060`, `127.0.0.1`, `::1`, `[::1]:5038`, `::`.
    pub fn parse(text: &str) -> Bind {
        let t = text.trim();
        let host = if let Some(rest) = t.strip_prefix('[') {
            rest.split(']').next().unwrap_or("")
        } else if t.matches(':').count() == 1 {
            t.split(':').next().unwrap_or("")
        } else {
            t
        };
        match host.parse::<IpAddr>() {
            Ok(ip) if ip.is_unspecified() => {
                if ip.is_ipv4() {
                    Bind::AllV4
                } else {
                    Bind::AllV6
                }
            }
            Ok(ip) if crate::util::net::canonical_ip(ip).is_loopback() => Bind::Loopback,
            Ok(ip) => Bind::Specific(ip),
            Err(_) => Bind::Unknown,
        }
    }

    pub fn all_interfaces(self) -> bool {
        matches!(self, Bind::AllV4 | Bind::AllV6)
    }

    /// Whether a host other than this one can connect at all.
    pub fn beyond_loopback(self) -> bool {
        !matches!(self, Bind::Loopback)
    }

    fn families(self) -> (bool, bool) {
        match self {
            Bind::AllV4 => (true, false),
            Bind::AllV6 | Bind::Unknown => (true, true),
            Bind::Loopback => (false, false),
            Bind::Specific(ip) => (ip.is_ipv4(), ip.is_ipv6()),
        }
    }
}

/// One `permit` or `deny` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AclRule {
    pub permit: bool,
    pub net: IpNet,
}

impl AclRule {
    /// `192.0.2.0/24`, `0.0.0.0/0.0.0.0` (netmask form), `2001:db8::/32`, a bare address.
    pub fn parse(permit: bool, text: &str) -> Option<AclRule> {
        let t = text.trim();
        if let Some((addr, mask)) = t.split_once('/')
            && let (Ok(addr), Ok(mask)) = (addr.parse::<IpAddr>(), mask.parse::<IpAddr>())
        {
            let len = match mask {
                IpAddr::V4(m) => u32::from(m).count_ones() as u8,
                IpAddr::V6(m) => u128::from(m).count_ones() as u8,
            };
            return IpNet::new(addr, len).ok().map(|net| AclRule {
                permit,
                net: net.trunc(),
            });
        }
        crate::util::net::parse_net(t).map(|net| AclRule { permit, net })
    }
}

/// Whether a source on the open Internet (an address no specific rule names: only rules
/// covering a whole address family, `/0`, apply to it) passes `rules` on a listener bound to
/// `bind`. A named ACL (`acl = NAME`) the audit cannot see counts as restricting.
pub fn admits_anyone(bind: Bind, rules: &[AclRule], named_acl: bool) -> bool {
    if !bind.beyond_loopback() || named_acl {
        return false;
    }
    let (v4, v6) = bind.families();
    let family_open = |is_v4: bool| {
        rules
            .iter()
            .rfind(|r| r.net.prefix_len() == 0 && r.net.addr().is_ipv4() == is_v4)
            .is_none_or(|r| r.permit)
    };
    (v4 && family_open(true)) || (v6 && family_open(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(lines: &[(bool, &str)]) -> Vec<AclRule> {
        lines
            .iter()
            .map(|(p, t)| AclRule::parse(*p, t).unwrap())
            .collect()
    }

    #[test]
    fn binds_are_read_as_asterisk_writes_them() {
        assert_eq!(Bind::parse("0.0.0.0:5060"), Bind::AllV4);
        assert_eq!(Bind::parse("[::]:5060"), Bind::AllV6);
        assert_eq!(Bind::parse("::"), Bind::AllV6);
        assert_eq!(Bind::parse("127.0.0.1:5038"), Bind::Loopback);
        assert_eq!(Bind::parse("[::1]:5060"), Bind::Loopback);
        assert_eq!(
            Bind::parse("192.0.2.7"),
            Bind::Specific("192.0.2.7".parse().unwrap())
        );
    }

    #[test]
    fn the_last_matching_family_wide_rule_decides() {
        let open = rules(&[(true, "127.0.0.1/255.255.255.255")]);
        assert!(admits_anyone(Bind::AllV4, &open, false));
        let closed = rules(&[(false, "0.0.0.0/0.0.0.0"), (true, "192.0.2.0/24")]);
        assert!(!admits_anyone(Bind::AllV4, &closed, false));
        // An IPv4-only ACL leaves IPv6 open on a dual-stack bind.
        assert!(admits_anyone(Bind::AllV6, &closed, false));
        let reopened = rules(&[(false, "0.0.0.0/0"), (true, "0.0.0.0/0")]);
        assert!(admits_anyone(Bind::AllV4, &reopened, false));
        assert!(!admits_anyone(Bind::Loopback, &[], false));
        assert!(!admits_anyone(Bind::AllV4, &[], true));
    }
}
