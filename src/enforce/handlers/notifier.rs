//! The handlers' end of the enforcer's notifier fan-out. It runs on the enforcer thread, after
//! the kernel and the ledger have the decision: it only copies the decision into a bounded
//! queue for the runner thread, never waits, never runs a program. A full queue (a burst far
//! beyond what handlers can take) drops the decision for handlers only, counted; a dropped ban
//! is still found owed at the next load (see `runner`).
//!
//! The bound is a counter of our own on an unbounded channel rather than a bounded channel: a
//! bounded channel reserves every slot up front (megabytes for 65,536 decisions), on every
//! module load, in a fresh thread's malloc arena.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crossbeam_channel::Sender;

use crate::decision::{Action, Alert, AuditSummary, Ban, FraudAlert, UnbanReason};
use crate::enforce::Notifier;

/// Decisions waiting for the runner thread at most.
pub const QUEUE: usize = 65_536;

pub struct HandlerNotifier {
    pub(super) tx: Sender<Action>,
    pub(super) dropped: Arc<AtomicU64>,
    /// Decisions sent and not yet taken by the runner (which counts them down).
    pub(super) depth: Arc<AtomicUsize>,
}

impl HandlerNotifier {
    fn queue(&self, a: Action) {
        // The enforcer thread is the only sender: nothing slips in between check and send.
        if self.depth.load(Ordering::Relaxed) >= QUEUE {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.depth.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(a).is_err() {
            self.depth.fetch_sub(1, Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Notifier for HandlerNotifier {
    fn banned(&self, ban: &Ban) {
        self.queue(Action::Ban(ban.clone()));
    }
    fn unbanned(&self, ban: &Ban, why: UnbanReason) {
        self.queue(Action::Unban {
            ban: ban.clone(),
            why,
        });
    }
    fn alert(&self, alert: &Alert) {
        self.queue(Action::Alert(alert.clone()));
    }
    fn fraud(&self, fraud: &FraudAlert) {
        self.queue(Action::Fraud(fraud.clone()));
    }
    fn audit(&self, summary: &AuditSummary) {
        self.queue(Action::Audit(summary.clone()));
    }
}
