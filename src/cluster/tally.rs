//! Failures of this server waiting to be told to the others: added per event by the engine
//! thread (a short lock, no I/O), taken as one batch every 50 ms by the cluster thread.
//! Never a Redis round trip per event.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::decision::RemoteFailures;
use crate::engine::LocalFailure;
use crate::util::lock::LockExt;

/// Sources one batch holds; failures of further sources wait for the next one (counted as
/// dropped if none comes in time).
pub const MAX_SOURCES: usize = 20_000;
/// Distinct unknown accounts remembered per source and batch (the enumeration rule needs no
/// more to fire).
const MAX_ACCOUNTS: usize = 64;

#[derive(Default)]
pub struct FailureTally {
    pending: Mutex<HashMap<IpAddr, RemoteFailures>>,
    pub dropped: AtomicU64,
}

impl FailureTally {
    /// Counts one failure; true when it starts a new batch (the cluster thread is then woken
    /// once, to send the batch 50 ms later).
    pub fn add(&self, f: &LocalFailure) -> bool {
        let mut pending = self.pending.locked();
        if pending.len() >= MAX_SOURCES && !pending.contains_key(&f.ip) {
            drop(pending);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let first = pending.is_empty();
        let e = pending.entry(f.ip).or_insert_with(|| RemoteFailures {
            ip: f.ip,
            failures: 0,
            ami_failures: 0,
            accounts: Vec::new(),
        });
        if f.ami {
            e.ami_failures = e.ami_failures.saturating_add(1);
        } else {
            e.failures = e.failures.saturating_add(1);
        }
        if let Some(h) = f.account
            && e.accounts.len() < MAX_ACCOUNTS
            && !e.accounts.contains(&h)
        {
            e.accounts.push(h);
        }
        first
    }

    pub fn is_empty(&self) -> bool {
        self.pending.locked().is_empty()
    }

    /// Everything counted since the last call.
    pub fn take(&self) -> Vec<RemoteFailures> {
        let taken = std::mem::take(&mut *self.pending.locked());
        taken.into_values().collect()
    }

    /// Puts back a batch that could not be sent (Redis away), merged with what came since.
    pub fn put_back(&self, batch: Vec<RemoteFailures>) {
        let mut pending = self.pending.locked();
        for f in batch {
            if pending.len() >= MAX_SOURCES && !pending.contains_key(&f.ip) {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let e = pending.entry(f.ip).or_insert_with(|| RemoteFailures {
                ip: f.ip,
                failures: 0,
                ami_failures: 0,
                accounts: Vec::new(),
            });
            e.failures = e.failures.saturating_add(f.failures);
            e.ami_failures = e.ami_failures.saturating_add(f.ami_failures);
            for h in f.accounts {
                if e.accounts.len() < MAX_ACCOUNTS && !e.accounts.contains(&h) {
                    e.accounts.push(h);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_of_one_source_add_up_until_taken() {
        let t = FailureTally::default();
        let ip: IpAddr = "203.0.113.5".parse().unwrap();
        for account in [Some(7), Some(7), Some(9), None] {
            t.add(&LocalFailure {
                ip,
                ami: false,
                account,
            });
        }
        t.add(&LocalFailure {
            ip,
            ami: true,
            account: None,
        });
        let batch = t.take();
        assert_eq!(batch.len(), 1);
        assert_eq!(
            (batch[0].failures, batch[0].ami_failures),
            (4, 1),
            "{batch:?}"
        );
        assert_eq!(batch[0].accounts, vec![7, 9]);
        assert!(t.is_empty());
        t.put_back(batch);
        t.add(&LocalFailure {
            ip,
            ami: false,
            account: None,
        });
        assert_eq!(t.take()[0].failures, 5);
    }
}
