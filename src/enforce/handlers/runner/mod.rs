//! The runner thread: turns decisions into handler runs, keeps the outbox, retries, syncs.
//!
//! It is the only owner of the outbox and of the handlers' state. Decisions come from the
//! enforcer's notifier through a bounded queue; each run happens on a short-lived thread of
//! its own (at most `concurrency` per handler), which reports back here. Nothing here ever
//! runs on an Asterisk thread or on the enforcer thread.
//!
//! The rules it keeps:
//! - a decision is written to the outbox (and synced) before its run starts, and marked done
//!   or given up after; a restart resumes what was pending, with its retry count;
//! - runs about the same network for the same handler happen one after the other, in the
//!   order decided: an unban never overtakes its ban, even while the ban is being retried;
//! - a handler that takes bans is sent the unban of exactly the bans it was sent; a ban it was
//!   sent that is found ended at load (lifted or expired while down, or its news lost in a
//!   crash) gets its unban then;
//! - a ban decided after the handler was configured that never reached the outbox (a crash
//!   between the ledger and the outbox, a full queue) is found in force at load and sent then;
//! - a failed run is retried after `backoff`, doubling each time (at most an hour), up to
//!   `retries` times; then it is given up: logged, counted, removed.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use ipnet::IpNet;

mod decisions;
mod dispatch;
mod reconcile;
mod results;
mod sync_file;

use super::board::{HandlerBoard, HandlerStatus};
use super::context::Enrich;
use super::outbox::{Opened, Outbox, OutboxState, Record};
use super::reaping::ChildReaping;
use crate::config::HandlerConfig;
use crate::decision::{Action, Ban};
use crate::os::process::Outcome;
use crate::util::log::{Level, LogSink};
use crate::util::time::Millis;

/// The longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a stop waits for runs in progress before killing them.
const STOP_GRACE: Duration = Duration::from_secs(1);
/// Bytes of a program's stdout and stderr shown in the log, each.
const LOG_OUTPUT: usize = 512;
/// Log lines about runs, per handler and minute; beyond that they are counted, and the count
/// is logged when the next minute starts.
const LOG_LINES_PER_MINUTE: u32 = 30;

pub(super) enum Control {
    /// The engine can be asked about sources now: reconcile with the ledger, first sync.
    Begin,
    Reconfigure(Vec<HandlerConfig>),
    Stop,
}

/// Which run finished.
#[derive(Debug, Clone, PartialEq)]
enum RunOf {
    Job(u64),
    Sync,
}

struct RunDone {
    handler: String,
    of: RunOf,
    result: Result<Outcome, String>,
}

/// One handler as the runner keeps it.
struct Slot {
    cfg: HandlerConfig,
    configured: bool,
    /// uid and gid to run as, resolved when configured.
    ids: (Option<u32>, Option<u32>),
    ids_error: Option<String>,
    running: HashSet<u64>,
    sync_running: bool,
    sync_due: Option<Millis>,
    sync_attempts: u32,
    status: HandlerStatus,
    /// This minute's run log lines: (minute started, lines logged, lines suppressed).
    log_budget: (Option<Instant>, u32, u32),
}

impl Slot {
    fn new(cfg: HandlerConfig) -> Slot {
        let (ids, ids_error) = resolve_ids(&cfg);
        let status = HandlerStatus {
            name: cfg.name.clone(),
            configured: true,
            ..HandlerStatus::default()
        };
        Slot {
            cfg,
            configured: true,
            ids,
            ids_error,
            running: HashSet::new(),
            sync_running: false,
            sync_due: None,
            sync_attempts: 0,
            status,
            log_budget: (None, 0, 0),
        }
    }

    fn busy(&self) -> usize {
        self.running.len() + usize::from(self.sync_running)
    }
}

fn resolve_ids(cfg: &HandlerConfig) -> ((Option<u32>, Option<u32>), Option<String>) {
    let mut uid = None;
    let mut gid = None;
    if !cfg.user.is_empty() {
        match crate::os::accounts::user_ids(&cfg.user) {
            Some((u, g)) => {
                uid = Some(u);
                gid = g;
            }
            None => return ((None, None), Some(format!("unknown user '{}'", cfg.user))),
        }
    }
    if !cfg.group.is_empty() {
        match crate::os::accounts::group_id(&cfg.group) {
            Some(g) => gid = Some(g),
            None => return ((None, None), Some(format!("unknown group '{}'", cfg.group))),
        }
    }
    ((uid, gid), None)
}

fn backoff(cfg: &HandlerConfig, attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(20);
    cfg.backoff.saturating_mul(factor).min(MAX_BACKOFF)
}

