//! `[cluster]`: several Asterisk servers sharing bans, failure counts, registrations and
//! device state through Redis. Off unless `url` is set: without the section nothing changes.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::keys::{KeyDef, key, list_key, secret};
use super::values::{parse_count, parse_duration, parse_path, show_as_written};

/// What this server shares with the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shares {
    pub bans: bool,
    pub failures: bool,
    pub registrations: bool,
    pub device_state: bool,
}

impl Shares {
    pub const ALL: Shares = Shares {
        bans: true,
        failures: true,
        registrations: true,
        device_state: true,
    };
    pub const NONE: Shares = Shares {
        bans: false,
        failures: false,
        registrations: false,
        device_state: false,
    };
}

impl fmt::Display for Shares {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.bans, "bans"),
            (self.failures, "failures"),
            (self.registrations, "registrations"),
            (self.device_state, "device_state"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n)
        .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

impl FromStr for Shares {
    type Err = String;

    fn from_str(v: &str) -> Result<Shares, String> {
        let mut s = Shares::NONE;
        for word in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word.to_ascii_lowercase().as_str() {
                "bans" => s.bans = true,
                "failures" => s.failures = true,
                "registrations" => s.registrations = true,
                "device_state" => s.device_state = true,
                "all" => s = Shares::ALL,
                "none" => {}
                _ => {
                    return Err(
                        "a list of bans, failures, registrations, device_state (or all, none)"
                            .to_owned(),
                    );
                }
            }
        }
        Ok(s)
    }
}

show_as_written!(Shares);

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// `redis://…`, `rediss://…` or `unix://…`; empty: no cluster.
    pub url: String,
    /// ACL user and password; when set they replace those of the URL.
    pub username: String,
    pub password: String,
    /// This server's name in the cluster; empty: Asterisk's `systemname`, else its entity ID.
    pub node: String,
    pub share: Shares,
    /// Every key and the channel start with this, so several clusters can share one Redis
    /// (and an ACL can confine us: `~secast:*`, `&secast:*`).
    pub key_prefix: String,
    pub tls_ca_file: String,
    pub tls_cert_file: String,
    pub tls_key_file: String,
    /// The name the server certificate must carry; empty: the URL's host.
    pub tls_server_name: String,
    /// Connecting, logging in and each command must finish within this.
    pub timeout: Duration,
    /// Bans and unbans waiting while Redis is away; beyond this the oldest is dropped (the
    /// resync on return republishes every ban in force anyway).
    pub queue_size: usize,
    /// Where other servers send calls for users registered here (`host:port` of a SIP
    /// transport they can reach); empty: not announced.
    pub sip_address: String,
    /// The local PJSIP endpoint that carries calls to another server's `sip_address`.
    pub trunk_endpoint: String,
    /// Per-node endpoints (`node: endpoint`), used instead of `sip_address` + `trunk_endpoint`.
    pub node_endpoints: Vec<(String, String)>,
    /// How often device states and registrations are written out in full.
    pub snapshot_interval: Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            url: String::new(),
            username: String::new(),
            password: String::new(),
            node: String::new(),
            share: Shares::ALL,
            key_prefix: "secast:".to_owned(),
            tls_ca_file: "/etc/ssl/certs/ca-certificates.crt".to_owned(),
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
            tls_server_name: String::new(),
            timeout: Duration::from_secs(2),
            queue_size: 10_000,
            sip_address: String::new(),
            trunk_endpoint: "secast-cluster".to_owned(),
            node_endpoints: Vec::new(),
            snapshot_interval: Duration::from_secs(30),
        }
    }
}

impl ClusterConfig {
    pub fn enabled(&self) -> bool {
        !self.url.is_empty()
    }

    /// The endpoint configured for `node`, if any.
    pub fn endpoint_for(&self, node: &str) -> Option<&str> {
        self.node_endpoints
            .iter()
            .find(|(n, _)| n == node)
            .map(|(_, e)| e.as_str())
    }
}

/// A node name: letters, digits and `_ . : -`, at most 64 (an entity ID fits).
pub fn valid_node_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
}

/// A PJSIP endpoint name as it can appear in a dial string.
pub fn valid_endpoint_name(s: &str) -> bool {
    (1..=80).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+'))
}

fn parse_url(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Ok(String::new());
    }
    let scheme = v.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("redis" | "rediss" | "unix") => Ok(v.to_owned()),
        _ => {
            Err("redis://, rediss:// or unix:// (checked in full when the link starts)".to_owned())
        }
    }
}

fn parse_node(v: &str) -> Result<String, String> {
    if v.is_empty() || valid_node_name(v) {
        Ok(v.to_owned())
    } else {
        Err("a name of letters, digits and _ . : - (at most 64)".to_owned())
    }
}

fn parse_prefix(v: &str) -> Result<String, String> {
    let ok = (1..=64).contains(&v.len())
        && v.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-' | b'{' | b'}')
        });
    if ok {
        Ok(v.to_owned())
    } else {
        Err("letters, digits and _ . : - { } (1 to 64), e.g. secast:".to_owned())
    }
}

