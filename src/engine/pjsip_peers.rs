//! Which addresses the PBX's PJSIP configuration depends on, and why: the hosts of outbound
//! registrations and of static AOR contacts (trunks), and what `identify` sections match.
//! A forged flood "from" one of them must raise an alert, never a ban that cuts off the
//! trunk. Pure: the host layer copies the objects out of Asterisk's sorcery
//! ([`PjsipObject`]) and the worker resolves host names; nothing here touches either.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use crate::intake::{PjsipKind, PjsipObject};
use crate::util::escape::for_log;
use crate::util::net::{canonical_ip, parse_net};

/// What a PJSIP object makes of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerRole {
    /// The server (or outbound proxy) of an outbound registration.
    Registration,
    /// A static contact (or outbound proxy) of an AOR: a trunk or a peer at a fixed address.
    StaticContact,
    /// Matched by an `identify` section.
    Identify,
}

/// One PJSIP object's claim on an address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PjsipPeer {
    pub role: PeerRole,
    /// The object's id (its pjsip.conf section), escaped for display.
    pub object: Arc<str>,
}

impl std::fmt::Display for PjsipPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.role {
            PeerRole::Registration => {
                write!(f, "trunk host (PJSIP registration '{}')", self.object)
            }
            PeerRole::StaticContact => write!(f, "trunk host (PJSIP aor '{}')", self.object),
            PeerRole::Identify => write!(f, "identify match (PJSIP identify '{}')", self.object),
        }
    }
}

/// An address as the object names it: a network already, or a host name to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerTarget {
    Net(IpNet),
    Name(String),
}

/// Most addresses taken from PJSIP objects: a bound on the whitelist whatever the
/// configuration holds (the protection check scans them at each ban).
pub const MAX_PEER_TARGETS: usize = 10_000;

/// The addresses Asterisk's PJSIP transports are bound to (`bind = 127.0.0.1:5060`,
/// `[::1]:5060`); a wildcard bind (`0.0.0.0`, `[::]`) is every host address, which the host
/// address list already covers. Known at load, before any event shows them.
pub fn transport_addresses(objects: &[PjsipObject]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for o in objects.iter().filter(|o| o.kind == PjsipKind::Transport) {
        for bind in o.values("bind") {
            let host = match sip_uri_host(bind) {
                Some(h) => h,
                None => continue,
            };
            if let Ok(ip) = host.parse::<IpAddr>() {
                let ip = canonical_ip(ip);
                if !ip.is_unspecified() && !out.contains(&ip) {
                    out.push(ip);
                }
            }
        }
    }
    out
}

/// Every address the objects depend on, with the object that says so, in object order;
/// at most [`MAX_PEER_TARGETS`].
pub fn peer_targets(objects: &[PjsipObject]) -> Vec<(PeerTarget, PjsipPeer)> {
    let mut out = Vec::new();
    for o in objects {
        let role = match o.kind {
            PjsipKind::Transport => continue,
            PjsipKind::Registration => PeerRole::Registration,
            PjsipKind::Aor => PeerRole::StaticContact,
            PjsipKind::Identify => PeerRole::Identify,
        };
        let peer = PjsipPeer {
            role,
            object: for_log(&o.id).into(),
        };
        for field in o.kind.wanted_fields() {
            for value in o.values(field) {
                // PREFER_STRING joins lists with commas; PREFER_LIST gives one per value.
                for item in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                    let target = match o.kind {
                        PjsipKind::Identify => identify_match(item),
                        _ => sip_uri_host(item).map(host_target),
                    };
                    if let Some(t) = target
                        && !out.iter().any(|(x, p)| *x == t && *p == peer)
                    {
                        out.push((t, peer.clone()));
                    }
                }
            }
        }
        if out.len() >= MAX_PEER_TARGETS {
            out.truncate(MAX_PEER_TARGETS);
            break;
        }
    }
    out
}

fn host_target(host: &str) -> PeerTarget {
    match host.parse::<IpAddr>() {
        Ok(ip) => PeerTarget::Net(IpNet::from(canonical_ip(ip))),
        Err(_) => PeerTarget::Name(host.to_ascii_lowercase()),
    }
}

/// The host of a SIP URI as PJSIP's objects hold them: `sip:carrier.example:5060`,
/// `<sips:trunk@[2001:db8::10]:5061;transport=tls>`, `sip:192.0.2.10;lr`. None for anything
/// without a host.
pub fn sip_uri_host(uri: &str) -> Option<&str> {
    let mut u = uri.trim();
    if let Some(rest) = u.strip_prefix('<') {
        u = rest.split('>').next().unwrap_or(rest);
    }
    for scheme in ["sips:", "sip:"] {
        if u.len() >= scheme.len() && u[..scheme.len()].eq_ignore_ascii_case(scheme) {
            u = &u[scheme.len()..];
            break;
        }
    }
    // user@host: the host follows the last '@' (a user part may hold anything).
    if let Some(at) = u.rfind('@') {
        u = &u[at + 1..];
    }
    let host = if let Some(rest) = u.strip_prefix('[') {
        rest.split(']').next()?
    } else {
        let end = u.find([';', '?', '/']).unwrap_or(u.len());
        let hostport = &u[..end];
        // host:port, unless it is a bare IPv6 address (several colons, no brackets).
        match hostport.matches(':').count() {
            1 => hostport.split(':').next()?,
            _ => hostport,
        }
    };
    let host = host.trim();
    let plausible = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'_'));
    plausible.then_some(host)
}

