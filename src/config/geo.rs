//! `[geo]`: geofencing, evaluated in-process on a source's first contact and on every
//! successful login, never expanded into firewall rules.

use ipnet::IpNet;

use super::keys::{KeyDef, key, list_key};
use super::values::{
    parse_allow_deny, parse_bool, parse_duration, parse_net, parse_path, show_as_written,
};
use crate::lookups::geo::{GeoAction, parse_rule};

show_as_written!(GeoAction);

#[derive(Debug, Clone, PartialEq)]
pub struct GeoConfig {
    /// A MaxMind (GeoIP2/GeoLite2 Country or City) or ip-location-db `.mmdb`; empty: off.
    pub database: String,
    /// Memory-map the database instead of reading it into memory. Saves the file's size in
    /// heap, but the file must then only ever be replaced by renaming a new one over it:
    /// rewriting a mapped file in place (`cp` over it) makes the next lookup fault (SIGBUS).
    pub mmap: bool,
    /// What happens to a source no rule matches.
    pub default_allow: bool,
    /// What a deny rule without its own `action=` does.
    pub action: GeoAction,
    /// `allow` / `deny` lines in file order, validated when read (see `geo::parse_rule`).
    pub rules: Vec<(bool, String)>,
    /// Sources never geo-blocked; empty means loopback, private and link-local ranges.
    pub local_networks: Vec<IpNet>,
}

impl Default for GeoConfig {
    fn default() -> Self {
        GeoConfig {
            database: String::new(),
            mmap: false,
            default_allow: true,
            action: GeoAction::Ban,
            rules: Vec::new(),
            local_networks: Vec::new(),
        }
    }
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        key!("geo", "database", geo.database, parse_path),
        key!("geo", "mmap", geo.mmap, parse_bool),
        key!("geo", "default", geo.default_allow, parse_allow_deny),
        key!("geo", "action", geo.action, |v: &str| v
            .parse::<GeoAction>()),
        key!("geo", "ban", rules.geo.ban, parse_duration),
        list_key("geo", "allow", |c, v| {
            parse_rule(true, v, c.geo.action)?;
            c.geo.rules.push((true, v.to_owned()));
            Ok(())
        }),
        list_key("geo", "deny", |c, v| {
            parse_rule(false, v, c.geo.action)?;
            c.geo.rules.push((false, v.to_owned()));
            Ok(())
        }),
        list_key("geo", "local_network", |c, v| {
            let net = parse_net(v)?;
            c.geo.local_networks.push(net);
            Ok(())
        }),
    ]
}
