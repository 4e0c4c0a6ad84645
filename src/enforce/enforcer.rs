//! The enforcer thread: the only place where decisions touch the outside world. In order of
//! urgency: the kernel firewall (the attacker's next packet must be dropped), the ledger on
//! disk (what was acknowledged must survive a crash), then notifications (log, AMI).
//!
//! Firewall trouble never loses a ban: failed operations stay pending and are retried, a
//! table deleted behind our back is re-created and refilled from the bans in force.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use ipnet::IpNet;

use super::firewall::{Firewall, FirewallErrorKind, FirewallOp, Opener, Rejected};
use super::ledger::{Ledger, Record};
use super::notifier::Notifier;
use super::order::Order;
use super::stats::EnforcerStats;
use crate::decision::{Ack, Action, Ban};
use crate::util::lock::LockExt;
use crate::util::log::{Level, LogSink};
use crate::util::time::Millis;

pub struct Enforcer {
    tx: Sender<Order>,
    handle: JoinHandle<()>,
    pub stats: Arc<EnforcerStats>,
}

pub struct EnforcerSetup {
    pub opener: Option<Opener>,
    pub ledger: Option<Ledger>,
    pub notifier: Arc<dyn Notifier>,
    pub log: Arc<dyn LogSink>,
    pub check_interval: Duration,
    pub clock: fn() -> Millis,
}

impl Enforcer {
    pub fn start(setup: EnforcerSetup) -> std::io::Result<Enforcer> {
        let (tx, rx) = unbounded();
        let stats = Arc::new(EnforcerStats::default());
        let worker_stats = stats.clone();
        let handle = std::thread::Builder::new()
            .name("secast-enforcer".into())
            .spawn(move || Worker::new(setup, worker_stats).run(rx))?;
        Ok(Enforcer { tx, handle, stats })
    }

    pub fn sender(&self) -> Sender<Order> {
        self.tx.clone()
    }

    /// Finishes what was queued (the ledger gets every decision) and stops.
    pub fn stop(self) -> Arc<EnforcerStats> {
        let _ = self.tx.send(Order::Shutdown);
        let _ = self.handle.join();
        self.stats
    }
}

struct Worker {
    setup: EnforcerSetup,
    firewall: Option<Box<dyn Firewall>>,
    needs_ensure: bool,
    /// Bans in force as the kernel should see them: net → end (None: permanent).
    active: HashMap<IpNet, Option<Millis>>,
    pending: Vec<FirewallOp>,
    unwritten: Vec<Record>,
    last_check: Instant,
    last_logged_error: Option<(String, Instant)>,
    stats: Arc<EnforcerStats>,
}

