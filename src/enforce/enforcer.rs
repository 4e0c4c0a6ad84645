//! The enforcer thread: the only place where decisions touch the outside world. In order of
//! urgency: the kernel firewall (the attacker's next packet must be dropped), the ledger on
//! disk (what was acknowledged must survive a crash), then notifications (log, AMI).
//!
//! Firewall trouble never loses a ban: failed operations stay pending and are retried, a
//! table deleted behind our back is re-created and refilled from the bans in force.
//!
//! Disk trouble never loses one either: a ban is enforced from memory while its ledger
//! record waits (the ack says "not yet durable", the notifier is told so), the error is
//! logged every minute and shown in `secast show status`, and the write is retried every
//! [`LEDGER_RETRY`] and with the next decision.
//!
//! The thread is guarded: a panic is caught, counted (`restarts`), logged, and the loop starts
//! again from the ledger on disk plus what was in memory; orders still queued are served.
//! Stopping is bounded ([`Enforcer::stop_within`]): a thread stuck on a frozen disk is left
//! behind, told it is abandoned, and never writes the ledger after that (the next load owns it).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded, unbounded};
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

/// What an ack says of a decision enforced but not yet on disk; [`crate::admin`] looks for it
/// to answer `Durable: no` over AMI.
pub const NOT_YET_DURABLE: &str = "not yet durable";

/// How often a ledger that cannot be written is tried again.
pub const LEDGER_RETRY: Duration = Duration::from_secs(5);

/// How often the ledger's trouble is logged while it lasts.
const LEDGER_WARN_EVERY: Duration = Duration::from_secs(60);

pub struct Enforcer {
    tx: Sender<Order>,
    handle: JoinHandle<()>,
    /// Receives () when the thread has finished (for a stop with a deadline).
    done: Receiver<()>,
    /// Set when a stop gave up waiting: the thread must not touch the ledger any more.
    abandoned: Arc<AtomicBool>,
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
        let (done_tx, done) = bounded(1);
        let stats = Arc::new(EnforcerStats::default());
        let abandoned = Arc::new(AtomicBool::new(false));
        let worker_stats = stats.clone();
        let worker_abandoned = abandoned.clone();
        let handle = std::thread::Builder::new()
            .name("secast-enforcer".into())
            .spawn(move || {
                Worker::new(setup, worker_stats, worker_abandoned).guarded_run(rx);
                let _ = done_tx.send(());
            })?;
        Ok(Enforcer {
            tx,
            handle,
            done,
            abandoned,
            stats,
        })
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

    /// Like [`stop`](Enforcer::stop), but waits at most `deadline`. Ok once the thread has
    /// finished; Err when it has not (stuck on a frozen disk or a slow kernel): it is then
    /// marked abandoned, so that it never writes the ledger again (the next load replays
    /// and owns it), and left to end by itself. Its code stays mapped: the module is linked
    /// NODELETE.
    pub fn stop_within(self, deadline: Duration) -> Result<Arc<EnforcerStats>, Arc<EnforcerStats>> {
        let _ = self.tx.send(Order::Shutdown);
        match self.done.recv_timeout(deadline) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                let _ = self.handle.join();
                Ok(self.stats)
            }
            Err(RecvTimeoutError::Timeout) => {
                self.abandoned.store(true, Ordering::SeqCst);
                Err(self.stats)
            }
        }
    }
}

struct Worker {
    setup: EnforcerSetup,
    firewall: Option<Box<dyn Firewall>>,
    needs_ensure: bool,
    /// Bans in force as the kernel should see them: net → end (None: permanent).
    active: HashMap<IpNet, Option<Millis>>,
    pending: Vec<FirewallOp>,
    /// Records to hand to the ledger with this batch.
    unwritten: Vec<Record>,
    last_check: Instant,
    last_logged_error: Option<(String, Instant)>,
    /// When the ledger's trouble was last logged, and when it was last retried.
    ledger_warned: Option<Instant>,
    ledger_tried: Instant,
    abandoned: Arc<AtomicBool>,
    /// A Shutdown order was received.
    stopping: bool,
    stats: Arc<EnforcerStats>,
}

