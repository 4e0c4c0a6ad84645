//! A direct-mapped table of fingerprints with a tag, lock-free: "seen this recently?" for a
//! source's first-contact check (tag: the lookups' generation) and for REGISTERs already
//! queued for the device profiles (tag: the second it was queued). A slot packs 32 bits of
//! fingerprint and a 32-bit tag; a new entry overwrites whatever held its slot, so a forgotten
//! entry only means the check is done (or the note queued) once more. Memory: 8 bytes a slot.

use std::sync::atomic::{AtomicU64, Ordering};

pub struct FingerprintTable {
    slots: Box<[AtomicU64]>,
}

impl FingerprintTable {
    /// Forgets every fingerprint (tables reused by the next sensor; see `tables.rs`).
    pub fn clear(&self) {
        for s in self.slots.iter() {
            s.store(0, Ordering::Relaxed);
        }
    }

    pub fn new(slots: usize) -> FingerprintTable {
        FingerprintTable {
            slots: (0..slots.max(1)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn slot(&self, h: u64) -> (&AtomicU64, u64) {
        let fp = (h >> 32) | 1; // never 0: an empty slot matches nothing
        (&self.slots[(h as usize) % self.slots.len()], fp)
    }

    /// The tag stored with `h`'s fingerprint, if its slot holds it.
    pub fn tag_of(&self, h: u64) -> Option<u32> {
        let (slot, fp) = self.slot(h);
        let v = slot.load(Ordering::Relaxed);
        (v >> 32 == fp).then_some(v as u32)
    }

    /// Stores `h`'s fingerprint with `tag` (replacing whatever held the slot).
    pub fn set(&self, h: u64, tag: u32) {
        let (slot, fp) = self.slot(h);
        slot.store((fp << 32) | u64::from(tag), Ordering::Relaxed);
    }

    pub fn bytes(&self) -> usize {
        self.slots.len() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_tags_and_forgets_on_overwrite() {
        let t = FingerprintTable::new(16);
        let a = 0xdead_beef_0000_0003u64;
        let b = 0x1234_5678_0000_0003u64; // same slot, other fingerprint
        assert_eq!(t.tag_of(a), None);
        t.set(a, 7);
        assert_eq!(t.tag_of(a), Some(7));
        assert_eq!(t.tag_of(b), None);
        t.set(b, 9);
        assert_eq!(
            t.tag_of(a),
            None,
            "overwritten: checked again, never wrongly trusted"
        );
    }
}