fn ms_to_duration(ms: Millis) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl Worker {
    fn new(setup: EnforcerSetup, stats: Arc<EnforcerStats>) -> Worker {
        Worker {
            setup,
            firewall: None,
            needs_ensure: true,
            active: HashMap::new(),
            pending: Vec::new(),
            unwritten: Vec::new(),
            last_check: Instant::now(),
            last_logged_error: None,
            stats,
        }
    }

    fn log(&self, level: Level, msg: &str) {
        self.setup.log.log(level, msg);
    }

    fn run(mut self, rx: Receiver<Order>) {
        self.open_firewall();
        let interval = self.setup.check_interval;
        let mut stopping = false;
        while !stopping {
            let first = match rx.recv_timeout(interval) {
                Ok(o) => Some(o),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(Order::Shutdown),
            };
            let mut orders: Vec<Order> = first.into_iter().collect();
            // Batch whatever else is already waiting: one firewall transaction, one fsync.
            while orders.len() < 10_000 {
                match rx.try_recv() {
                    Ok(o) => orders.push(o),
                    Err(_) => break,
                }
            }
            stopping = self.handle(orders);
            if self.last_check.elapsed() >= interval {
                self.last_check = Instant::now();
                self.check_firewall();
            }
        }
        // Last chance for anything the disk refused earlier.
        self.write_ledger();
    }

    /// Returns true when asked to stop.
    fn handle(&mut self, orders: Vec<Order>) -> bool {
        let now = (self.setup.clock)();
        let mut stop = false;
        let mut acks: Vec<(Ack, String)> = Vec::new();
        let mut told: Vec<Action> = Vec::new();
        let mut decided: Vec<Instant> = Vec::new();
        for order in orders {
            match order {
                Order::Shutdown => stop = true,
                Order::Restore(bans) => {
                    for b in bans {
                        if let Some(op) = self.activate(&b, now) {
                            self.pending.push(op);
                        }
                    }
                }
                Order::Act {
                    actions,
                    ack,
                    decided: at,
                } => {
                    let mut summary = Vec::new();
                    for a in actions {
                        match &a {
                            Action::Ban(b) => {
                                if let Some(op) = self.activate(b, now) {
                                    self.pending.push(op);
                                }
                                self.unwritten.push(Record::Ban(b.clone()));
                                summary.push(describe_ban(b, now));
                                decided.push(at);
                            }
                            Action::Unban { ban, why } => {
                                self.active.remove(&ban.net);
                                self.pending.push(FirewallOp::Remove { net: ban.net });
                                self.unwritten.push(Record::Unban {
                                    net: ban.net,
                                    at: now,
                                    why: why.label().to_owned(),
                                });
                                summary.push(format!("unbanned {}", ban.net));
                            }
                            Action::Alert(_)
                            | Action::Fraud(_)
                            | Action::Audit(_)
                            | Action::RemoveContacts { .. } => {}
                        }
                        told.push(a);
                    }
                    if let Some(ack) = ack {
                        acks.push((ack, summary.join("; ")));
                    }
                }
            }
        }
        if !self.pending.is_empty() {
            let applied = self.flush_firewall();
            if applied {
                for at in decided {
                    self.stats.decision_to_kernel.record(at.elapsed());
                }
            }
        }
        let durable = self.write_ledger();
        let firewall_note = if self.pending.is_empty() {
            String::new()
        } else {
            format!(" (firewall pending: {})", self.last_error_text())
        };
        for (ack, summary) in acks {
            let answer = if durable {
                Ok(format!("{summary}{firewall_note}"))
            } else {
                Err(format!(
                    "{summary}, but the ledger could not be written: {}",
                    self.last_error_text()
                ))
            };
            let _ = ack.send(answer);
        }
        for a in &told {
            match a {
                Action::Ban(b) => self.setup.notifier.banned(b),
                Action::Unban { ban, why } => self.setup.notifier.unbanned(ban, *why),
                Action::Alert(al) => self.setup.notifier.alert(al),
                Action::Fraud(f) => self.setup.notifier.fraud(f),
                Action::Audit(a) => self.setup.notifier.audit(a),
                Action::RemoveContacts { account, source } => {
                    self.setup.notifier.remove_contacts(account, *source)
                }
            }
        }
        stop
    }

    /// Records a ban as in force and returns the kernel operation for it (None if it already
    /// ended).
    fn activate(&mut self, b: &Ban, now: Millis) -> Option<FirewallOp> {
        if !b.is_active(now) {
            return None;
        }
        self.active.insert(b.net, b.until);
        Some(FirewallOp::Add {
            net: b.net,
            timeout: b.remaining_ms(now).map(ms_to_duration),
        })
    }

    fn last_error_text(&self) -> String {
        self.stats.last_error.locked().clone().unwrap_or_default()
    }

    fn write_ledger(&mut self) -> bool {
        let Some(ledger) = self.setup.ledger.as_mut() else {
            self.unwritten.clear();
            return true;
        };
        if self.unwritten.is_empty() {
            return true;
        }
        let now = (self.setup.clock)();
        match ledger.append(&self.unwritten, now) {
            Ok(()) => {
                self.unwritten.clear();
                true
            }
            Err(e) => {
                self.stats.ledger_errors.fetch_add(1, Ordering::Relaxed);
                let msg = format!(
                    "cannot write the ban ledger {}: {e}; will retry",
                    ledger.path().display()
                );
                self.report_error(msg);
                false
            }
        }
    }

    fn open_firewall(&mut self) {
        let Some(opener) = self.setup.opener.as_mut() else {
            return;
        };
        match opener() {
            Ok(fw) => {
                *self.stats.backend.locked() = fw.name().to_owned();
                self.firewall = Some(fw);
                self.needs_ensure = true;
                self.ensure_table();
            }
            Err(e) => {
                self.stats.firewall_errors.fetch_add(1, Ordering::Relaxed);
                self.report_error(format!(
                    "firewall unavailable: {e}; bans are recorded and will be applied once it works"
                ));
            }
        }
    }

    /// Sends pending operations to the kernel; true when they all went through.
    fn flush_firewall(&mut self) -> bool {
        if self.setup.opener.is_none() {
            // firewall backend = none: decisions are recorded, not enforced.
            self.pending.clear();
            return true;
        }
        if self.firewall.is_none() {
            self.open_firewall();
        }
        let Some(fw) = self.firewall.as_mut() else {
            self.stats
                .pending_ops
                .store(self.pending.len() as u64, Ordering::Relaxed);
            return false;
        };
        let result = (|| {
            if self.needs_ensure {
                fw.ensure()?;
                self.needs_ensure = false;
            }
            fw.apply(&self.pending)
        })();
        match result {
            Ok(rejected) => {
                for r in &rejected {
                    self.reject(r);
                }
                let bans = self
                    .pending
                    .iter()
                    .filter(|o| matches!(o, FirewallOp::Add { .. }))
                    .count()
                    .saturating_sub(rejected.len());
                self.stats
                    .bans_applied
                    .fetch_add(bans as u64, Ordering::Relaxed);
                self.pending.clear();
                self.stats.pending_ops.store(0, Ordering::Relaxed);
                if self.last_logged_error.take().is_some() {
                    self.log(
                        Level::Notice,
                        "firewall working again; pending bans applied",
                    );
                }
                true
            }
            Err(e) => {
                self.stats.firewall_errors.fetch_add(1, Ordering::Relaxed);
                if e.kind == FirewallErrorKind::TableMissing {
                    self.needs_ensure = true;
                    self.refill_pending();
                }
                self.stats
                    .pending_ops
                    .store(self.pending.len() as u64, Ordering::Relaxed);
                self.report_error(format!(
                    "firewall error ({} pending): {e}; retrying every {}",
                    self.pending.len(),
                    crate::util::duration::format(self.setup.check_interval)
                ));
                false
            }
        }
    }

    /// An op the firewall will never apply: said by name, counted, and forgotten here so that a
    /// table repair does not try it again. It never holds back the others.
    fn reject(&mut self, r: &Rejected) {
        let net = match &r.op {
            FirewallOp::Add { net, .. } | FirewallOp::Remove { net } => *net,
        };
        self.active.remove(&net);
        self.stats.rejected.fetch_add(1, Ordering::Relaxed);
        self.log(
            Level::Error,
            &format!(
                "firewall cannot apply {net}: {}; the other bans are applied",
                r.error
            ),
        );
    }

    /// Creates our table, sets and chain (at open, so that an admin sees them and the first
    /// ban is a single element add); true when they exist.
    fn ensure_table(&mut self) -> bool {
        let Some(fw) = self.firewall.as_mut() else {
            return false;
        };
        match fw.ensure() {
            Ok(()) => {
                self.needs_ensure = false;
                true
            }
            Err(e) => {
                self.stats.firewall_errors.fetch_add(1, Ordering::Relaxed);
                self.report_error(format!(
                    "cannot create our firewall table: {e}; retrying every {}",
                    crate::util::duration::format(self.setup.check_interval)
                ));
                false
            }
        }
    }

    /// Replaces pending work with "every ban in force", for a table that has to be rebuilt.
    fn refill_pending(&mut self) {
        let now = (self.setup.clock)();
        self.active.retain(|_, until| until.is_none_or(|u| u > now));
        self.pending = self
            .active
            .iter()
            .map(|(net, until)| FirewallOp::Add {
                net: *net,
                timeout: until.map(|u| ms_to_duration((u - now).max(1))),
            })
            .collect();
    }

    /// Periodic: retry what failed, and notice a table deleted behind our back.
    fn check_firewall(&mut self) {
        self.write_ledger();
        if self.setup.opener.is_none() {
            return;
        }
        if self.firewall.is_none() {
            self.open_firewall();
        } else if self.needs_ensure {
            // Never made (or its making failed): make it, rather than call it "missing".
            self.ensure_table();
        } else if let Some(fw) = self.firewall.as_mut() {
            match fw.is_intact() {
                Ok(true) => {}
                Ok(false) | Err(_) => {
                    self.stats.repairs.fetch_add(1, Ordering::Relaxed);
                    self.needs_ensure = true;
                    self.refill_pending();
                    self.report_error(format!(
                        "our firewall table was missing; re-creating it with {} bans",
                        self.pending.len()
                    ));
                }
            }
        }
        if !self.pending.is_empty() {
            self.flush_firewall();
        }
    }

    /// Logs an error, but the same one at most once a minute.
    fn report_error(&mut self, msg: String) {
        *self.stats.last_error.locked() = Some(msg.clone());
        let repeat = self
            .last_logged_error
            .as_ref()
            .is_some_and(|(m, at)| *m == msg && at.elapsed() < Duration::from_secs(60));
        if !repeat {
            self.log(Level::Error, &msg);
            self.last_logged_error = Some((msg, Instant::now()));
        }
    }
}

fn describe_ban(b: &Ban, now: Millis) -> String {
    match b.remaining_ms(now) {
        None => format!("banned {} permanently", b.net),
        Some(ms) => format!(
            "banned {} for {}",
            b.net,
            crate::util::duration::format(Duration::from_secs(((ms + 500) / 1000).max(1) as u64))
        ),
    }
}