fn ms_to_duration(ms: Millis) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl Worker {
    fn new(setup: EnforcerSetup, stats: Arc<EnforcerStats>, abandoned: Arc<AtomicBool>) -> Worker {
        Worker {
            setup,
            firewall: None,
            needs_ensure: true,
            active: HashMap::new(),
            pending: Vec::new(),
            unwritten: Vec::new(),
            last_check: Instant::now(),
            last_logged_error: None,
            ledger_warned: None,
            ledger_tried: Instant::now(),
            abandoned,
            stopping: false,
            stats,
        }
    }

    /// Runs the loop; a panic in it is counted, logged, and the loop starts again from the
    /// ledger on disk and what is in memory. Orders still queued are served after it.
    fn guarded_run(mut self, rx: Receiver<Order>) {
        self.open_firewall();
        self.sync_ledger_stats();
        loop {
            match catch_unwind(AssertUnwindSafe(|| self.run(&rx))) {
                Ok(()) => break,
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_owned());
                    let n = self.stats.restarts.fetch_add(1, Ordering::Relaxed) + 1;
                    self.log(
                        Level::Error,
                        &format!(
                            "enforcer thread panicked ({}); restarting it (restart {n}) from the ledger and the queued orders",
                            crate::util::escape::for_log(&what)
                        ),
                    );
                    if catch_unwind(AssertUnwindSafe(|| self.recover())).is_err() {
                        // The same fault again (the firewall panics on every batch): go on
                        // serving orders, at most once a second, rather than spin or die.
                        self.log(
                            Level::Error,
                            "enforcer recovery panicked too; going on in 1 s",
                        );
                        std::thread::sleep(Duration::from_secs(1));
                    }
                    if self.stopping {
                        // The batch that panicked held the order to stop.
                        break;
                    }
                }
            }
        }
        // Last chance for anything the disk refused earlier.
        self.write_ledger();
    }

    /// After a panic: the ledger is read again from disk (plus whatever it had not written),
    /// every ban in force goes to the kernel again through a freshly opened firewall.
    fn recover(&mut self) {
        let now = (self.setup.clock)();
        if let Some(ledger) = self.setup.ledger.take() {
            let ledger = match ledger.reopened(now) {
                Ok((ledger, restored)) => {
                    for b in &restored.active {
                        if b.is_active(now) {
                            self.active.insert(b.net, b.until);
                        }
                    }
                    ledger
                }
                Err((ledger, e)) => {
                    self.log(Level::Error, &format!("{e}; keeping the ledger in memory"));
                    ledger
                }
            };
            self.setup.ledger = Some(ledger);
        }
        self.firewall = None;
        self.needs_ensure = true;
        self.refill_pending();
        self.open_firewall();
        if !self.pending.is_empty() {
            self.flush_firewall();
        }
        self.write_ledger();
    }

    fn log(&self, level: Level, msg: &str) {
        self.setup.log.log(level, msg);
    }

    fn run(&mut self, rx: &Receiver<Order>) {
        let interval = self.setup.check_interval;
        let mut stopping = false;
        while !stopping {
            let wait = if self.ledger_in_trouble() {
                interval.min(LEDGER_RETRY)
            } else {
                interval
            };
            let first = match rx.recv_timeout(wait) {
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
            if self.ledger_in_trouble() && self.ledger_tried.elapsed() >= LEDGER_RETRY {
                self.write_ledger();
            }
            if self.last_check.elapsed() >= interval {
                self.last_check = Instant::now();
                self.check_firewall();
            }
        }
    }

    fn ledger_in_trouble(&self) -> bool {
        self.setup
            .ledger
            .as_ref()
            .is_some_and(|l| !l.is_durable() || l.trouble().is_some())
    }

    /// Returns true when asked to stop.
    fn handle(&mut self, orders: Vec<Order>) -> bool {
        // Noted first: should this batch panic, the thread still stops as asked.
        if orders.iter().any(|o| matches!(o, Order::Shutdown)) {
            self.stopping = true;
        }
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
                format!("{summary}{firewall_note}")
            } else {
                // Enforced (or pending in the firewall) all the same: only the disk is behind.
                format!(
                    "{summary}{firewall_note}; {NOT_YET_DURABLE}: the ledger cannot be written ({}), written once it can",
                    self.ledger_trouble_text()
                )
            };
            let _ = ack.send(Ok(answer));
        }
        for a in &told {
            match a {
                Action::Ban(b) if durable => self.setup.notifier.banned(b),
                Action::Ban(b) => self.setup.notifier.banned_not_durable(b),
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

    fn ledger_trouble_text(&self) -> String {
        self.stats
            .ledger_trouble
            .locked()
            .clone()
            .unwrap_or_else(|| "unknown error".to_owned())
    }

    fn sync_ledger_stats(&self) {
        let (unwritten, trouble) = match &self.setup.ledger {
            Some(l) => (l.unwritten(), l.trouble().map(str::to_owned)),
            None => (0, None),
        };
        self.stats
            .ledger_unwritten
            .store(unwritten as u64, Ordering::Relaxed);
        *self.stats.ledger_trouble.locked() = trouble;
    }

    /// Hands this batch's records to the ledger and writes whatever it owes; true when all
    /// of it is on disk. A stop that gave up on this thread leaves the ledger alone.
    fn write_ledger(&mut self) -> bool {
        if self.abandoned.load(Ordering::SeqCst) {
            self.unwritten.clear();
            return false;
        }
        let Some(ledger) = self.setup.ledger.as_mut() else {
            self.unwritten.clear();
            return true;
        };
        if self.unwritten.is_empty() && ledger.is_durable() && ledger.trouble().is_none() {
            return true;
        }
        let now = (self.setup.clock)();
        let owed_before = ledger.unwritten();
        let records = std::mem::take(&mut self.unwritten);
        self.ledger_tried = Instant::now();
        let result = ledger.append(&records, now);
        let path = ledger.path().display().to_string();
        let left = ledger.unwritten();
        self.sync_ledger_stats();
        match result {
            Ok(()) => {
                if self.ledger_warned.take().is_some() {
                    self.log(
                        Level::Notice,
                        &format!(
                            "ban ledger {path} writable again: {} waiting records written",
                            owed_before + records.len()
                        ),
                    );
                }
                true
            }
            Err(e) => {
                self.stats.ledger_errors.fetch_add(1, Ordering::Relaxed);
                let due = self
                    .ledger_warned
                    .is_none_or(|at| at.elapsed() >= LEDGER_WARN_EVERY);
                if due {
                    self.ledger_warned = Some(Instant::now());
                    self.log(
                        Level::Error,
                        &format!(
                            "cannot write the ban ledger {path}: {e}; {left} records {NOT_YET_DURABLE} (bans still enforced from memory, lost if Asterisk stops now); retrying every {}",
                            crate::util::duration::format(LEDGER_RETRY)
                        ),
                    );
                }
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
        if self.ledger_in_trouble() {
            self.write_ledger();
        }
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
