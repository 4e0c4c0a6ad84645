//! A lock-free log-linear histogram of durations in nanoseconds, for the callback cost
//! (recorded on Asterisk's thread, so no lock) and the callback-to-processed latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Eight sub-buckets per power of two: percentiles are within 12.5 %.
const SUB_BITS: u32 = 3;
const SUB: u64 = 1 << SUB_BITS;
/// Exact buckets for 0..16 ns, then 8 per octave up to 2^48 ns (~3 days).
const BUCKETS: usize = 16 + (48 - 4) * SUB as usize;

pub struct Histogram {
    buckets: Box<[AtomicU64]>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

fn bucket_of(ns: u64) -> usize {
    if ns < 16 {
        return ns as usize;
    }
    let octave = 63 - ns.leading_zeros(); // >= 4
    let sub = (ns >> (octave - SUB_BITS)) & (SUB - 1);
    let idx = 16 + (octave as usize - 4) * SUB as usize + sub as usize;
    idx.min(BUCKETS - 1)
}

/// The largest value that falls in bucket `idx`.
fn upper_bound(idx: usize) -> u64 {
    if idx < 16 {
        return idx as u64;
    }
    let octave = (idx - 16) / SUB as usize + 4;
    let sub = ((idx - 16) % SUB as usize) as u64;
    let base = 1u64 << octave;
    let step = base >> SUB_BITS;
    base + (sub + 1) * step - 1
}

impl Histogram {
    pub fn record(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(ns)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// The upper bound of the bucket holding the `q` quantile (0.0..=1.0), or None when empty.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (idx, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(upper_bound(idx));
            }
        }
        Some(upper_bound(BUCKETS - 1))
    }
}
