//! Answered challenges in flight per source: requests carrying Authorization that the sensor
//! let through and whose outcome (SuccessfulAuth or a failure) the engine has not yet seen.
//! PJSIP checks the digest on its serializer thread, milliseconds after the monitor thread
//! handed the request on, so at 1000 attempts/s two or three answers are always between the
//! sensor and the engine: the sensor holds back those that would take a failing source past
//! its `brute_force` threshold (failures counted + in flight), and exactly the threshold is
//! processed.
//!
//! Lock-free, fixed size: [`SLOTS`] atomic slots packing the second of the last request
//! (32 bits) and the count (32 bits). A count whose last request is older than
//! [`STALE_SECS`] starts again (an answer whose outcome never comes — a stale nonce, a
//! dropped packet — holds back nothing for longer than that). Sources sharing a slot add up:
//! only over-counting, and it only matters for a source already failing.

use std::sync::atomic::{AtomicU64, Ordering};

use super::address_hash::AddressHasher;

pub const SLOTS: usize = 16_384;
pub const STALE_SECS: u32 = 2;
const RETRIES: usize = 8;

pub struct InFlight {
    slots: Box<[AtomicU64]>,
}

impl Default for InFlight {
    fn default() -> Self {
        InFlight {
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl InFlight {
    /// Nothing in flight (tables reused by the next sensor; see `tables.rs`).
    pub fn clear(&self) {
        for s in self.slots.iter() {
            s.store(0, Ordering::Relaxed);
        }
    }

    fn slot(&self, hasher: &AddressHasher, key: u128) -> &AtomicU64 {
        &self.slots[(hasher.hash_wide(key, 1) as usize) % SLOTS]
    }

    fn update(slot: &AtomicU64, f: impl Fn(u32, u32) -> (u32, u32)) -> u32 {
        let mut cur = slot.load(Ordering::Relaxed);
        for _ in 0..RETRIES {
            let (at, n) = f((cur >> 32) as u32, cur as u32);
            let next = (u64::from(at) << 32) | u64::from(n);
            match slot.compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return n,
                Err(seen) => cur = seen,
            }
        }
        cur as u32
    }

    /// One more answer in flight from the source `key` at second `sec`; the count with it.
    pub fn begin(&self, hasher: &AddressHasher, key: u128, sec: u32) -> u32 {
        Self::update(self.slot(hasher, key), |at, n| {
            let n = if sec.wrapping_sub(at) > STALE_SECS {
                0
            } else {
                n
            };
            (sec, n.saturating_add(1))
        })
    }

    /// One answer fewer in flight (its outcome arrived, or it was held back).
    pub fn end(&self, hasher: &AddressHasher, key: u128) {
        Self::update(self.slot(hasher, key), |at, n| (at, n.saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_and_down_and_forgets_stale_answers() {
        let t = InFlight::default();
        let h = AddressHasher::default();
        assert_eq!(t.begin(&h, 7, 100), 1);
        assert_eq!(t.begin(&h, 7, 100), 2);
        t.end(&h, 7);
        assert_eq!(t.begin(&h, 7, 101), 2);
        t.end(&h, 7);
        t.end(&h, 7);
        t.end(&h, 7);
        assert_eq!(t.begin(&h, 7, 101), 1, "never below zero");
        assert_eq!(t.begin(&h, 7, 104), 1, "a count 3 s old starts again");
    }
}
