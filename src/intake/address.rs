//! The address strings of security events: `IPV4/UDP/203.0.113.5/5060`,
//! `IPV6/TCP/2001:db8::5/5061`, `IPV6/fe80::1%eth0/5060` (no brackets, transport optional).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::util::net::canonical_ip;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Transport {
    fn from_token(s: &str) -> Option<Transport> {
        Some(match s {
            "UDP" => Transport::Udp,
            "TCP" => Transport::Tcp,
            "TLS" => Transport::Tls,
            "WS" => Transport::Ws,
            "WSS" => Transport::Wss,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }
}

/// One end of the exchange that raised an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndpointAddr {
    /// Canonical: an IPv4-mapped IPv6 address is stored as IPv4 so that a source has one key.
    pub ip: IpAddr,
    pub port: u16,
    pub transport: Option<Transport>,
    /// Zone of a link-local IPv6 address (`%eth0`), kept for display only.
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressError;

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an Asterisk address string")
    }
}

impl EndpointAddr {
    pub fn parse(s: &str) -> Result<EndpointAddr, AddressError> {
        let (family, rest) = s.split_once('/').ok_or(AddressError)?;
        let want_v6 = match family {
            "IPV4" => false,
            "IPV6" => true,
            _ => return Err(AddressError),
        };
        // The transport segment is absent when Asterisk's transport value is 0 or several bits.
        let (transport, rest) = match rest.split_once('/') {
            Some((token, tail)) => match Transport::from_token(token) {
                Some(t) => (Some(t), tail),
                None => (None, rest),
            },
            None => return Err(AddressError),
        };
        // The port is after the last '/'; an IPv6 address contains ':' but never '/'.
        let (host, port) = rest.rsplit_once('/').ok_or(AddressError)?;
        let port: u16 = port.parse().map_err(|_| AddressError)?;
        let (host, scope) = match host.split_once('%') {
            Some((h, zone)) if want_v6 && !zone.is_empty() => (h, Some(zone.to_owned())),
            Some(_) => return Err(AddressError),
            None => (host, None),
        };
        let ip: IpAddr = if want_v6 {
            IpAddr::V6(host.parse::<Ipv6Addr>().map_err(|_| AddressError)?)
        } else {
            IpAddr::V4(host.parse().map_err(|_| AddressError)?)
        };
        Ok(EndpointAddr {
            ip: canonical_ip(ip),
            port,
            transport,
            scope,
        })
    }
}

impl fmt::Display for EndpointAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = self.transport {
            write!(f, "{}:", t.name())?;
        }
        match (self.ip, &self.scope) {
            (IpAddr::V6(v6), Some(zone)) => write!(f, "[{v6}%{zone}]:{}", self.port),
            (IpAddr::V6(v6), None) => write!(f, "[{v6}]:{}", self.port),
            (IpAddr::V4(v4), _) => write!(f, "{v4}:{}", self.port),
        }
    }
}
