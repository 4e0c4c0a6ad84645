//! The geofence decision for one source: local, unknown, allowed or denied, and by which rule.
//! Pure: the caller looks the address up and acts on the verdict.

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use ipnet::IpNet;

use super::info::GeoInfo;
use super::rule::{GeoAction, GeoRule};
use crate::util::net::canonical_ip;

/// The outcome of [`GeoPolicy::evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeoVerdict {
    /// The source is on the local-network list: never geo-blocked.
    Local,
    /// No database, no record, or a record without a location: the caller lets the source
    /// through and says why.
    Unknown,
    /// Allowed by the named rule (its text), or by the default policy (None).
    Allowed { rule: Option<String> },
    /// Denied by the named rule, or by the default policy (None); `action` says what to do.
    Denied {
        rule: Option<String>,
        action: GeoAction,
    },
}

impl GeoVerdict {
    /// Whether the source must be refused (only [`GeoVerdict::Denied`]).
    pub fn is_denied(&self) -> bool {
        matches!(self, GeoVerdict::Denied { .. })
    }
}

impl fmt::Display for GeoVerdict {
    /// `denied by deny country:RU action=ban`, `allowed by the default policy`, …: for logs,
    /// alerts and `secast show ip`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoVerdict::Local => f.write_str("local network, never geo-blocked"),
            GeoVerdict::Unknown => f.write_str("location unknown, allowed"),
            GeoVerdict::Allowed { rule: Some(rule) } => write!(f, "allowed by {rule}"),
            GeoVerdict::Allowed { rule: None } => f.write_str("allowed by the default policy"),
            GeoVerdict::Denied {
                rule: Some(rule), ..
            } => write!(f, "denied by {rule}"),
            GeoVerdict::Denied { rule: None, action } => {
                write!(f, "denied by the default policy (action={action})")
            }
        }
    }
}

/// Counts of the verdicts no rule gave, for `secast show geo`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeoOutcomes {
    pub local: u64,
    pub unknown: u64,
    pub default_allowed: u64,
    pub default_denied: u64,
}

#[derive(Debug)]
struct Entry {
    rule: GeoRule,
    /// The rule's display text, made once: verdicts and `hits` hand it out.
    text: String,
    hits: AtomicU64,
}

/// The configured geofence: rules in evaluation order, the default policy and the local
/// networks. Shared by every thread; only the hit counters change after construction.
///
/// Evaluation: a source on a local network is [`GeoVerdict::Local`]; a source without a known
/// location is [`GeoVerdict::Unknown`]. Otherwise the rules limited to the source's account
/// are tried first, then the rules for everyone; within each group the most specific matching
/// rule wins (city, then subdivision, then country, then continent) and at equal specificity
/// an allow rule beats a deny rule. When nothing matches, the default policy decides.
#[derive(Debug)]
pub struct GeoPolicy {
    rules: Vec<Entry>,
    default_allow: bool,
    default_action: GeoAction,
    local_networks: Vec<IpNet>,
    local: AtomicU64,
    unknown: AtomicU64,
    default_allowed: AtomicU64,
    default_denied: AtomicU64,
}

impl GeoPolicy {
    /// A policy over `rules` (any order: they are sorted into evaluation order here, keeping
    /// the given order among equals). `default_action` is what a default deny does.
    pub fn new(
        rules: Vec<GeoRule>,
        default_allow: bool,
        default_action: GeoAction,
        local_networks: Vec<IpNet>,
    ) -> GeoPolicy {
        let mut rules: Vec<Entry> = rules
            .into_iter()
            .map(|rule| Entry {
                text: rule.to_string(),
                rule,
                hits: AtomicU64::new(0),
            })
            .collect();
        // First match wins during evaluation, so the order encodes the precedence: account
        // rules, then narrower targets, then allow before deny.
        rules.sort_by_key(|e| {
            (
                e.rule.account.is_none(),
                std::cmp::Reverse(e.rule.target.specificity()),
                !e.rule.allow,
            )
        });
        GeoPolicy {
            rules,
            default_allow,
            default_action,
            local_networks: local_networks.into_iter().map(|n| n.trunc()).collect(),
            local: AtomicU64::new(0),
            unknown: AtomicU64::new(0),
            default_allowed: AtomicU64::new(0),
            default_denied: AtomicU64::new(0),
        }
    }

