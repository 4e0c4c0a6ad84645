//! What the other servers of a cluster report, applied to this engine, and what this engine
//! contributes to them. The cluster's link validates everything before it gets here; the
//! decisions stay this engine's own:
//!
//! - a ban decided elsewhere is checked against *this* server's whitelist (no server can make
//!   another ban its own protected addresses), counts in the offence history (escalation is
//!   cluster-wide), and goes to the enforcer and the ledger like a local one;
//! - failures counted elsewhere are added to this source's windows, so that 3 guesses on each
//!   of 3 servers count 9 against the threshold; the ban, if one follows, is decided here by the
//!   rule's own threshold and escalation.
//!
//! The engine's per-event path is unchanged: it only marks which events are worth sharing
//! ([`Engine::failure_to_share`]); the link adds them up in batches.

use std::net::IpAddr;

use ipnet::IpNet;

use super::Engine;
use super::escalation;
use super::rules::{Trigger, is_failure, window_ms};
use super::source_key::{source_key, source_net};
use super::windows::hash32;
use crate::decision::{Action, Ban, RemoteFailures, RuleId};
use crate::intake::{EventKind, SecurityEvent};
use crate::util::net::canonical_ip;
use crate::util::time::{Millis, secs};

/// Most offences one source can be credited with from the cluster: far above any
/// `permanent_after`, and a bound on what a hostile entry can make us store.
const MAX_REMOTE_OFFENCES: u32 = 64;

/// One failure of this server worth telling the others about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalFailure {
    pub ip: IpAddr,
    /// A failed AMI login (the `ami` rule) rather than a SIP one (`brute_force`).
    pub ami: bool,
    /// The unknown AccountID tried, hashed as the enumeration rule hashes it.
    pub account: Option<u32>,
}

impl Engine {
    /// The failure in `ev` that the cluster should count too: None for events that are no
    /// failure, and for sources already banned (their packets are dropped anyway).
    pub fn failure_to_share(&self, ev: &SecurityEvent) -> Option<LocalFailure> {
        if !is_failure(ev.kind) {
            return None;
        }
        let ip = ev.source_ip();
        if self.bans.covering(ip).is_some() {
            return None;
        }
        let account = (ev.kind == EventKind::InvalidAccountId)
            .then(|| ev.named_account())
            .flatten()
            .map(|a| hash32(a.as_bytes()));
        Some(LocalFailure {
            ip,
            ami: ev.service.eq_ignore_ascii_case("AMI"),
            account,
        })
    }

    /// Failures another server counted for one source: added to this source's windows, and
    /// the ban if the sum reaches a rule's (escalated) threshold.
    pub fn add_remote_failures(&mut self, f: &RemoteFailures, now: Millis) -> Vec<Action> {
        let ip = canonical_ip(f.ip);
        if self.bans.covering(ip).is_some() {
            return Vec::new();
        }
        self.counters.remote_failures += u64::from(f.failures) + u64::from(f.ami_failures);
        let cfg = self.cfg.clone();
        // The same keys and history as the per-event path: an IPv6 source counts per prefix.
        let key = source_key(ip, cfg.general.ipv6_prefix);
        if self.ips.len() >= cfg.general.max_tracked_ips && !self.ips.contains_key(&key) {
            self.evict_least_valuable(now);
        }
        let earlier = self.earlier_offences(&source_net(key, cfg.general.ipv6_prefix), now);
        let mut trigger: Option<Trigger> = None;
        // Same order as the rules: enumeration explains a ban better than its failures do.
        if !f.accounts.is_empty() {
            let w = window_ms(cfg.rules.enumeration.window);
            // Remember as many distinct accounts as the (escalated) threshold needs, as the
            // per-event rule does.
            let cap =
                escalation::threshold(cfg.rules.enumeration.threshold, earlier, &cfg.escalation)
                    as usize;
            let tried = self.enumerating.entry(key).or_default();
            let before = tried.current(now, w);
            let mut n = before;
            for h in f.accounts.iter().take(cap) {
                n = tried.add(*h, now, w, cap);
            }
            if n > before {
                trigger = self.remote_reached(key, RuleId::Enumeration, n as u32, earlier, now);
            }
        }
        let st = self.ips.entry(key).or_default();
        st.last_seen = secs(now);
        let mut counted = Vec::new();
        if f.failures > 0 {
            let w = window_ms(cfg.rules.brute_force.window);
            counted.push((RuleId::BruteForce, st.brute.add_many(f.failures, now, w)));
        }
        if f.ami_failures > 0 {
            let w = window_ms(cfg.rules.ami.window);
            counted.push((RuleId::Ami, st.ami.add_many(f.ami_failures, now, w)));
        }
        let all = f.failures.saturating_add(f.ami_failures);
        if all > 0 {
            let w = window_ms(cfg.rules.slow_attack.window);
            counted.push((RuleId::SlowAttack, st.slow.add_many(all, now, w)));
        }
        for (rule, n) in counted {
            let t = self.remote_reached(key, rule, n, earlier, now);
            trigger = trigger.or(t);
        }
        let actions = match trigger {
            Some(t) => self.ban_for_rule(ip, key, t.rule, t.reason, now),
            None => Vec::new(),
        };
        self.publish_source(key);
        actions
    }

