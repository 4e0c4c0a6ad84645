//! Counting within a time window, in a few bytes per source.
//!
//! A window opens at the first counted thing and closes `window` later; the count is exact
//! for a burst, which is what makes "banned on exactly the 5th failure" hold. A tumbling
//! window can split a slow burst across two windows; the slow-attack rule covers that case.

use crate::util::time::{Millis, Secs, secs};

fn elapsed_ms(start: Secs, now: Secs) -> Millis {
    Millis::from(now.saturating_sub(start)) * 1000
}

#[derive(Debug, Clone, Copy, Default)]
pub struct WindowCount {
    start: Secs,
    count: u32,
}

impl WindowCount {
    /// Counts one more at `now`; returns the count within the current window.
    pub fn add(&mut self, now: Millis, window_ms: Millis) -> u32 {
        let now = secs(now);
        if self.count == 0 || now < self.start || elapsed_ms(self.start, now) >= window_ms {
            self.start = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.count
    }

    /// Counts `n` more at `now` (another server's batch); returns the count in the window.
    pub fn add_many(&mut self, n: u32, now: Millis, window_ms: Millis) -> u32 {
        let now = secs(now);
        if self.count == 0 || now < self.start || elapsed_ms(self.start, now) >= window_ms {
            self.start = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(n);
        self.count
    }

    /// The count as of `now` (0 once the window has passed).
    pub fn current(&self, now: Millis, window_ms: Millis) -> u32 {
        if self.count == 0 || elapsed_ms(self.start, secs(now)) >= window_ms {
            0
        } else {
            self.count
        }
    }

    pub fn reset(&mut self) {
        self.count = 0;
    }
}

/// Which accounts a source failed against recently, reduced to the one question the
/// stolen-credential rule asks: "did it fail against an account other than this one?".
/// Nine bytes instead of a set.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecentAccounts {
    start: Secs,
    first: u32,
    seen: bool,
    several: bool,
}

impl RecentAccounts {
    pub fn add(&mut self, hash: u32, now: Millis, window_ms: Millis) {
        let now = secs(now);
        if !self.seen || now < self.start || elapsed_ms(self.start, now) >= window_ms {
            *self = RecentAccounts {
                start: now,
                first: hash,
                seen: true,
                several: false,
            };
        } else if hash != self.first {
            self.several = true;
        }
    }

    pub fn contains_other_than(&self, hash: u32, now: Millis, window_ms: Millis) -> bool {
        self.seen
            && elapsed_ms(self.start, secs(now)) < window_ms
            && (self.several || self.first != hash)
    }
}

/// Distinct things (account names, source addresses) within a window, remembered as 32-bit
/// hashes and capped: once `cap` are seen the rule has fired, so more need not be kept.
#[derive(Debug, Clone, Default)]
pub struct WindowDistinct {
    start: Millis,
    seen: Vec<u32>,
}

impl WindowDistinct {
    /// Adds `hash`; returns how many distinct hashes the window holds now.
    pub fn add(&mut self, hash: u32, now: Millis, window_ms: Millis, cap: usize) -> usize {
        if self.seen.is_empty() || now - self.start >= window_ms || now < self.start {
            self.start = now;
            self.seen.clear();
        }
        if !self.seen.contains(&hash) && self.seen.len() < cap {
            self.seen.push(hash);
        }
        self.seen.len()
    }

    pub fn current(&self, now: Millis, window_ms: Millis) -> usize {
        if now - self.start >= window_ms {
            0
        } else {
            self.seen.len()
        }
    }

    pub fn contains_other_than(&self, hash: u32, now: Millis, window_ms: Millis) -> bool {
        now - self.start < window_ms && self.seen.iter().any(|h| *h != hash)
    }

    pub fn reset(&mut self) {
        self.seen = Vec::new();
    }
}

/// FNV-1a: a stable, fast 32-bit hash for account names (no DoS concern: the sets are capped
/// at a few entries, so collisions cost nothing but an undercount by one).
pub fn hash32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}
