//! `[whitelist]`: sources that are scored and reported but never banned.

use ipnet::IpNet;

use super::keys::{KeyDef, key, list_key};
use super::values::{parse_bool, parse_net};

#[derive(Debug, Clone, PartialEq)]
pub struct WhitelistConfig {
    /// 127.0.0.0/8 and ::1.
    pub loopback: bool,
    /// Every address configured on this host's interfaces.
    pub host_addresses: bool,
    pub networks: Vec<IpNet>,
}

impl Default for WhitelistConfig {
    fn default() -> Self {
        WhitelistConfig {
            loopback: true,
            host_addresses: true,
            networks: Vec::new(),
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
    ]
}
