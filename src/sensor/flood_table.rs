//! Requests per second per source, counted on PJSIP's monitor thread without a lock and in a
//! fixed amount of memory, whatever the number of sources: a count-min sketch of two rows of
//! [`SLOTS`] atomic counters, each slot packing the second it counts (32 bits) and the count
//! (32 bits). A source's count is the smaller of its two slots.
//!
//! Two sources sharing a slot add up: a collision can only over-count, never hide a flood.
//! Both slots must collide for it to matter (each row has its own secret key), so with
//! 2 × 32,768 slots an innocent source is over-counted only when two flooders land on both its
//! slots in the same second. Memory: 2 × 32,768 × 8 bytes = 512 KiB.

use std::sync::atomic::{AtomicU64, Ordering};

use super::address_hash::AddressHasher;

pub const SLOTS: usize = 32_768;

/// CAS retries before a count is given up on (another thread counting in the same slot at
/// the same instant; PJSIP has one monitor thread, so this is never reached in practice).
const RETRIES: usize = 8;

pub struct FloodTable {
    rows: [Box<[AtomicU64]>; 2],
}

impl Default for FloodTable {
    fn default() -> Self {
        let row = || (0..SLOTS).map(|_| AtomicU64::new(0)).collect::<Box<[_]>>();
        FloodTable {
            rows: [row(), row()],
        }
    }
}

/// Counts one request in `slot` for second `sec`; the count after it.
fn bump(slot: &AtomicU64, sec: u32) -> u32 {
    let mut cur = slot.load(Ordering::Relaxed);
    for _ in 0..RETRIES {
        let (at, n) = ((cur >> 32) as u32, cur as u32);
        let next_n = if at == sec { n.saturating_add(1) } else { 1 };
        let next = (u64::from(sec) << 32) | u64::from(next_n);
        match slot.compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next_n,
            Err(seen) => cur = seen,
        }
    }
    cur as u32
}

impl FloodTable {
    /// Every count back to nothing (tables reused by the next sensor; see `tables.rs`).
    pub fn clear(&self) {
        for row in &self.rows {
            for s in row.iter() {
                s.store(0, Ordering::Relaxed);
            }
        }
    }

    /// Counts one request of the source whose hashes are `h` (one per row) in second `sec`;
    /// its count within that second.
    pub fn count(&self, hasher: &AddressHasher, key: u128, sec: u32) -> u32 {
        let mut min = u32::MAX;
        for (i, row) in self.rows.iter().enumerate() {
            let h = hasher.hash_wide(key, i) as usize;
            min = min.min(bump(&row[h % SLOTS], sec));
        }
        min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_second_and_starts_again_the_next_second() {
        let t = FloodTable::default();
        let h = AddressHasher::default();
        for i in 1..=300 {
            assert_eq!(t.count(&h, 1, 100), i);
        }
        assert_eq!(t.count(&h, 2, 100), 1, "another source has its own count");
        assert_eq!(t.count(&h, 1, 101), 1, "a new second");
    }

    #[test]
    fn memory_is_fixed_whatever_the_number_of_sources() {
        let t = FloodTable::default();
        let h = AddressHasher::default();
        for k in 0..200_000u128 {
            t.count(&h, k, 7);
        }
        assert_eq!(t.rows[0].len() + t.rows[1].len(), 2 * SLOTS);
        // A quiet source among 200,000 one-request sources is over-counted by a few at most.
        assert!(t.count(&h, 1 << 100, 7) < 50);
    }
}
