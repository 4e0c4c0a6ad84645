//! `[firewall]`: which kernel firewall carries the bans.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::keys::{KeyDef, key};
use super::values::{parse_duration, show_as_written};

/// How bans reach the kernel. `Off` is the one encoding of "no firewall": bans are decided,
/// logged and kept in the ledger, and the kernel is left alone (for hosts where another tool
/// owns the firewall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallBackend {
    /// Our own nf_tables netlink messages (the default).
    Nftables,
    /// libnftables.so.1, loaded at run time.
    Libnftables,
    Off,
}

impl fmt::Display for FirewallBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FirewallBackend::Nftables => "nftables",
            FirewallBackend::Libnftables => "libnftables",
            FirewallBackend::Off => "none",
        })
    }
}

impl FromStr for FirewallBackend {
    type Err = String;

    fn from_str(v: &str) -> Result<Self, String> {
        match v.to_ascii_lowercase().as_str() {
            "nftables" => Ok(FirewallBackend::Nftables),
            "libnftables" => Ok(FirewallBackend::Libnftables),
            "none" => Ok(FirewallBackend::Off),
            // nftables sets do all an ipset would (timeouts, IPv4 and IPv6, networks) and the
            // drop rule would need nftables or iptables anyway: no second mechanism to keep.
            _ => Err(
                "nftables, libnftables or none (ipset is not built: nftables sets do what it would)"
                    .to_owned(),
            ),
        }
    }
}

show_as_written!(FirewallBackend);

#[derive(Debug, Clone, PartialEq)]
pub struct FirewallConfig {
    pub backend: FirewallBackend,
    /// Name of our nftables table (family inet).
    pub table: String,
    /// How often a failing firewall is retried and our table checked for tampering.
    pub check_interval: Duration,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        FirewallConfig {
            backend: FirewallBackend::Nftables,
            table: "secast".to_owned(),
            check_interval: Duration::from_secs(5),
        }
    }
}

fn parse_table_name(v: &str) -> Result<String, String> {
    let ok =
        !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(v.to_owned())
    } else {
        Err("a name of letters, digits and _, at most 32".to_owned())
    }
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        key!("firewall", "backend", firewall.backend, |v: &str| {
            v.parse::<FirewallBackend>()
        }),
        key!("firewall", "table", firewall.table, parse_table_name),
        key!(
            "firewall",
            "check_interval",
            firewall.check_interval,
            parse_duration
        ),
    ]
}
