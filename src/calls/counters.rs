//! One account's counters for one limit: call times for the sliding windows (exact to the
//! second), live calls, and the run of calls to the same number. Each account has its own, so
//! there is no shared "last number" between accounts.

use std::collections::VecDeque;

use super::policy::Rule;
use crate::util::time::Secs;

#[derive(Debug, Clone, Default)]
pub struct RuleCounters {
    /// Which limit (its key).
    pub rule: u32,
    /// The window occurrence the counts belong to (0: a limit without windows).
    occurrence: i64,
    /// Start times of recent calls, oldest first, at most `Rule::times_cap` of them.
    times: VecDeque<Secs>,
    /// Calls that hold a slot now. Never reset by time: only a release lowers it.
    pub concurrent: u32,
    last_number: u64,
    sequential: u32,
    last_call: Secs,
}

/// What the counters would read with one more call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    pub calls_per_minute: u32,
    pub concurrent: u32,
    pub sequential: u32,
    pub total: u32,
}

impl RuleCounters {
    pub fn new(rule: u32) -> RuleCounters {
        RuleCounters {
            rule,
            ..RuleCounters::default()
        }
    }

    /// Brings the counts to `now`: a new window occurrence restarts them; call times older than
    /// the rule looks back are dropped.
    pub fn roll(&mut self, rule: &Rule, occurrence: i64, now: Secs) {
        if occurrence != self.occurrence {
            self.occurrence = occurrence;
            self.times.clear();
            self.sequential = 0;
            self.last_number = 0;
        }
        let horizon = rule.horizon_secs();
        while self
            .times
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= horizon)
        {
            self.times.pop_front();
        }
        if now.saturating_sub(self.last_call) >= rule.interval_secs {
            self.sequential = 0;
        }
    }

    /// Calls that started less than `secs` before `now`.
    pub fn within(&self, now: Secs, secs: u32) -> u32 {
        let n = self
            .times
            .iter()
            .rev()
            .take_while(|t| now.saturating_sub(**t) < secs)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    pub fn next(&self, rule: &Rule, now: Secs, number: u64) -> Next {
        Next {
            calls_per_minute: self.within(now, 60).saturating_add(1),
            concurrent: self.concurrent.saturating_add(1),
            sequential: if self.sequential > 0 && self.last_number == number {
                self.sequential.saturating_add(1)
            } else {
                1
            },
            total: self.within(now, rule.interval_secs).saturating_add(1),
        }
    }

    /// Counts the call: its time, its number, and (with `slot`) one more live call.
    pub fn commit(&mut self, rule: &Rule, now: Secs, number: u64, slot: bool) {
        let next = self.next(rule, now, number);
        let cap = rule.times_cap();
        if cap > 0 {
            if self.times.len() >= cap {
                self.times.pop_front();
            } else if self.times.len() == self.times.capacity() {
                // Double, but never past the cap: a quiet account keeps one slot, not four.
                let len = self.times.len();
                self.times.reserve_exact(len.max(1).min(cap - len));
            }
            self.times.push_back(now);
        }
        self.sequential = next.sequential;
        self.last_number = number;
        self.last_call = now;
        if slot {
            self.concurrent = self.concurrent.saturating_add(1);
        }
    }

    /// One live call ended. False if there was none to end (which would be a bug: reported,
    /// never wrapped below zero).
    pub fn release(&mut self) -> bool {
        match self.concurrent.checked_sub(1) {
            Some(n) => {
                self.concurrent = n;
                true
            }
            None => false,
        }
    }

    /// Nothing live and nothing recent: the counters can go.
    pub fn is_idle(&self) -> bool {
        self.concurrent == 0 && self.times.is_empty() && self.sequential == 0
    }

    pub fn heap_bytes(&self) -> usize {
        self.times.capacity() * std::mem::size_of::<Secs>()
    }
}
