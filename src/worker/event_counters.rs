//! What `secast show status` reports: counters the engine worker keeps per event type, per
//! service and per source address.
//!
//! Bounded in bytes: at most `[general] max_tracked_sources` sources, each a fixed-size
//! record (about 200 bytes with its table slot: counts per event type, and at most
//! [`MAX_ACCOUNTS_PER_SOURCE`] distinct AccountIDs kept as 4-byte hashes, never as the
//! attacker's strings). Swept: a source silent for [`IDLE_SOURCE`] is forgotten, and when
//! the table is full the tenth with the fewest events makes room for new sources (one scan
//! per tenth, amortised), so the first sources of a flood cannot hold it for ever.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::engine::windows::hash32;
use crate::intake::{EventKind, SecurityEvent, UNKNOWN_ACCOUNT};
use crate::util::histogram::Histogram;
use crate::util::time::{Millis, Secs, secs};

/// Distinct AccountIDs counted per source; beyond it the count shows as `N+`.
pub const MAX_ACCOUNTS_PER_SOURCE: usize = 32;
/// Distinct service names kept; Asterisk has a handful, anything beyond is folded.
const MAX_SERVICES: usize = 32;
/// A source with no event for this long leaves the table.
pub const IDLE_SOURCE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Default)]
pub struct SourceCounts {
    pub events: u64,
    pub by_kind: [u64; EventKind::COUNT],
    last_seen: Secs,
    /// Hashes of the distinct AccountIDs seen, at most [`MAX_ACCOUNTS_PER_SOURCE`].
    accounts: Vec<u32>,
    accounts_capped: bool,
}

impl SourceCounts {
    /// Distinct AccountIDs seen from this source, not counting `<unknown>`; the flag says the
    /// count stopped at [`MAX_ACCOUNTS_PER_SOURCE`].
    pub fn distinct_accounts(&self) -> (usize, bool) {
        (self.accounts.len(), self.accounts_capped)
    }
}

#[derive(Default)]
pub struct EventCounters {
    pub processed: u64,
    pub malformed: u64,
    pub by_kind: [u64; EventKind::COUNT],
    by_service: Vec<(String, u64)>,
    sources: HashMap<IpAddr, SourceCounts>,
    /// Events from sources that found the table full.
    pub untracked_source_events: u64,
    /// Sources forgotten to make room or for being idle.
    pub swept_sources: u64,
    /// From the stasis callback taking the event to the worker finishing it.
    pub latency: Histogram,
}

impl EventCounters {
    pub fn record(&mut self, ev: &SecurityEvent, max_sources: usize, now: Millis) {
        self.processed += 1;
        self.by_kind[ev.kind.index()] += 1;
        self.count_service(&ev.service);

        let ip = ev.source_ip();
        if !self.sources.contains_key(&ip) && self.sources.len() >= max_sources {
            self.make_room();
            if self.sources.len() >= max_sources {
                self.untracked_source_events += 1;
                return;
            }
        }
        let src = self.sources.entry(ip).or_default();
        src.events += 1;
        src.by_kind[ev.kind.index()] += 1;
        src.last_seen = secs(now);
        if let Some(acct) = ev.account.as_deref()
            && !acct.is_empty()
            && acct != UNKNOWN_ACCOUNT
        {
            let h = hash32(acct.as_bytes());
            if !src.accounts.contains(&h) {
                if src.accounts.len() < MAX_ACCOUNTS_PER_SOURCE {
                    src.accounts.push(h);
                } else {
                    src.accounts_capped = true;
                }
            }
        }
    }

    /// Forgets the tenth of sources with the fewest events.
    fn make_room(&mut self) {
        let mut order: Vec<(u64, Secs, IpAddr)> = self
            .sources
            .iter()
            .map(|(ip, s)| (s.events, s.last_seen, *ip))
            .collect();
        let drop = (order.len() / 10).max(1).min(order.len());
        if drop == 0 {
            return;
        }
        order.select_nth_unstable(drop - 1);
        for (_, _, ip) in order.iter().take(drop) {
            self.sources.remove(ip);
        }
        self.swept_sources += drop as u64;
    }

    /// Forgets sources silent for [`IDLE_SOURCE`] (the worker calls it once a minute).
    pub fn sweep(&mut self, now: Millis) {
        let idle = secs(now).saturating_sub(IDLE_SOURCE.as_secs() as Secs);
        let before = self.sources.len();
        self.sources.retain(|_, s| s.last_seen >= idle);
        self.swept_sources += (before - self.sources.len()) as u64;
    }

    fn count_service(&mut self, service: &str) {
        if let Some(slot) = self.by_service.iter_mut().find(|(s, _)| s == service) {
            slot.1 += 1;
        } else if self.by_service.len() < MAX_SERVICES {
            self.by_service.push((service.to_owned(), 1));
        } else if let Some(slot) = self.by_service.iter_mut().find(|(s, _)| s == "(other)") {
            slot.1 += 1;
        } else if let Some(last) = self.by_service.last_mut() {
            // Replace the rarest-looking tail entry so the fold has a home.
            *last = ("(other)".to_owned(), last.1 + 1);
        }
    }

    pub fn services(&self) -> &[(String, u64)] {
        &self.by_service
    }

    pub fn tracked_sources(&self) -> usize {
        self.sources.len()
    }

    pub fn source(&self, ip: &IpAddr) -> Option<&SourceCounts> {
        self.sources.get(ip)
    }

    /// The `n` sources with most events, most first; ties by address for a stable listing.
    pub fn top_sources(&self, n: usize) -> Vec<(IpAddr, &SourceCounts)> {
        let mut all: Vec<(IpAddr, &SourceCounts)> =
            self.sources.iter().map(|(ip, c)| (*ip, c)).collect();
        all.sort_by(|a, b| b.1.events.cmp(&a.1.events).then(a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::{Field, RawEvent};

    fn ev(src: &str, account: &str) -> SecurityEvent {
        let mut raw = RawEvent::new(1);
        raw.set(Field::Service, b"PJSIP");
        raw.set(Field::AccountId, account.as_bytes());
        raw.set(
            Field::RemoteAddress,
            format!("IPV4/UDP/{src}/5060").as_bytes(),
        );
        raw.parse().unwrap()
    }

    #[test]
    fn forged_enumeration_cannot_grow_a_source_beyond_its_fixed_size() {
        let mut c = EventCounters::default();
        for i in 0..10_000 {
            c.record(
                &ev("203.0.113.5", &format!("ghost{i}-{}", "x".repeat(200))),
                100,
                0,
            );
        }
        let s = c.source(&"203.0.113.5".parse().unwrap()).unwrap();
        assert_eq!(s.distinct_accounts(), (MAX_ACCOUNTS_PER_SOURCE, true));
        assert!(s.accounts.capacity() <= MAX_ACCOUNTS_PER_SOURCE);
    }

    #[test]
    fn a_full_table_makes_room_and_idle_sources_are_swept() {
        let mut c = EventCounters::default();
        // A busy source first, then a flood of one-event sources.
        for _ in 0..50 {
            c.record(&ev("198.51.100.1", "1001"), 100, 0);
        }
        for i in 0..1000u32 {
            let src = format!("203.0.{}.{}", i / 256, i % 256);
            c.record(&ev(&src, ""), 100, 0);
        }
        assert!(c.tracked_sources() <= 100);
        assert!(c.source(&"198.51.100.1".parse().unwrap()).is_some());
        assert_eq!(c.untracked_source_events, 0);
        c.sweep(IDLE_SOURCE.as_millis() as i64 + 1000);
        assert_eq!(c.tracked_sources(), 0);
    }
}