/// An `identify` match as the objectset shows it: `192.0.2.10/255.255.255.255`,
/// `198.51.100.0/255.255.255.0`, `2001:db8::/ffff:ffff:ffff:ffff::`, or with a prefix length
/// or a bare address. A host name (Asterisk normally resolves them itself) is resolved too.
pub fn identify_match(text: &str) -> Option<PeerTarget> {
    let text = text.trim().trim_start_matches('!');
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a.trim(), Some(m.trim())),
        None => (text, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return sip_uri_host(addr).map(host_target);
    };
    let Some(mask) = mask else {
        return Some(PeerTarget::Net(IpNet::from(canonical_ip(ip))));
    };
    let prefix = match mask.parse::<IpAddr>() {
        Ok(IpAddr::V4(m)) => contiguous_ones(u128::from(u32::from(m)) << 96)?,
        Ok(IpAddr::V6(m)) => contiguous_ones(u128::from(m))?,
        Err(_) => mask.parse::<u8>().ok()?,
    };
    // `parse_net` canonicalises (an IPv4-mapped match is its IPv4 network).
    parse_net(&format!("{ip}/{prefix}")).map(PeerTarget::Net)
}

/// The prefix length of a netmask (left-aligned in 128 bits), if its ones are contiguous.
fn contiguous_ones(mask: u128) -> Option<u8> {
    let ones = mask.leading_ones();
    (mask.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: PjsipKind, id: &str, fields: &[(&str, &str)]) -> PjsipObject {
        PjsipObject {
            kind,
            id: id.to_owned(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn hosts_come_out_of_every_uri_spelling() {
        for (uri, host) in [
            ("sip:carrier.example:5060", "carrier.example"),
            ("sip:192.0.2.10", "192.0.2.10"),
            ("SIP:192.0.2.10:5060;transport=udp", "192.0.2.10"),
            (
                "<sips:trunk@[2001:db8::10]:5061;transport=tls>",
                "2001:db8::10",
            ),
            ("sip:user@proxy.example;lr", "proxy.example"),
            ("sip:[2001:db8::1]", "2001:db8::1"),
            ("carrier.example", "carrier.example"),
        ] {
            assert_eq!(sip_uri_host(uri), Some(host), "{uri}");
        }
        assert_eq!(sip_uri_host("sip:"), None);
        assert_eq!(sip_uri_host("sip:bad host$"), None);
    }

    #[test]
    fn transports_give_their_bound_addresses_but_not_wildcards() {
        let objects = vec![
            obj(PjsipKind::Transport, "udp", &[("bind", "127.0.0.1:5060")]),
            obj(PjsipKind::Transport, "udp6", &[("bind", "[::1]:5060")]),
            obj(PjsipKind::Transport, "any", &[("bind", "0.0.0.0:5061")]),
            obj(PjsipKind::Transport, "any6", &[("bind", "[::]:5060")]),
        ];
        let got: Vec<String> = transport_addresses(&objects)
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(got, vec!["127.0.0.1", "::1"]);
        assert!(peer_targets(&objects).is_empty());
    }

    #[test]
    fn identify_matches_with_netmasks_become_networks() {
        let net = |s: &str| PeerTarget::Net(s.parse().unwrap());
        assert_eq!(
            identify_match("192.0.2.10/255.255.255.255"),
            Some(net("192.0.2.10/32"))
        );
        assert_eq!(
            identify_match("198.51.100.7/255.255.255.0"),
            Some(net("198.51.100.0/24"))
        );
        assert_eq!(
            identify_match("2001:db8:1::/ffff:ffff:ffff:ffff::"),
            Some(net("2001:db8:1::/64"))
        );
        assert_eq!(
            identify_match("203.0.113.0/24"),
            Some(net("203.0.113.0/24"))
        );
        assert_eq!(
            identify_match("::ffff:203.0.113.9"),
            Some(net("203.0.113.9/32"))
        );
        assert_eq!(
            identify_match("192.0.2.1/255.0.255.0"),
            None,
            "not contiguous"
        );
        assert_eq!(
            identify_match("sbc.carrier.example"),
            Some(PeerTarget::Name("sbc.carrier.example".into()))
        );
    }

    #[test]
    fn registrations_aors_and_identifies_give_their_addresses_and_why() {
        let objects = vec![
            obj(
                PjsipKind::Registration,
                "carrier-reg",
                &[
                    ("server_uri", "sip:Carrier.Example:5060"),
                    ("outbound_proxy", ""),
                ],
            ),
            obj(PjsipKind::Aor, "1001", &[("contact", "")]),
            obj(
                PjsipKind::Aor,
                "carrier",
                &[
                    ("contact", "sip:192.0.2.10:5060"),
                    ("contact", "sip:192.0.2.11"),
                ],
            ),
            obj(
                PjsipKind::Identify,
                "carrier-identify",
                &[("match", "198.51.100.0/255.255.255.0")],
            ),
        ];
        let got: Vec<String> = peer_targets(&objects)
            .into_iter()
            .map(|(t, p)| format!("{t:?} {p}"))
            .collect();
        assert_eq!(
            got,
            vec![
                "Name(\"carrier.example\") trunk host (PJSIP registration 'carrier-reg')",
                "Net(192.0.2.10/32) trunk host (PJSIP aor 'carrier')",
                "Net(192.0.2.11/32) trunk host (PJSIP aor 'carrier')",
                "Net(198.51.100.0/24) identify match (PJSIP identify 'carrier-identify')",
            ]
        );
    }
}
