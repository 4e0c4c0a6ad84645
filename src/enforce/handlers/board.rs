//! What the runner publishes about each handler for `secast show handlers` and AMI: a copy
//! under a lock held only to swap it.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use crate::util::lock::LockExt;
use crate::util::time::Millis;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HandlerStatus {
    pub name: String,
    pub program: String,
    /// `ban, unban, sync`.
    pub decisions: String,
    /// False for a handler gone from secast.conf that still has decisions waiting.
    pub configured: bool,
    /// Runs that exited 0, runs that failed (non-zero exit, timeout, could not start).
    pub runs: u64,
    pub failures: u64,
    /// Decisions given up after the last retry, or refused because too many were waiting.
    pub given_up: u64,
    /// Decisions waiting, of which `retries_pending` failed at least once.
    pub queued: usize,
    pub retries_pending: usize,
    pub running: usize,
    pub last_run: Option<Millis>,
    pub last_run_ok: bool,
    pub last_error: Option<(Millis, String)>,
    pub last_sync: Option<Millis>,
}

#[derive(Default)]
pub struct HandlerBoard {
    rows: Mutex<Vec<HandlerStatus>>,
    /// Decisions the enforcer could not queue for handlers (queue full).
    pub dropped: std::sync::Arc<AtomicU64>,
    /// Where the outbox is, or why there is none.
    outbox: Mutex<String>,
}

impl HandlerBoard {
    pub(super) fn new(dropped: std::sync::Arc<AtomicU64>) -> HandlerBoard {
        HandlerBoard {
            dropped,
            ..HandlerBoard::default()
        }
    }

    pub fn rows(&self) -> Vec<HandlerStatus> {
        self.rows.locked().clone()
    }

    pub(super) fn publish(&self, rows: Vec<HandlerStatus>) {
        *self.rows.locked() = rows;
    }

    pub fn outbox(&self) -> String {
        self.outbox.locked().clone()
    }

    pub(super) fn set_outbox(&self, text: String) {
        *self.outbox.locked() = text;
    }
}
