//! Requests the sensor dropped, per source, for `secast show ip`: a direct-mapped table of
//! [`SLOTS`] slots (address, count, last reason), written without a lock on PJSIP's monitor
//! thread. A source whose slot another dropping source takes over starts again from zero:
//! the table holds the sources dropped most recently, in fixed memory (24 bytes a slot).
//! Racing writers (there is one monitor thread) could at worst mix two sources' counts in a
//! slot for one request; a count is a report, never a decision.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use super::DropReason;
use super::address_hash::{AddressHasher, wide};

pub const SLOTS: usize = 8192;

const COUNT_BITS: u32 = 56;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

struct Slot {
    hi: AtomicU64,
    lo: AtomicU64,
    /// The count (low 56 bits) and the last reason (high 8 bits, [`reason_code`] + 1).
    dropped: AtomicU64,
}

pub struct DropTable {
    slots: Box<[Slot]>,
}

impl Default for DropTable {
    fn default() -> Self {
        DropTable {
            slots: (0..SLOTS)
                .map(|_| Slot {
                    hi: AtomicU64::new(0),
                    lo: AtomicU64::new(0),
                    dropped: AtomicU64::new(0),
                })
                .collect(),
        }
    }
}

fn reason_code(r: DropReason) -> u64 {
    match r {
        DropReason::Banned => 1,
        DropReason::Scanner => 2,
        DropReason::Flood => 3,
        DropReason::FirstContact => 4,
        DropReason::InFlight => 5,
    }
}

fn reason_of(code: u64) -> Option<DropReason> {
    Some(match code {
        1 => DropReason::Banned,
        2 => DropReason::Scanner,
        3 => DropReason::Flood,
        4 => DropReason::FirstContact,
        5 => DropReason::InFlight,
        _ => return None,
    })
}

impl DropTable {
    /// Forgets every drop (tables reused by the next sensor; see `tables.rs`).
    pub fn clear(&self) {
        for s in self.slots.iter() {
            s.hi.store(0, Ordering::Relaxed);
            s.lo.store(0, Ordering::Relaxed);
            s.dropped.store(0, Ordering::Relaxed);
        }
    }

    fn slot(&self, hasher: &AddressHasher, w: u128) -> &Slot {
        &self.slots[(hasher.hash_wide(w, 0) as usize) % SLOTS]
    }

    pub fn record(&self, hasher: &AddressHasher, ip: IpAddr, reason: DropReason) {
        let w = wide(ip);
        let (hi, lo) = ((w >> 64) as u64, w as u64);
        let slot = self.slot(hasher, w);
        let tag = reason_code(reason) << COUNT_BITS;
        if slot.hi.load(Ordering::Relaxed) == hi && slot.lo.load(Ordering::Relaxed) == lo {
            let v = slot.dropped.load(Ordering::Relaxed);
            let n = ((v & COUNT_MASK) + 1).min(COUNT_MASK);
            slot.dropped.store(tag | n, Ordering::Relaxed);
        } else {
            slot.dropped.store(tag | 1, Ordering::Relaxed);
            slot.hi.store(hi, Ordering::Relaxed);
            slot.lo.store(lo, Ordering::Relaxed);
        }
    }

    /// How many requests from `ip` were dropped, and why the last one was (None: no drop
    /// remembered).
    pub fn dropped_from(&self, hasher: &AddressHasher, ip: IpAddr) -> Option<(u64, DropReason)> {
        let w = wide(ip);
        let slot = self.slot(hasher, w);
        if slot.hi.load(Ordering::Relaxed) != (w >> 64) as u64
            || slot.lo.load(Ordering::Relaxed) != w as u64
        {
            return None;
        }
        let v = slot.dropped.load(Ordering::Relaxed);
        Some((v & COUNT_MASK, reason_of(v >> COUNT_BITS)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_source_with_the_last_reason() {
        let t = DropTable::default();
        let h = AddressHasher::default();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "2001:db8::7".parse().unwrap();
        assert_eq!(t.dropped_from(&h, a), None);
        t.record(&h, a, DropReason::Scanner);
        t.record(&h, a, DropReason::Banned);
        t.record(&h, a, DropReason::Banned);
        t.record(&h, b, DropReason::Flood);
        assert_eq!(t.dropped_from(&h, a), Some((3, DropReason::Banned)));
        assert_eq!(t.dropped_from(&h, b), Some((1, DropReason::Flood)));
    }
}
