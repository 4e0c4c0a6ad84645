//! What the call guard keeps per calling account: counters per limit, live calls, the
//! countries it has called, and when it last reported each finding (so that a flood of refused
//! calls raises one alert a minute, not one per call).

use super::counters::RuleCounters;
use crate::util::time::Secs;

/// Countries remembered per account for "first call to a new country".
pub const MAX_REGIONS: usize = 64;
/// Findings remembered for the alert rate limit.
const MAX_GATES: usize = 16;
/// One alert per account, limit, counter and level within this many seconds.
pub const ALERT_EVERY_SECS: u32 = 60;

#[derive(Debug, Default)]
pub struct AccountCalls {
    pub last_active: Secs,
    /// Slots held (checked or watched calls not yet ended).
    pub live: u32,
    pub calls: u64,
    pub denied: u64,
    pub counters: Vec<RuleCounters>,
    regions: Vec<u16>,
    gates: Vec<(u32, Secs)>,
}

impl AccountCalls {
    pub fn counters_mut(&mut self, rule: u32) -> &mut RuleCounters {
        match self.counters.iter().position(|c| c.rule == rule) {
            Some(i) => &mut self.counters[i],
            None => {
                // Exact growth: most accounts meet one or two limits, and a default growth of
                // four slots would double their size.
                self.counters.reserve_exact(1);
                self.counters.push(RuleCounters::new(rule));
                self.counters.last_mut().expect("just pushed")
            }
        }
    }

    pub fn counters(&self, rule: u32) -> Option<&RuleCounters> {
        self.counters.iter().find(|c| c.rule == rule)
    }

    pub fn has_called(&self, region: u16) -> bool {
        self.regions.contains(&region)
    }

    pub fn note_region(&mut self, region: u16) {
        if !self.regions.contains(&region) {
            if self.regions.len() >= MAX_REGIONS {
                self.regions.remove(0);
            }
            self.regions.reserve_exact(1);
            self.regions.push(region);
        }
    }

    pub fn regions(&self) -> &[u16] {
        &self.regions
    }

    /// Whether a finding with `key` may be reported now (and notes that it was).
    pub fn may_alert(&mut self, key: u32, now: Secs) -> bool {
        if let Some(g) = self.gates.iter_mut().find(|g| g.0 == key) {
            if now.saturating_sub(g.1) < ALERT_EVERY_SECS {
                return false;
            }
            g.1 = now;
            return true;
        }
        if self.gates.len() >= MAX_GATES {
            let oldest = self
                .gates
                .iter()
                .enumerate()
                .min_by_key(|(_, g)| g.1)
                .map_or(0, |(i, _)| i);
            self.gates.swap_remove(oldest);
        }
        self.gates.reserve_exact(1);
        self.gates.push((key, now));
        true
    }

    /// Heap bytes owned, for the memory figure.
    pub fn heap_bytes(&self) -> usize {
        self.counters.capacity() * std::mem::size_of::<RuleCounters>()
            + self
                .counters
                .iter()
                .map(RuleCounters::heap_bytes)
                .sum::<usize>()
            + self.regions.capacity() * 2
            + self.gates.capacity() * std::mem::size_of::<(u32, Secs)>()
    }
}
