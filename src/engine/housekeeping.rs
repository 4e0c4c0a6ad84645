//! Housekeeping on the clock: bans that ended, offences past the history window, sources and
//! accounts idle for longer than any rule looks back, and eviction when the table is full.

use std::net::IpAddr;

use super::Engine;
use super::rules::window_ms;
use crate::decision::{Action, RuleId, UnbanReason};
use crate::util::time::{Millis, Secs};

/// How often idle sources, accounts and old offences are swept out.
const SWEEP_EVERY_MS: Millis = 60_000;

impl Engine {
    /// Ended bans now; the sweep of idle state once a minute.
    pub fn tick(&mut self, now: Millis) -> Vec<Action> {
        let actions: Vec<Action> = self
            .bans
            .take_expired(now)
            .into_iter()
            .map(|ban| Action::Unban {
                ban,
                why: UnbanReason::Expired,
            })
            .collect();
        // The sweep below visits every tracked source: once a minute, not on every tick.
        if now - self.last_sweep < SWEEP_EVERY_MS {
            return actions;
        }
        self.last_sweep = now;
        let from = now - window_ms(self.cfg.escalation.history);
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
            .max(window_ms(self.cfg.general.risk_half_life) * 8);
        let before = self.ips.len();
        self.ips
            .retain(|_, st| now - Millis::from(st.last_seen) * 1000 < longest);
        let ips = &self.ips;
        self.enumerating.retain(|ip, _| ips.contains_key(ip));
        self.counters.evicted_ips += (before - self.ips.len()) as u64;
        self.accounts.retain(|_, a| now - a.last_seen < longest);
        actions
    }

    /// Over the memory limit: forget the tenth of sources seen longest ago (amortised, so one
    /// new source does not cost a scan each).
    pub(super) fn evict_idlest(&mut self) {
        let mut ages: Vec<(Secs, IpAddr)> =
            self.ips.iter().map(|(ip, s)| (s.last_seen, *ip)).collect();
        let drop = (ages.len() / 10).max(1);
        ages.select_nth_unstable(drop - 1);
        for (_, ip) in ages.iter().take(drop) {
            self.ips.remove(ip);
            self.enumerating.remove(ip);
        }
        self.counters.evicted_ips += drop as u64;
    }
}
