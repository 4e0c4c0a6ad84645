//! The state the worker shares with the query side (CLI, dialplan functions, status).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime};

use std::net::IpAddr;

use crossbeam_channel::Sender;

use super::envelope::Envelope;
use super::event_counters::EventCounters;
use super::ingress_counters::IngressCounters;
use super::lookup_sources::LookupSources;
use crate::calls::{CallGuard, CallPolicy, CheckOutcome, CheckRequest, Dial, RiskView};
use crate::config::Config;
use crate::decision::{Action, Command, FraudAlert};
use crate::enforce::{EnforcerStats, Order};
use crate::engine::Engine;
use crate::lookups::Lookups;
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::log::LogSink;
use crate::util::time::Millis;

/// Whether a channel with this uniqueid still exists.
pub type ChannelProbe = Arc<dyn Fn(&str) -> bool + Send + Sync>;

pub struct Shared {
    pub(super) config: RwLock<Arc<Config>>,
    pub(super) event_counters: Mutex<EventCounters>,
    pub(super) engine: Mutex<Engine>,
    /// The files behind the lookups; touched only by the worker's periodic check and by reload.
    pub(super) sources: Mutex<LookupSources>,
    /// The current lookups, for the dialplan functions: an Arc clone under a read lock.
    pub(super) lookups: RwLock<Arc<Lookups>>,
    pub(super) log: Arc<dyn LogSink>,
    pub(super) commands: Sender<Envelope>,
    pub clock: fn() -> Millis,
    /// The toll-fraud guard: its own state and locks, never the engine's.
    pub calls: CallGuard,
    /// Where decisions go (the enforcer's queue; never waits); None: counting only.
    pub(super) orders: Option<Sender<Order>>,
    /// Asks Asterisk whether a channel still exists (set by the host layer).
    pub(super) channel_probe: RwLock<Option<ChannelProbe>>,
    pub enforcement: Option<Arc<EnforcerStats>>,
    pub ingress: IngressCounters,
    pub queue_capacity: usize,
    pub started: Instant,
    pub started_wall: SystemTime,
}

impl Shared {
    pub fn config(&self) -> Arc<Config> {
        self.config.read_locked().clone()
    }

    /// The worker holds this lock only while counting one event.
    pub fn event_counters(&self) -> MutexGuard<'_, EventCounters> {
        self.event_counters.locked()
    }

    /// The worker holds this lock while scoring one event; queries hold it to read one report.
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.locked()
    }

    /// Applies a reloaded configuration to the counters and the engine at once. The geo
    /// database, geo policy and lists are opened again from the new configuration first (file
    /// reads, on the reloading thread), then swapped in with everything else.
    pub fn reconfigure(&self, cfg: Config) {
        let mut sources = LookupSources::open(&cfg, self.log.as_ref());
        let lookups = Arc::new(sources.snapshot());
        let cfg = Arc::new(cfg);
        let calls = CallPolicy::new(&cfg);
        let mut engine = self.engine();
        *self.config.write_locked() = cfg.clone();
        self.calls.reconfigure(calls);
        engine.reconfigure(cfg);
        engine.set_lookups(lookups.clone());
        drop(engine);
        *self.sources.locked() = sources;
        *self.lookups.write_locked() = lookups;
    }

    pub fn lookups(&self) -> Arc<Lookups> {
        self.lookups.read_locked().clone()
    }

    /// Reloads changed list and database files (engine thread).
    pub(super) fn refresh_lookups(&self) {
        let mut sources = self.sources.locked();
        if sources.refresh(self.log.as_ref()) {
            let lookups = Arc::new(sources.snapshot());
            drop(sources);
            self.engine().set_lookups(lookups.clone());
            *self.lookups.write_locked() = lookups;
        }
    }

    /// Queues an administrator's command for the worker. Never waits.
    pub fn command(&self, cmd: Command) -> bool {
        self.commands.send(Envelope::Command(cmd)).is_ok()
    }

    pub fn now(&self) -> Millis {
        (self.clock)()
    }

    pub fn queue_depth(&self) -> u64 {
        let submitted = self.ingress.submitted.load(Ordering::Relaxed);
        submitted.saturating_sub(self.ingress.taken.load(Ordering::Relaxed))
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Hands the call guard's findings to the enforcer (AMI, log, hang-ups, handlers). Never
    /// waits: callable from a dialplan or stasis thread.
    pub fn dispatch_fraud(&self, alerts: Vec<FraudAlert>) {
        if alerts.is_empty() {
            return;
        }
        if let Some(tx) = &self.orders {
            let _ = tx.send(Order::Act {
                actions: alerts.into_iter().map(Action::Fraud).collect(),
                ack: None,
                decided: Instant::now(),
            });
        }
    }

    /// SECAST_CALLCHECK on a dialplan thread: check and reserve in one step; the findings go
    /// to the enforcer. Reads the lists snapshot (an Arc clone) and the engine's risk for
    /// the caller; never waits for the engine worker's queue.
    pub fn call_check(&self, req: &CheckRequest) -> CheckOutcome {
        let lookups = self.lookups();
        let mut outcome = self.calls.check(req, &lookups.numbers, self, self.now());
        self.dispatch_fraud(std::mem::take(&mut outcome.alerts));
        outcome
    }

    /// A Dial message, from the stasis thread (see `CallGuard::on_dial`).
    pub fn call_dial(&self, dial: &Dial) {
        let lookups = self.lookups();
        let alerts = self.calls.on_dial(dial, &lookups.numbers, self, self.now());
        self.dispatch_fraud(alerts);
    }

    /// Lets the call guard ask Asterisk whether a channel still exists (its sweep).
    pub fn set_channel_probe(&self, probe: Option<ChannelProbe>) {
        *self.channel_probe.write_locked() = probe;
    }

    /// The call guard's clock: duration levels and sweeps (engine worker thread).
    pub(super) fn calls_tick(&self) {
        let probe = self.channel_probe.read_locked().clone();
        let alive = probe.as_ref().map(|p| p.as_ref() as &dyn Fn(&str) -> bool);
        let alerts = self.calls.tick(self.now(), alive);
        self.dispatch_fraud(alerts);
    }

    /// `secast clear account ID`: the call guard's restriction and counters, and the engine's
    /// risk for the account. Whether anything was known about it.
    pub fn clear_account(&self, account: &str) -> bool {
        let calls = self.calls.clear_account(account);
        let engine = self.engine().clear_account(account);
        calls || engine
    }
}

/// The engine's view of risk for the call guard: today over the engine's lock, held for one
/// lookup. The one place to switch to a published, lock-free view.
impl RiskView for Shared {
    fn is_banned(&self, ip: IpAddr) -> bool {
        self.engine().bans().covering(ip).is_some()
    }

    fn risk_of(&self, ip: IpAddr) -> u8 {
        self.engine().risk_of(ip, self.now())
    }

    fn risk_of_account(&self, account: &str) -> u8 {
        self.engine().account_risk(account, self.now())
    }
}
