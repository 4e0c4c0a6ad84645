//! Which set an address or network goes into, and how sets are named and matched.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::error::{FirewallError, FirewallErrorKind};
use crate::util::net::canonical_net;

/// The base chain holding our drop rules.
pub(crate) const CHAIN: &str = "prerouting";
/// NF_IP_PRI_RAW: before conntrack (-200), so tracked flows are dropped too.
pub(crate) const PRIORITY_RAW: i32 = -300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    pub(crate) fn bits(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
    pub(crate) fn key_len(self) -> usize {
        usize::from(self.bits() / 8)
    }
}

/// One of our sets: all elements of one family and prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SetSpec {
    pub(crate) family: Family,
    /// Sorted so that the host sets (the common case) come first in the chain.
    pub(crate) rank: u8,
}

impl SetSpec {
    pub(crate) fn new(family: Family, prefix: u8) -> SetSpec {
        SetSpec {
            family,
            rank: family.bits() - prefix,
        }
    }
    pub(crate) fn host(family: Family) -> SetSpec {
        SetSpec::new(family, family.bits())
    }
    pub(crate) fn prefix(self) -> u8 {
        self.family.bits() - self.rank
    }
    pub(crate) fn is_host(self) -> bool {
        self.rank == 0
    }
    /// `v4`, `v6` for single addresses; `v4_24`, `v6_64` for networks.
    pub(crate) fn name(self) -> String {
        let fam = match self.family {
            Family::V4 => "v4",
            Family::V6 => "v6",
        };
        if self.is_host() {
            fam.to_owned()
        } else {
            format!("{fam}_{}", self.prefix())
        }
    }
    /// The inverse of `name`; None for any set that is not one of ours.
    pub(crate) fn parse(name: &str) -> Option<SetSpec> {
        let (fam, rest) = name.split_at_checked(2)?;
        let family = match fam {
            "v4" => Family::V4,
            "v6" => Family::V6,
            _ => return None,
        };
        if rest.is_empty() {
            return Some(SetSpec::host(family));
        }
        let digits = rest.strip_prefix('_')?;
        // Exactly the canonical spelling, so that "v4_024" is not mistaken for ours.
        let prefix: u8 = digits.parse().ok()?;
        if prefix == 0 || prefix >= family.bits() || prefix.to_string() != digits {
            return None;
        }
        Some(SetSpec::new(family, prefix))
    }
    /// The netmask the rule applies to the source address before the lookup.
    pub(crate) fn mask(self) -> Vec<u8> {
        let bits = u32::from(self.prefix());
        match self.family {
            Family::V4 => Ipv4Addr::from(u32::MAX.checked_shl(32 - bits).unwrap_or(0))
                .octets()
                .to_vec(),
            Family::V6 => Ipv6Addr::from(u128::MAX.checked_shl(128 - bits).unwrap_or(0))
                .octets()
                .to_vec(),
        }
    }
    pub(crate) fn mask_text(self) -> String {
        let mask = self.mask();
        match self.family {
            Family::V4 => Ipv4Addr::from(<[u8; 4]>::try_from(mask).unwrap_or_default()).to_string(),
            Family::V6 => {
                Ipv6Addr::from(<[u8; 16]>::try_from(mask).unwrap_or_default()).to_string()
            }
        }
    }
    /// The element for a network address of this set's prefix length.
    pub(crate) fn net(self, addr: IpAddr) -> Option<IpNet> {
        IpNet::new(addr, self.prefix()).ok().map(|n| n.trunc())
    }
    /// The nft text of the drop rule (libnftables backend; the netlink backend encodes the
    /// same expressions itself).
    pub(crate) fn rule_text(self) -> String {
        let proto = match self.family {
            Family::V4 => "ip",
            Family::V6 => "ip6",
        };
        let name = self.name();
        if self.is_host() {
            format!("{proto} saddr @{name} counter drop")
        } else {
            format!("{proto} saddr & {} @{name} counter drop", self.mask_text())
        }
    }
    pub(crate) fn type_text(self) -> &'static str {
        match self.family {
            Family::V4 => "ipv4_addr",
            Family::V6 => "ipv6_addr",
        }
    }
}

/// A ban target in the form the kernel holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Target {
    pub(crate) set: SetSpec,
    /// Network address (host bits cleared), IPv4-mapped IPv6 already turned into IPv4.
    pub(crate) net: IpNet,
}

impl Target {
    /// The key bytes as the kernel compares them (network byte order).
    pub(crate) fn key(&self) -> Vec<u8> {
        match self.net.addr() {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        }
    }
}

