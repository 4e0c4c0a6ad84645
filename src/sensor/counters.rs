//! The sensor's totals for `secast show status`: plain atomics, bumped on PJSIP's monitor
//! thread, read by the CLI.

use std::sync::atomic::{AtomicU64, Ordering};

use super::DropReason;

#[derive(Default)]
pub struct SensorCounters {
    /// Requests shown to the sensor.
    pub seen: AtomicU64,
    pub dropped_banned: AtomicU64,
    pub dropped_scanner: AtomicU64,
    pub dropped_flood: AtomicU64,
    pub dropped_first_contact: AtomicU64,
    pub dropped_in_flight: AtomicU64,
    /// Notes for the worker (findings, REGISTERs) queued, and lost because the queue was full.
    pub notes_sent: AtomicU64,
    pub notes_lost: AtomicU64,
    /// Requests a rule would have dropped but the source is protected (whitelist, trunk…).
    pub spared: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SensorTotals {
    pub seen: u64,
    pub dropped_banned: u64,
    pub dropped_scanner: u64,
    pub dropped_flood: u64,
    pub dropped_first_contact: u64,
    pub dropped_in_flight: u64,
    pub notes_sent: u64,
    pub notes_lost: u64,
    pub spared: u64,
}

impl SensorTotals {
    pub fn dropped(&self) -> u64 {
        self.dropped_banned
            + self.dropped_scanner
            + self.dropped_flood
            + self.dropped_first_contact
            + self.dropped_in_flight
    }
}

impl SensorCounters {
    pub fn dropped(&self, r: DropReason) {
        let c = match r {
            DropReason::Banned => &self.dropped_banned,
            DropReason::Scanner => &self.dropped_scanner,
            DropReason::Flood => &self.dropped_flood,
            DropReason::FirstContact => &self.dropped_first_contact,
            DropReason::InFlight => &self.dropped_in_flight,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn totals(&self) -> SensorTotals {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        SensorTotals {
            seen: l(&self.seen),
            dropped_banned: l(&self.dropped_banned),
            dropped_scanner: l(&self.dropped_scanner),
            dropped_flood: l(&self.dropped_flood),
            dropped_first_contact: l(&self.dropped_first_contact),
            dropped_in_flight: l(&self.dropped_in_flight),
            notes_sent: l(&self.notes_sent),
            notes_lost: l(&self.notes_lost),
            spared: l(&self.spared),
        }
    }
}