    /// The counting rules' threshold check (as `rules::reached`, without an event): risk for
    /// the source, and a trigger once the cluster-wide count reaches the escalated threshold.
    fn remote_reached(
        &mut self,
        ip: IpAddr,
        rule: RuleId,
        n: u32,
        earlier: u32,
        now: Millis,
    ) -> Option<Trigger> {
        let settings = self.cfg.rules.of(rule).clone();
        if !settings.enabled {
            return None;
        }
        let t = escalation::threshold(settings.threshold, earlier, &self.cfg.escalation);
        let half_life = self.cfg.general.risk_half_life;
        if let Some(st) = self.ips.get_mut(&ip) {
            st.risk.add(rule, 100.0 / t as f32, now, half_life);
        }
        (n >= t).then(|| Trigger {
            rule,
            reason: format!(
                "{rule}: {n} {} within {} across the cluster",
                rule.counts(),
                crate::util::duration::format(settings.window)
            ),
        })
    }

    /// A ban another server decided. Ok(Some) when it is now in force here; Ok(None) when it
    /// adds nothing (ended, or this server already holds that ban or a later one); Err when
    /// this server's whitelist protects (part of) the network.
    pub fn apply_remote_ban(&mut self, ban: Ban, now: Millis) -> Result<Option<Ban>, String> {
        let net = ban.net.trunc();
        if net.prefix_len() == 0 {
            self.counters.remote_refused += 1;
            return Err(format!(
                "refusing the cluster's ban of {net}: that is every address"
            ));
        }
        if let Some(p) = self.whitelist.protection_within(&net) {
            self.counters.remote_refused += 1;
            return Err(format!(
                "the cluster's ban of {net} ({}) not applied: it covers {p}",
                ban.origin.label()
            ));
        }
        self.note_offences(net, ban.offence, ban.since, now);
        if !ban.is_active(now) {
            return Ok(None);
        }
        if self
            .bans
            .get(&net)
            .is_some_and(|b| b.offence >= ban.offence)
        {
            return Ok(None);
        }
        if net.prefix_len() == net.max_prefix_len() {
            self.neighbours.record_offender(net.addr(), ban.since);
            // The failures that earned the ban elsewhere are part of the same attack.
            let key = source_key(net.addr(), self.cfg.general.ipv6_prefix);
            if let Some(st) = self.ips.get_mut(&key) {
                st.brute.reset();
                st.ami.reset();
                st.flood.reset();
                st.slow.reset();
            }
            self.enumerating.remove(&key);
        }
        let ban = Ban { net, ..ban };
        self.insert_ban(ban.clone());
        self.counters.remote_bans += 1;
        Ok(Some(ban))
    }

    /// Makes sure `net` has at least `count` offences in its history (the cluster says it was
    /// banned that often, the last time at `at`), so that escalation counts offences on any
    /// server.
    pub fn note_offences(&mut self, net: IpNet, count: u32, at: Millis, now: Millis) {
        let from = now - window_ms(self.cfg.escalation.history);
        if at < from || at > now.saturating_add(60_000) {
            return;
        }
        let list = self.offences.entry(net).or_default();
        let have = list.iter().filter(|t| **t >= from).count() as u32;
        for _ in have..count.min(MAX_REMOTE_OFFENCES) {
            list.push(at);
        }
    }
}
