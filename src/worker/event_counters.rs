//! What `secast show status` reports: counters the engine worker keeps per event type, per
//! service and per source address.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use crate::intake::{EventKind, SecurityEvent, UNKNOWN_ACCOUNT};
use crate::util::histogram::Histogram;

/// Distinct AccountIDs remembered per source; enough to see enumeration, bounded against it.
pub const MAX_ACCOUNTS_PER_SOURCE: usize = 256;
/// Distinct service names kept; Asterisk has a handful, anything beyond is folded.
const MAX_SERVICES: usize = 32;

#[derive(Debug, Clone, Default)]
pub struct SourceCounts {
    pub events: u64,
    pub by_kind: [u64; EventKind::COUNT],
    accounts: HashSet<Box<str>>,
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
    /// Events from sources beyond `max_tracked_sources`.
    pub untracked_source_events: u64,
    /// From the stasis callback taking the event to the worker finishing it.
    pub latency: Histogram,
}

impl EventCounters {
    pub fn record(&mut self, ev: &SecurityEvent, max_sources: usize) {
        self.processed += 1;
        self.by_kind[ev.kind.index()] += 1;
        self.count_service(&ev.service);

        let ip = ev.source_ip();
        let tracked = self.sources.len() < max_sources || self.sources.contains_key(&ip);
        if !tracked {
            self.untracked_source_events += 1;
            return;
        }
        let src = self.sources.entry(ip).or_default();
        src.events += 1;
        src.by_kind[ev.kind.index()] += 1;
        if let Some(acct) = ev.account.as_deref()
            && !acct.is_empty()
            && acct != UNKNOWN_ACCOUNT
            && !src.accounts.contains(acct)
        {
            if src.accounts.len() < MAX_ACCOUNTS_PER_SOURCE {
                src.accounts.insert(acct.into());
            } else {
                src.accounts_capped = true;
            }
        }
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