fn parse_text(v: &str) -> Result<String, String> {
    if v.chars().any(char::is_control) || v.len() > 256 {
        Err("text without control characters (at most 256)".to_owned())
    } else {
        Ok(v.to_owned())
    }
}

/// `host:port` (an address, a bracketed IPv6 address or a name), or empty.
fn parse_sip_address(v: &str) -> Result<String, String> {
    if v.is_empty() || crate::util::net::valid_host_port(v) {
        Ok(v.to_owned())
    } else {
        Err("host:port, e.g. 198.51.100.12:5060 or [2001:db8::12]:5060".to_owned())
    }
}

fn parse_endpoint(v: &str) -> Result<String, String> {
    if valid_endpoint_name(v) {
        Ok(v.to_owned())
    } else {
        Err("a PJSIP endpoint name (letters, digits and _ . - +)".to_owned())
    }
}

fn parse_timeout(v: &str) -> Result<Duration, String> {
    parse_duration(v)
        .ok()
        .filter(|d| *d <= Duration::from_secs(60))
        .ok_or_else(|| "a duration from 1s to 60s".to_owned())
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        secret(key!("cluster", "url", cluster.url, parse_url)),
        key!("cluster", "username", cluster.username, parse_text),
        secret(key!("cluster", "password", cluster.password, parse_text)),
        key!("cluster", "node", cluster.node, parse_node),
        key!("cluster", "share", cluster.share, |v: &str| v
            .parse::<Shares>()),
        key!("cluster", "key_prefix", cluster.key_prefix, parse_prefix),
        key!("cluster", "tls_ca_file", cluster.tls_ca_file, parse_path),
        key!(
            "cluster",
            "tls_cert_file",
            cluster.tls_cert_file,
            parse_path
        ),
        key!("cluster", "tls_key_file", cluster.tls_key_file, parse_path),
        key!(
            "cluster",
            "tls_server_name",
            cluster.tls_server_name,
            parse_text
        ),
        key!("cluster", "timeout", cluster.timeout, parse_timeout),
        key!(
            "cluster",
            "queue_size",
            cluster.queue_size,
            |v| parse_count(v, 100, 1_000_000)
        ),
        key!(
            "cluster",
            "sip_address",
            cluster.sip_address,
            parse_sip_address
        ),
        key!(
            "cluster",
            "trunk_endpoint",
            cluster.trunk_endpoint,
            parse_endpoint
        ),
        list_key("cluster", "node_endpoint", |c, v| {
            let (node, endpoint) = v
                .split_once(':')
                .map(|(n, e)| (n.trim(), e.trim()))
                .filter(|(n, e)| valid_node_name(n) && valid_endpoint_name(e))
                .ok_or_else(|| "node: endpoint, e.g. nodeB: trunk-to-b".to_owned())?;
            c.cluster.node_endpoints.retain(|(n, _)| n != node);
            c.cluster
                .node_endpoints
                .push((node.to_owned(), endpoint.to_owned()));
            Ok(())
        }),
        key!(
            "cluster",
            "snapshot_interval",
            cluster.snapshot_interval,
            parse_duration
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_read_as_a_list_and_print_back() {
        let s: Shares = "bans, device_state".parse().unwrap();
        assert_eq!(
            s,
            Shares {
                bans: true,
                device_state: true,
                ..Shares::NONE
            }
        );
        assert_eq!(s.to_string(), "bans, device_state");
        assert_eq!("all".parse::<Shares>().unwrap(), Shares::ALL);
        assert_eq!("none".parse::<Shares>().unwrap().to_string(), "none");
        assert!("bans, lamps".parse::<Shares>().is_err());
    }

    #[test]
    fn a_bad_url_or_password_is_never_repeated_in_the_log() {
        use crate::config::{Config, ConfigEntry};
        let entries = [
            ConfigEntry::new("cluster", "url", "http://u:TopSecret@198.51.100.1"),
            ConfigEntry::new("cluster", "password", "Top\nSecret\x07"),
            ConfigEntry::new("cluster", "node_endpoint", "nodeB trunk"),
        ];
        let (cfg, issues) = Config::from_entries(&entries, &Config::default());
        assert_eq!(cfg.cluster.url, "");
        assert_eq!(issues.len(), 3, "{issues:?}");
        for issue in &issues[..2] {
            let text = issue.to_string();
            assert!(
                !text.contains("Secret") && text.contains("(hidden)"),
                "{text}"
            );
        }
        assert!(issues[2].to_string().contains("node: endpoint"));
    }

    #[test]
    fn node_names_are_plain_words() {
        assert!(valid_node_name("nodeB"));
        assert!(valid_node_name("02:00:00:00:5e:0b"));
        assert!(!valid_node_name(""));
        assert!(!valid_node_name("node B"));
        assert!(!valid_node_name("node@b"));
    }
}
