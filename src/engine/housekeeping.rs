//! Housekeeping on the clock: bans that ended, bans that came to cover a protected address,
//! the alert summary, offences past the history window, sources and accounts idle for longer
//! than any rule looks back, and eviction by least value when the source table is full.

use std::net::IpAddr;

use super::Engine;
use super::changes::Change;
use super::rules::window_ms;
use super::source_state::SourceState;
use crate::decision::{Action, Alert, RuleId, UnbanReason};
use crate::util::time::{Millis, secs};

/// How often idle sources, accounts and old offences are swept out.
const SWEEP_EVERY_MS: Millis = 60_000;

/// What keeping a source is worth when its table is full, as an eviction key: the lowest
/// keys go first.
///
/// In order of weight:
/// 1. a live registration (a SuccessfulAuth within `registered_lifetime`): the office NAT
///    whose allowance must not be lost, and which a forged packet cannot earn;
/// 2. the evidence against it: the most events any counting rule still holds for it in its
///    window (failures in the brute-force and day-long slow-attack windows, unanswered
///    challenges, distinct unknown accounts);
/// 3. its risk score; 4. when it was last seen.
///
/// So a source with k counted events outlasts any number of sources with fewer: a flood of
/// forged new sources, one packet each, evicts its own kind and never a slow attacker with
/// several failures on its count. To displace that attacker a forger must send more than k
/// events per forged source, and at a rule's threshold each forged source is banned.
fn retention_key(e: &Engine, key: IpAddr, st: &SourceState, now: Millis) -> u64 {
    let cfg = &e.cfg;
    let w = |rule: RuleId| window_ms(cfg.rules.of(rule).window);
    let mut evidence = st
        .brute
        .current(now, w(RuleId::BruteForce))
        .max(st.slow.current(now, w(RuleId::SlowAttack)))
        .max(st.ami.current(now, w(RuleId::Ami)))
        .max(st.flood.current(now, w(RuleId::ChallengeFlood)));
    if let Some(t) = e.enumerating.get(&key) {
        evidence = evidence.max(t.current(now, w(RuleId::Enumeration)) as u32);
    }
    let lifetime = u32::try_from(cfg.general.registered_lifetime.as_secs()).unwrap_or(u32::MAX);
    let registered = u64::from(st.is_registered(secs(now), lifetime));
    let risk = u64::from(st.risk.score(now, cfg.general.risk_half_life).min(127));
    // registered (1 bit) | evidence (16 bits, saturated) | risk (7 bits) | last seen (32)
    (registered << 62)
        | (u64::from(evidence.min(0xffff)) << 39)
        | (risk << 32)
        | u64::from(st.last_seen)
}

impl Engine {
    /// Ended bans and lifted ones now; the alert summary once per alert interval; the sweep
    /// of idle state once a minute.
    pub fn tick(&mut self, now: Millis) -> Vec<Action> {
        let mut actions: Vec<Action> = self
            .bans
            .take_expired(now)
            .into_iter()
            .map(|ban| Action::Unban {
                ban,
                why: UnbanReason::Expired,
            })
            .collect();
        if self.publishing {
            for a in &actions {
                if let Action::Unban { ban, .. } = a {
                    self.changes.push(Change::Unbanned(ban.net));
                }
            }
        }
        if std::mem::take(&mut self.lift_due) {
            actions.extend(self.lift_protected_bans());
        }
        let interval = self.cfg.general.alert_interval;
        for s in self.limiter.summary(now, window_ms(interval)) {
            let a = Alert {
                rule: s.rule,
                ip: None,
                account: None,
                message: format!(
                    "{} {} alerts suppressed in the last {} (one per source or account and {} is sent)",
                    s.alerts,
                    s.rule,
                    crate::util::duration::format(interval),
                    crate::util::duration::format(interval)
                ),
                at: now,
            };
            actions.push(Action::Alert(self.record_alert(a)));
        }
        // The sweep below visits every tracked source: once a minute, not on every tick.
        if now.saturating_sub(self.last_sweep) < SWEEP_EVERY_MS {
            return actions;
        }
        self.last_sweep = now;
        self.logins
            .sweep(now, window_ms(self.cfg.sensor.remove_contacts_within));
        self.profiles.sweep(now);
        let from = now.saturating_sub(window_ms(self.cfg.escalation.history));
        self.offences.retain(|_, v| {
            v.retain(|t| *t >= from);
            !v.is_empty()
        });
        // A source idle for longer than every window has nothing left to count.
        let longest = RuleId::ALL
            .iter()
            .map(|r| window_ms(self.cfg.rules.of(*r).window))
            .max()
            .unwrap_or(0)
            .max(window_ms(self.cfg.general.risk_half_life).saturating_mul(8))
            .max(window_ms(self.cfg.general.registered_lifetime));
        let before = self.ips.len();
        let publishing = self.publishing;
        let changes = &mut self.changes;
        self.ips.retain(|key, st| {
            let keep = now.saturating_sub(Millis::from(st.last_seen) * 1000) < longest;
            if !keep && st.published && publishing {
                changes.push(Change::SourceGone(*key));
            }
            keep
        });
        let ips = &self.ips;
        self.enumerating.retain(|key, _| ips.contains_key(key));
        self.counters.evicted_ips += (before - self.ips.len()) as u64;
        self.accounts.retain(|name, a| {
            let keep = now.saturating_sub(a.last_seen) < longest;
            if !keep && a.published && publishing {
                changes.push(Change::AccountGone(name.clone()));
            }
            keep
        });
        actions
    }

    /// The source table is full: forget the tenth worth least ([`retention_key`]: least
    /// evidence against it, then lowest risk, then idlest; live registrations last). One
    /// scan of the table per tenth of it, so amortised O(10) per new source: at 1M sources a
    /// scan takes tens of milliseconds, once per 100k new sources.
    pub(super) fn evict_least_valuable(&mut self, now: Millis) {
        let mut order: Vec<(u64, IpAddr)> = self
            .ips
            .iter()
            .map(|(key, st)| (retention_key(self, *key, st, now), *key))
            .collect();
        let drop = (order.len() / 10).max(1);
        order.select_nth_unstable(drop - 1);
        for (_, key) in order.iter().take(drop) {
            if let Some(st) = self.ips.remove(key)
                && st.published
                && self.publishing
            {
                self.changes.push(Change::SourceGone(*key));
            }
            self.enumerating.remove(key);
        }
        self.counters.evicted_ips += drop as u64;
    }
}