    /// Loopback, the private and carrier-grade NAT ranges, and link-local, IPv4 and IPv6:
    /// the sources a PBX's own phones use, which no database places anywhere useful.
    pub fn default_local_networks() -> Vec<IpNet> {
        [
            "127.0.0.0/8",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "169.254.0.0/16",
            "::1/128",
            "fc00::/7",
            "fe80::/10",
        ]
        .into_iter()
        .map(|n| n.parse().expect("built-in network"))
        .collect()
    }

    /// The verdict for a source `ip` (IPv4-mapped IPv6 counts as IPv4), authenticating as
    /// `account` if known, located at `info` (None: no database or no record).
    pub fn evaluate(
        &self,
        ip: IpAddr,
        account: Option<&str>,
        info: Option<&GeoInfo>,
    ) -> GeoVerdict {
        self.decide(ip, account, info, true)
    }

    /// The same verdict without counting it, for reports (`secast show ip`, `SECAST_GEO`).
    pub fn evaluate_quietly(
        &self,
        ip: IpAddr,
        account: Option<&str>,
        info: Option<&GeoInfo>,
    ) -> GeoVerdict {
        self.decide(ip, account, info, false)
    }

    fn decide(
        &self,
        ip: IpAddr,
        account: Option<&str>,
        info: Option<&GeoInfo>,
        count: bool,
    ) -> GeoVerdict {
        let bump = |c: &AtomicU64| {
            if count {
                c.fetch_add(1, Ordering::Relaxed);
            }
        };
        let ip = canonical_ip(ip);
        if self.local_networks.iter().any(|net| net.contains(&ip)) {
            bump(&self.local);
            return GeoVerdict::Local;
        }
        let Some(info) = info.filter(|i| i.has_location()) else {
            bump(&self.unknown);
            return GeoVerdict::Unknown;
        };
        let applies = |e: &&Entry| match &e.rule.account {
            Some(only) => account == Some(only.as_str()),
            None => true,
        };
        if let Some(e) = self
            .rules
            .iter()
            .filter(applies)
            .find(|e| e.rule.target.matches(info))
        {
            bump(&e.hits);
            let rule = Some(e.text.clone());
            return if e.rule.allow {
                GeoVerdict::Allowed { rule }
            } else {
                GeoVerdict::Denied {
                    rule,
                    action: e.rule.action,
                }
            };
        }
        if self.default_allow {
            bump(&self.default_allowed);
            GeoVerdict::Allowed { rule: None }
        } else {
            bump(&self.default_denied);
            GeoVerdict::Denied {
                rule: None,
                action: self.default_action,
            }
        }
    }

    /// Each rule's text and how many verdicts it gave, in evaluation order.
    pub fn hits(&self) -> Vec<(String, u64)> {
        self.rules
            .iter()
            .map(|e| (e.text.clone(), e.hits.load(Ordering::Relaxed)))
            .collect()
    }

    /// How many verdicts came from the local list, an unknown location, or the default.
    pub fn outcomes(&self) -> GeoOutcomes {
        GeoOutcomes {
            local: self.local.load(Ordering::Relaxed),
            unknown: self.unknown.load(Ordering::Relaxed),
            default_allowed: self.default_allowed.load(Ordering::Relaxed),
            default_denied: self.default_denied.load(Ordering::Relaxed),
        }
    }

    /// The rules in evaluation order, numbered, then the default and the local networks.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (i, e) in self.rules.iter().enumerate() {
            out.push_str(&format!("{:>3}. {}\n", i + 1, e.text));
        }
        if self.rules.is_empty() {
            out.push_str("  (no rules)\n");
        }
        if self.default_allow {
            out.push_str("default: allow\n");
        } else {
            out.push_str(&format!("default: deny action={}\n", self.default_action));
        }
        let locals: Vec<String> = self.local_networks.iter().map(|n| n.to_string()).collect();
        out.push_str(&format!("local (never blocked): {}\n", locals.join(" ")));
        out
    }
}
