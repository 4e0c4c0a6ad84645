//! Where audits are asked for and their reports kept: the host's audit thread takes
//! [`AuditRequest`]s from here and posts each [`Report`]; the CLI reads the last one or asks
//! for a fresh one and waits a bounded time. Asking never blocks: the queue is small and a
//! full queue means an audit is coming anyway.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};

use super::report::Report;
use crate::util::lock::RwLockExt;

/// Why an audit runs; periodic runs report only when the counts change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Asterisk is fully booted (or was when the module loaded).
    Boot,
    /// A reload finished (`Module` of Asterisk's Reload event: `All`, `res_pjsip.so`, …).
    Reload(String),
    /// `[audit] interval` passed.
    Periodic,
    /// `secast audit` on the CLI.
    Asked,
}

pub enum AuditRequest {
    Run {
        trigger: Trigger,
        /// Where the CLI waits for this run's report.
        reply: Option<Sender<Arc<Report>>>,
    },
    Shutdown,
}

/// Requests waiting at most; more are dropped (the queued runs will see the same config).
const QUEUE: usize = 8;

pub struct AuditDesk {
    last: RwLock<Option<Arc<Report>>>,
    requests: Sender<AuditRequest>,
}

impl AuditDesk {
    pub fn new() -> (Arc<AuditDesk>, Receiver<AuditRequest>) {
        let (tx, rx) = bounded(QUEUE);
        (
            Arc::new(AuditDesk {
                last: RwLock::new(None),
                requests: tx,
            }),
            rx,
        )
    }

    pub fn last(&self) -> Option<Arc<Report>> {
        self.last.read_locked().clone()
    }

    pub fn post(&self, report: Arc<Report>) {
        *self.last.write_locked() = Some(report);
    }

    /// Asks for an audit without waiting (Asterisk's threads call this); false if the queue
    /// is full or the audit thread is gone.
    pub fn request(&self, trigger: Trigger) -> bool {
        self.requests
            .try_send(AuditRequest::Run {
                trigger,
                reply: None,
            })
            .is_ok()
    }

    /// Asks for an audit and waits up to `wait` for its report.
    pub fn fresh(&self, wait: Duration) -> Option<Arc<Report>> {
        let (tx, rx) = bounded(1);
        self.requests
            .try_send(AuditRequest::Run {
                trigger: Trigger::Asked,
                reply: Some(tx),
            })
            .ok()?;
        rx.recv_timeout(wait).ok()
    }

    /// Tells the audit thread to stop (it may be busy; it stops after the current run).
    pub fn shut_down(&self) {
        let _ = self
            .requests
            .send_timeout(AuditRequest::Shutdown, Duration::from_secs(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_report_comes_back_to_who_asked_and_a_full_queue_never_blocks() {
        let (desk, rx) = AuditDesk::new();
        let worker = std::thread::spawn(move || {
            if let Ok(AuditRequest::Run { reply: Some(r), .. }) = rx.recv() {
                let _ = r.send(Arc::new(Report::new(7, vec![], 0, vec![], vec![])));
            }
            rx
        });
        let report = desk.fresh(Duration::from_secs(5)).expect("report");
        assert_eq!(report.at, 7);
        let _rx = worker.join().unwrap();
        let accepted = (0..QUEUE + 5)
            .filter(|_| desk.request(Trigger::Periodic))
            .count();
        assert_eq!(accepted, QUEUE);
    }
}
