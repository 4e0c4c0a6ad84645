//! `[whitelist]`: sources that are scored and reported but never banned: the admin's own
//! (loopback, this host, configured networks) and the addresses the PBX depends on (its
//! resolvers and gateways, its trunks and identified peers), which a forged packet must never
//! get banned.

use std::time::Duration;

use ipnet::IpNet;

use super::keys::{KeyDef, key, list_key};
use super::values::{parse_bool, parse_duration, parse_net};

#[derive(Debug, Clone, PartialEq)]
pub struct WhitelistConfig {
    /// 127.0.0.0/8 and ::1.
    pub loopback: bool,
    /// Every address configured on this host's interfaces.
    pub host_addresses: bool,
    pub networks: Vec<IpNet>,
    /// The name servers in /etc/resolv.conf.
    pub resolvers: bool,
    /// The default gateways (IPv4 and IPv6).
    pub gateways: bool,
    /// The hosts of PJSIP outbound registrations, static AOR contacts (trunks), and what
    /// PJSIP `identify` sections match.
    pub pjsip: bool,
    /// How often host addresses, resolvers, gateways and the PJSIP peers are read again (and
    /// trunk host names resolved again); also at every load and reload.
    pub refresh_interval: Duration,
}

impl Default for WhitelistConfig {
    fn default() -> Self {
        WhitelistConfig {
            loopback: true,
            host_addresses: true,
            networks: Vec::new(),
            resolvers: true,
            gateways: true,
            pjsip: true,
            refresh_interval: Duration::from_secs(60),
        }
    }
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        key!("whitelist", "loopback", whitelist.loopback, parse_bool),
        key!(
            "whitelist",
            "host_addresses",
            whitelist.host_addresses,
            parse_bool
        ),
        list_key("whitelist", "network", |c, v| {
            let net = parse_net(v)?;
            c.whitelist.networks.push(net);
            Ok(())
        }),
        key!("whitelist", "resolvers", whitelist.resolvers, parse_bool),
        key!("whitelist", "gateways", whitelist.gateways, parse_bool),
        key!("whitelist", "pjsip", whitelist.pjsip, parse_bool),
        key!(
            "whitelist",
            "refresh_interval",
            whitelist.refresh_interval,
            parse_duration
        ),
    ]
}