fn ms(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

pub(super) struct RunnerSetup {
    pub dir: Option<PathBuf>,
    pub handlers: Vec<HandlerConfig>,
    pub in_force: Vec<Ban>,
    pub enrich: Arc<dyn Enrich>,
    pub reaping: Arc<dyn ChildReaping>,
    pub log: Arc<dyn LogSink>,
    pub clock: fn() -> Millis,
    pub node: String,
    pub board: Arc<HandlerBoard>,
}

pub(super) struct Runner {
    setup: RunnerSetup,
    slots: Vec<Slot>,
    outbox: Option<Outbox>,
    state: OutboxState,
    next_id: u64,
    /// Records applied to `state` but not yet on disk (the disk refused them so far).
    unwritten: Vec<Record>,
    in_force: HashMap<IpNet, Ban>,
    results_tx: Sender<RunDone>,
    results: Receiver<RunDone>,
    stop_runs: Arc<AtomicBool>,
    begun: bool,
    last_disk_error: Option<(String, Instant)>,
    reported_drops: u64,
    last_drop_report: Option<Instant>,
}

impl Runner {
    pub(super) fn new(setup: RunnerSetup) -> Runner {
        let (results_tx, results) = crossbeam_channel::unbounded();
        let mut runner = Runner {
            slots: Vec::new(),
            outbox: None,
            state: OutboxState::default(),
            next_id: 1,
            unwritten: Vec::new(),
            in_force: setup.in_force.iter().map(|b| (b.net, b.clone())).collect(),
            results_tx,
            results,
            stop_runs: Arc::new(AtomicBool::new(false)),
            begun: false,
            last_disk_error: None,
            reported_drops: 0,
            last_drop_report: None,
            setup,
        };
        runner.open_outbox();
        let configs = std::mem::take(&mut runner.setup.handlers);
        runner.slots = configs.into_iter().map(Slot::new).collect();
        runner
    }

    fn log(&self, level: Level, msg: &str) {
        self.setup.log.log(level, msg);
    }

    fn now(&self) -> Millis {
        (self.setup.clock)()
    }

    /// A log line about one of `handler`'s runs, within its budget per minute.
    fn log_run(&mut self, handler: &str, level: Level, msg: &str) {
        if level == Level::Verbose && !self.setup.log.enabled(Level::Verbose) {
            return;
        }
        let log = self.setup.log.clone();
        let Some(slot) = self.slots.iter_mut().find(|s| s.cfg.name == handler) else {
            log.log(level, msg);
            return;
        };
        let (started, logged, suppressed) = &mut slot.log_budget;
        if started.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
            if *suppressed > 0 {
                log.log(
                    Level::Notice,
                    &format!(
                        "handler {handler}: {suppressed} more log lines about its runs suppressed in the last minute"
                    ),
                );
            }
            *started = Some(Instant::now());
            *logged = 0;
            *suppressed = 0;
        }
        if *logged < LOG_LINES_PER_MINUTE {
            *logged += 1;
            log.log(level, msg);
        } else {
            *suppressed += 1;
        }
    }

    fn open_outbox(&mut self) {
        let Some(dir) = self.setup.dir.clone() else {
            self.setup.board.set_outbox(
                "none: no ledger directory; pending runs do not survive a restart".into(),
            );
            return;
        };
        match Outbox::open(&dir) {
            Ok((outbox, opened)) => {
                let Opened {
                    state,
                    next_id,
                    skipped,
                    torn,
                } = opened;
                if torn > 0 {
                    self.log(
                        Level::Warning,
                        &format!(
                            "handler outbox {}: cut off a last line torn by a crash ({torn} bytes)",
                            outbox.path().display()
                        ),
                    );
                }
                for line in skipped {
                    self.log(
                        Level::Warning,
                        &format!(
                            "handler outbox {}: line {line} unreadable, skipped",
                            outbox.path().display()
                        ),
                    );
                }
                self.setup
                    .board
                    .set_outbox(outbox.path().display().to_string());
                self.state = state;
                self.next_id = next_id;
                self.outbox = Some(outbox);
            }
            Err(e) => {
                let msg = format!(
                    "handler outbox in {}: {e}; handler runs pending at a restart will be lost",
                    dir.display()
                );
                self.log(Level::Error, &msg);
                self.setup.board.set_outbox(format!("unavailable: {e}"));
            }
        }
    }

    /// The runner thread's loop.
    /// `depth` counts the decisions queued by the notifier; the runner counts them down.
    pub(super) fn run(
        mut self,
        decisions: Receiver<Action>,
        control: Receiver<Control>,
        depth: &AtomicUsize,
    ) {
        let taken = || {
            depth.fetch_sub(1, Ordering::Relaxed);
        };
        let mut stopping: Option<Instant> = None;
        loop {
            let wait = self.next_wake();
            let never = crossbeam_channel::never();
            // Decisions wait in their queue until the engine can be asked about sources.
            let decided = if self.begun { &decisions } else { &never };
            select! {
                recv(control) -> msg => match msg {
                    Ok(Control::Begin) => self.begin(),
                    Ok(Control::Reconfigure(cfgs)) => self.reconfigure(cfgs),
                    Ok(Control::Stop) | Err(_) => {
                        if stopping.is_none() {
                            stopping = Some(Instant::now());
                        }
                    }
                },
                recv(decided) -> msg => {
                    if let Ok(a) = msg {
                        taken();
                        self.decided(a);
                        for a in decisions.try_iter().take(10_000) {
                            taken();
                            self.decided(a);
                        }
                    }
                },
                recv(self.results) -> msg => {
                    if let Ok(done) = msg {
                        self.finished(done);
                    }
                },
                default(wait) => {},
            }
            if let Some(since) = stopping {
                // What the enforcer told us last is kept for the next load.
                if self.begun {
                    for a in decisions.try_iter() {
                        taken();
                        self.decided(a);
                    }
                }
                if since.elapsed() >= STOP_GRACE {
                    self.stop_runs.store(true, Ordering::Relaxed);
                }
                while let Ok(done) = self.results.try_recv() {
                    self.finished(done);
                }
                if self.slots.iter().all(|s| s.busy() == 0) {
                    self.persist();
                    self.publish();
                    break;
                }
                if since.elapsed() >= STOP_GRACE * 3 {
                    self.log(
                        Level::Warning,
                        "handler runs did not end after being killed; leaving them",
                    );
                    self.persist();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            self.report_drops();
            self.persist();
            if self.begun {
                self.dispatch();
            }
            self.publish();
        }
    }

    /// How long the loop may sleep: until the next retry or sync is due (at most a second).
    fn next_wake(&self) -> Duration {
        let now = self.now();
        let mut next = now + 1000;
        if self.begun {
            for j in self.state.jobs.values() {
                if j.next_try > now {
                    next = next.min(j.next_try);
                } else {
                    next = next.min(now + 100);
                }
            }
            for s in &self.slots {
                if let Some(d) = s.sync_due {
                    next = next.min(d.max(now));
                }
            }
        }
        Duration::from_millis(u64::try_from((next - now).max(5)).unwrap_or(1000))
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.cfg.name == name)
    }

    fn slot_mut(&mut self, name: &str) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.cfg.name == name)
    }

    fn record(&mut self, r: Record) {
        self.state.apply(&r);
        self.unwritten.push(r);
    }

    /// Writes what is unwritten; on failure keeps it for the next try.
    fn persist(&mut self) {
        let Some(outbox) = self.outbox.as_mut() else {
            self.unwritten.clear();
            return;
        };
        if self.unwritten.is_empty() {
            return;
        }
        match outbox.append(&self.unwritten) {
            Ok(()) => {
                self.unwritten.clear();
                if let Err(e) = outbox.maybe_compact(&self.state) {
                    let msg = format!(
                        "handler outbox {}: rewrite failed: {e}",
                        outbox.path().display()
                    );
                    self.disk_error(msg);
                }
                self.last_disk_error = None;
            }
            Err(e) => {
                let msg = format!(
                    "cannot write the handler outbox {}: {e}; will retry",
                    outbox.path().display()
                );
                self.disk_error(msg);
            }
        }
    }

    /// Logs a disk error, the same one at most once a minute.
    fn disk_error(&mut self, msg: String) {
        let repeat = self
            .last_disk_error
            .as_ref()
            .is_some_and(|(m, at)| *m == msg && at.elapsed() < Duration::from_secs(60));
        if !repeat {
            self.log(Level::Error, &msg);
            self.last_disk_error = Some((msg, Instant::now()));
        }
    }

    fn report_drops(&mut self) {
        let dropped = self.setup.board.dropped.load(Ordering::Relaxed);
        if dropped == self.reported_drops {
            return;
        }
        if self
            .last_drop_report
            .is_some_and(|at| at.elapsed() < Duration::from_secs(60))
        {
            return;
        }
        self.log(
            Level::Warning,
            &format!(
                "handler queue full: {} decisions not queued for handlers ({dropped} in all); bans among them are sent at the next load",
                dropped - self.reported_drops
            ),
        );
        self.reported_drops = dropped;
        self.last_drop_report = Some(Instant::now());
    }

    fn publish(&mut self) {
        let mut waiting: HashMap<&str, (usize, usize)> = HashMap::new();
        for j in self.state.jobs.values() {
            let e = waiting.entry(j.handler.as_str()).or_default();
            e.0 += 1;
            if j.attempts > 0 {
                e.1 += 1;
            }
        }
        let rows = self
            .slots
            .iter()
            .map(|s| {
                let (queued, retries) = waiting
                    .get(s.cfg.name.as_str())
                    .copied()
                    .unwrap_or_default();
                let decisions: Vec<&str> = s.cfg.decisions.0.iter().map(|a| a.name()).collect();
                HandlerStatus {
                    program: s.cfg.program.clone(),
                    decisions: decisions.join(", "),
                    configured: s.configured,
                    queued,
                    retries_pending: retries,
                    running: s.busy(),
                    ..s.status.clone()
                }
            })
            .collect();
        self.setup.board.publish(rows);
    }
}
