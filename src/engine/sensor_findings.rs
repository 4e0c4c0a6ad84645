//! What the PJSIP sensor saw before authentication, told to the engine so that it decides the
//! ban (through [`super::bans`], like every other ban): a scanner's User-Agent, a request
//! flood, a first request the blocklist or the geo policy denies. The sensor has already
//! dropped the request; the engine confirms, bans (or spares a protected or registered
//! source, with an alert), and the published view lets the sensor drop the rest.

use std::net::IpAddr;
use std::sync::Arc;

use super::Engine;
use super::alert_limiter::AlertKey;
use super::rules::first_contact;
use super::source_key::source_key;
use crate::config::Config;
use crate::decision::{Action, RuleId};
use crate::lookups::Lookups;
use crate::util::escape::for_log;
use crate::util::net::canonical_ip;
use crate::util::time::{Millis, secs};

/// One thing the sensor found about a source.
#[derive(Debug, Clone, PartialEq)]
pub enum SensorFinding {
    /// The User-Agent matched this `[scanner]` pattern.
    Scanner { pattern: Arc<str> },
    /// More than `[request_flood] threshold` requests within one second (`count` so far).
    Flood { count: u32 },
    /// The first request was denied by the blocklist or the geo policy; `account` is the
    /// From user it claimed (checked against the account's own geo rules).
    FirstContact { account: Option<Box<str>> },
}

/// The first-contact verdict that bans, for the sensor to drop the request in line: the rule
/// and its reason. The engine asks the same question again when told.
pub fn first_contact_denial(
    cfg: &Config,
    lookups: &Lookups,
    ip: IpAddr,
    account: Option<&str>,
) -> Option<(RuleId, String)> {
    first_contact::denial(cfg, lookups, canonical_ip(ip), account).map(|t| (t.rule, t.reason))
}

impl Engine {
    /// Decides what a sensor finding about `ip` earns.
    pub fn on_sensor_finding(
        &mut self,
        ip: IpAddr,
        finding: &SensorFinding,
        now: Millis,
    ) -> Vec<Action> {
        let ip = canonical_ip(ip);
        if self.bans.covering(ip).is_some() {
            self.counters.events_from_banned += 1;
            return Vec::new();
        }
        let cfg = self.cfg.clone();
        let key = source_key(ip, cfg.general.ipv6_prefix);
        let (rule, reason) = match finding {
            SensorFinding::Scanner { pattern } => {
                if !cfg.rules.scanner.enabled {
                    return Vec::new();
                }
                (
                    RuleId::Scanner,
                    format!(
                        "scanner: User-Agent matches \"{}\" (first request, PJSIP sensor)",
                        for_log(pattern)
                    ),
                )
            }
            SensorFinding::Flood { count } => {
                let rule = &cfg.rules.request_flood;
                if !rule.enabled {
                    return Vec::new();
                }
                let lifetime =
                    u32::try_from(cfg.general.registered_lifetime.as_secs()).unwrap_or(u32::MAX);
                let registered = self
                    .ips
                    .get(&key)
                    .is_some_and(|st| st.is_registered(secs(now), lifetime));
                if registered {
                    // An office NAT with working phones: the excess was dropped, nobody is cut
                    // off. Said once per alert interval.
                    let message = format!(
                        "request_flood: {count} requests within 1s from {ip}, which has a live registration: excess dropped, not banned"
                    );
                    let key = AlertKey::Source(RuleId::RequestFlood, ip);
                    return self
                        .alert(key, ip, None, message, now)
                        .map(Action::Alert)
                        .into_iter()
                        .collect();
                }
                (
                    RuleId::RequestFlood,
                    format!(
                        "request_flood: more than {} requests within 1s before authentication ({count} counted)",
                        rule.threshold
                    ),
                )
            }
            SensorFinding::FirstContact { account } => {
                let lookups = self.lookups.clone();
                match first_contact::denial(&cfg, &lookups, ip, account.as_deref()) {
                    Some(t) => (t.rule, t.reason),
                    // The lists changed in between: nothing to do.
                    None => return Vec::new(),
                }
            }
        };
        let st = self.ips.entry(key).or_default();
        st.last_seen = secs(now);
        st.risk.add(rule, 100.0, now, cfg.general.risk_half_life);
        let actions = self.ban_for_rule(ip, key, rule, reason, now);
        self.publish_source(key);
        actions
    }
}
