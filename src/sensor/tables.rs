//! The sensor's fixed-size tables (flood counts, answers in flight, sources checked,
//! REGISTERs noted, drops per source), about 1.5 MB, made once per Asterisk process and
//! handed to each new sensor after a `module unload`/`module load`, cleared.
//!
//! Why not allocate them at each load: every element is written when they are built, so the
//! whole 1.5 MB is touched; freed at unload and made again on another thread at the next load,
//! it landed in another of malloc's arenas each time, and Asterisk's RSS rose by about
//! 400 KB a cycle for the first few dozen cycles (measured in the sandbox). Reused, it stays
//! flat. The module image is never unmapped (`-z nodelete`), so the static outlives unloads.
//!
//! Since then the module maps its large blocks itself (`os::large_blocks`, the root cause of
//! that growth), so these tables no longer go through malloc's arenas; the recycling stays
//! until a soak without it shows it can go.

use std::sync::{Arc, Mutex};

use super::drop_table::DropTable;
use super::fingerprint_table::FingerprintTable;
use super::flood_table::FloodTable;
use super::in_flight::InFlight;
use crate::util::lock::LockExt;

/// Sources whose first-contact check passed, remembered (8 bytes each).
const CHECKED_SLOTS: usize = 65_536;
/// REGISTERs already noted (8 bytes each).
const REGISTER_SLOTS: usize = 16_384;

pub struct SensorTables {
    pub flood: FloodTable,
    pub in_flight: InFlight,
    pub checked: FingerprintTable,
    pub registers: FingerprintTable,
    pub drops: DropTable,
}

/// Keeps the tables of the last sensor made, to reuse when that sensor is gone.
struct Recycler {
    last: Mutex<Option<Arc<SensorTables>>>,
}

/// The process's recycler.
static RECYCLER: Recycler = Recycler {
    last: Mutex::new(None),
};

impl SensorTables {
    /// Tables for a new sensor: the last sensor's, cleared, when nobody uses them any more;
    /// new ones otherwise (several sensors at once, as in tests).
    pub fn for_new_sensor() -> Arc<SensorTables> {
        RECYCLER.take()
    }

    fn clear(&self) {
        self.flood.clear();
        self.in_flight.clear();
        self.checked.clear();
        self.registers.clear();
        self.drops.clear();
    }
}

impl Recycler {
    fn take(&self) -> Arc<SensorTables> {
        let mut last = self.last.locked();
        if let Some(tables) = last.as_ref()
            && Arc::strong_count(tables) == 1
        {
            tables.clear();
            return tables.clone();
        }
        let tables = Arc::new(SensorTables {
            flood: FloodTable::default(),
            in_flight: InFlight::default(),
            checked: FingerprintTable::new(CHECKED_SLOTS),
            registers: FingerprintTable::new(REGISTER_SLOTS),
            drops: DropTable::default(),
        });
        *last = Some(tables.clone());
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gone_sensors_tables_are_reused_cleared_and_a_live_ones_never() {
        let recycler = Recycler {
            last: Mutex::new(None),
        };
        let first = recycler.take();
        first.checked.set(42, 7);
        let second = recycler.take();
        assert!(!Arc::ptr_eq(&first, &second), "in use: not shared");
        assert_eq!(first.checked.tag_of(42), Some(7));
        let address = Arc::as_ptr(&second);
        drop(second);
        let third = recycler.take();
        assert_eq!(
            Arc::as_ptr(&third),
            address,
            "reused once its sensor is gone"
        );
        drop(first);
        third.registers.set(9, 1);
        drop(third);
        let fourth = recycler.take();
        assert_eq!(fourth.registers.tag_of(9), None, "cleared before reuse");
    }
}