/// Where `net` goes. An IPv4-mapped IPv6 network (::ffff:a.b.c.d/96 or longer) is IPv4: on a
/// dual-stack socket that is how an IPv4 peer is shown, but on the wire it is IPv4.
pub(crate) fn target(net: IpNet) -> Result<Target, FirewallError> {
    let net = canonical_net(net);
    if net.prefix_len() == 0 {
        // A /0 would drop every packet to the PBX, its own management included: never a ban.
        return Err(FirewallError::new(
            FirewallErrorKind::Refused,
            format!("refusing to ban {net}: that is every address"),
        ));
    }
    let family = match net {
        IpNet::V4(_) => Family::V4,
        IpNet::V6(_) => Family::V6,
    };
    Ok(Target {
        set: SetSpec::new(family, net.prefix_len()),
        net,
    })
}

/// The network an element key read back from `set` stands for.
pub(crate) fn net_of_key(set: SetSpec, key: &[u8]) -> Option<IpNet> {
    let addr = match set.family {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(key).ok()?)),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(key).ok()?)),
    };
    set.net(addr)
}

/// The table name goes into netlink attributes and libnftables command text: only a plain
/// identifier is accepted, so no configuration value can smuggle nft syntax in.
pub(crate) fn check_table_name(name: &str) -> Result<(), FirewallError> {
    let mut chars = name.chars();
    let ok = name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(FirewallError::new(
            FirewallErrorKind::Other,
            format!("invalid nftables table name {name:?}: letters, digits and _, up to 64"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        target(s.parse().unwrap()).unwrap()
    }

    #[test]
    fn hosts_go_to_the_host_sets() {
        assert_eq!(t("192.0.2.7/32").set.name(), "v4");
        assert_eq!(t("2001:db8::5/128").set.name(), "v6");
    }

    #[test]
    fn networks_are_truncated_and_go_to_their_prefix_set() {
        let x = t("192.0.2.7/24");
        assert_eq!(x.set.name(), "v4_24");
        assert_eq!(x.net.to_string(), "192.0.2.0/24");
        assert_eq!(x.key(), vec![192, 0, 2, 0]);
        assert_eq!(
            t("2001:db8:1:2:3::/64").net.to_string(),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn ipv4_mapped_ipv6_is_ipv4() {
        let x = t("::ffff:127.0.0.5/128");
        assert_eq!(x.set.name(), "v4");
        assert_eq!(x.net.to_string(), "127.0.0.5/32");
        assert_eq!(t("::ffff:10.1.2.3/120").net.to_string(), "10.1.2.0/24");
        // Shorter than /96 it is no longer one IPv4 network: left as IPv6.
        assert_eq!(t("::ffff:0:0/80").set.family, Family::V6);
    }

    #[test]
    fn zero_prefix_is_refused() {
        assert!(target("0.0.0.0/0".parse().unwrap()).is_err());
        assert!(target("::/0".parse().unwrap()).is_err());
        assert!(target("::ffff:0.0.0.0/96".parse().unwrap()).is_err());
    }

    #[test]
    fn set_names_round_trip() {
        for (fam, p) in [
            (Family::V4, 32),
            (Family::V4, 1),
            (Family::V6, 64),
            (Family::V6, 128),
        ] {
            let s = SetSpec::new(fam, p);
            assert_eq!(SetSpec::parse(&s.name()), Some(s));
        }
        for bad in [
            "v4_32", "v4_0", "v4_024", "v6_129", "v5", "v4_", "x", "", "v4_abc",
        ] {
            assert_eq!(SetSpec::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn masks_and_rules() {
        let s = SetSpec::new(Family::V4, 24);
        assert_eq!(s.mask(), vec![255, 255, 255, 0]);
        assert_eq!(
            s.rule_text(),
            "ip saddr & 255.255.255.0 @v4_24 counter drop"
        );
        let s = SetSpec::new(Family::V6, 64);
        assert_eq!(s.mask_text(), "ffff:ffff:ffff:ffff::");
        assert_eq!(
            SetSpec::host(Family::V6).rule_text(),
            "ip6 saddr @v6 counter drop"
        );
        assert!(SetSpec::host(Family::V4) < SetSpec::new(Family::V4, 24));
    }

    #[test]
    fn keys_read_back() {
        let s = SetSpec::new(Family::V6, 64);
        let net = net_of_key(s, &t("2001:db8::/64").key()).unwrap();
        assert_eq!(net.to_string(), "2001:db8::/64");
        assert_eq!(net_of_key(s, &[1, 2, 3]), None);
    }

    #[test]
    fn table_names() {
        assert!(check_table_name("secast").is_ok());
        assert!(check_table_name("secast_2").is_ok());
        for bad in ["", "1x", "a b", "a;b", "a}", &"a".repeat(65)] {
            assert!(check_table_name(bad).is_err(), "{bad}");
        }
    }
}
