//! The state the worker shares with the query side (CLI, dialplan functions, status).
//!
//! Readers on Asterisk's threads use the published view only ([`Shared::is_banned`],
//! [`Shared::risk_of`], [`Shared::risk_of_account`], [`Shared::published`]): they never take
//! the engine's lock, which the worker holds while it scores, sweeps or evicts.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, TryLockError};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::Sender;

use super::envelope::Envelope;
use super::event_counters::EventCounters;
use super::ingress_counters::IngressCounters;
use super::lookup_sources::LookupSources;
use super::profile_file;
use super::published::Published;
use crate::audit::AuditDesk;
use crate::calls::{CallGuard, CallPolicy, CheckOutcome, CheckRequest, Dial, RiskView};
use crate::cluster::Hub;
use crate::config::Config;
use crate::decision::{Action, Command, FraudAlert};
use crate::enforce::handlers::HandlerBoard;
use crate::enforce::{EnforcerStats, Order};
use crate::engine::Engine;
use crate::lookups::Lookups;
use crate::sensor::Sensor;
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::log::LogSink;
use crate::util::time::Millis;

/// Whether a channel with this uniqueid still exists.
pub type ChannelProbe = Arc<dyn Fn(&str) -> bool + Send + Sync>;

pub struct Shared {
    pub(super) config: RwLock<Arc<Config>>,
    pub(super) event_counters: Mutex<EventCounters>,
    pub(super) engine: Mutex<Engine>,
    /// What readers see of the engine without its lock.
    pub(super) published: Arc<Published>,
    /// The files behind the lookups; touched only by the worker's periodic check and by reload.
    pub(super) sources: Mutex<LookupSources>,
    /// The current lookups, for the dialplan functions: an Arc clone under a read lock.
    pub(super) lookups: RwLock<Arc<Lookups>>,
    pub(super) log: Arc<dyn LogSink>,
    pub(super) commands: Sender<Envelope>,
    /// Wakes the protection refresher (reload); None when there is none.
    pub(super) protection_wake: Option<Sender<()>>,
    pub clock: fn() -> Millis,
    /// The toll-fraud guard: its own state and locks, never the engine's.
    pub calls: CallGuard,
    /// Where decisions go (the enforcer's queue; never waits); None: counting only.
    pub(super) orders: Option<Sender<Order>>,
    /// Asks Asterisk whether a channel still exists (set by the host layer).
    pub(super) channel_probe: RwLock<Option<ChannelProbe>>,
    pub enforcement: Option<Arc<EnforcerStats>>,
    /// The event handlers, when any run.
    pub handlers: Option<Arc<HandlerBoard>>,
    pub ingress: IngressCounters,
    pub queue_capacity: usize,
    pub started: Instant,
    pub started_wall: SystemTime,
    /// The configuration audit's reports and requests (`secast audit`).
    pub audit: Option<Arc<AuditDesk>>,
    /// The cluster's hub (registrations, link status), when the module has one.
    pub cluster: Option<Arc<Hub>>,
    /// The PJSIP sensor: read by PJSIP's monitor thread, fed by this worker.
    pub(super) sensor: Arc<Sensor>,
    /// The device profiles' file (in the ledger's directory); None: not kept.
    pub(super) profiles_path: Mutex<Option<PathBuf>>,
}

impl Shared {
    pub fn config(&self) -> Arc<Config> {
        self.config.read_locked().clone()
    }

    /// The worker holds this lock only while counting one event.
    pub fn event_counters(&self) -> MutexGuard<'_, EventCounters> {
        self.event_counters.locked()
    }

    /// The worker holds this lock while scoring one event, and for a whole sweep or eviction
    /// (tens of milliseconds at a million sources). Never from a dialplan function or the
    /// PJSIP monitor thread: those read [`Shared::published`].
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.locked()
    }

    /// The engine, if it can be had within `wait` (the CLI's detailed reports); None while
    /// the worker holds it longer (a sweep of a large table).
    pub fn engine_within(&self, wait: Duration) -> Option<MutexGuard<'_, Engine>> {
        let deadline = Instant::now() + wait;
        loop {
            match self.engine.try_lock() {
                Ok(g) => return Some(g),
                Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Keeps the device profiles in `dir` (the ledger's directory): reads what is there now
    /// and saves there from now on. Called by the host at load; `[ledger] directory`, when
    /// set, is used without it.
    pub fn keep_profiles_in(&self, dir: &Path) {
        let path = profile_file::path_in(dir);
        profile_file::load(&path, &mut self.engine(), self.log.as_ref());
        *self.profiles_path.locked() = Some(path);
    }

    /// Saves the device profiles if they changed (the worker: every few seconds, and at
    /// shutdown). The text is made under the engine's lock, written outside it.
    pub(super) fn save_profiles(&self) {
        let Some(path) = self.profiles_path.locked().clone() else {
            return;
        };
        let Some(text) = profile_file::changed_text(&mut self.engine()) else {
            return;
        };
        if !profile_file::save(&path, &text, self.log.as_ref()) {
            self.engine().profiles_unsaved();
        }
    }

    /// The PJSIP sensor, for the host's PJSIP service.
    pub fn sensor(&self) -> Arc<Sensor> {
        self.sensor.clone()
    }

    /// What the engine published: bans, risks, accounts, the whitelist, counters.
    pub fn published(&self) -> &Published {
        &self.published
    }

    /// Whether a ban in force covers `ip` (a host ban or any wider network). O(1), no
    /// allocation, never waits for the engine: for dialplan functions, the CLI and the PJSIP
    /// monitor thread.
    pub fn is_banned(&self, ip: IpAddr) -> bool {
        self.published.is_banned(ip, self.now())
    }

    /// The source's risk now, 0 to 100 (100 while banned). Same guarantees as
    /// [`Shared::is_banned`].
    pub fn risk_of(&self, ip: IpAddr) -> u8 {
        self.published.risk_of(ip, self.now())
    }

    /// The account's risk now, 0 to 100. Same guarantees as [`Shared::is_banned`].
    pub fn risk_of_account(&self, account: &str) -> u8 {
        self.published.risk_of_account(account, self.now())
    }

    /// Applies a reloaded configuration to the counters and the engine at once. The geo
    /// database, geo policy and lists are opened again from the new configuration first (file
    /// reads, on the reloading thread), then swapped in with everything else. What the PBX
    /// depends on is read again too (resolvers, gateways, PJSIP trunks).
    pub fn reconfigure(&self, cfg: Config) {
        let mut sources = LookupSources::open(&cfg, self.log.as_ref());
        let lookups = Arc::new(sources.snapshot());
        let cfg = Arc::new(cfg);
        let calls = CallPolicy::new(&cfg);
        let mut engine = self.engine();
        *self.config.write_locked() = cfg.clone();
        self.published
            .configure(cfg.general.risk_half_life, cfg.general.ipv6_prefix);
        self.calls.reconfigure(calls);
        engine.reconfigure(cfg);
        engine.set_lookups(lookups.clone());
        for change in engine.drain_changes() {
            self.published.apply(change);
        }
        drop(engine);
        *self.sources.locked() = sources;
        *self.lookups.write_locked() = lookups.clone();
        self.sensor.reconfigure(self.config(), lookups);
        self.refresh_protection();
    }

    /// Asks the protection refresher to read everything again now.
    pub fn refresh_protection(&self) {
        if let Some(w) = &self.protection_wake {
            let _ = w.try_send(());
        }
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
            *self.lookups.write_locked() = lookups.clone();
            self.sensor.reconfigure(self.config(), lookups);
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
/// The call guard reads risk on dialplan threads: from the published view, never the engine.
impl RiskView for Shared {
    fn is_banned(&self, ip: IpAddr) -> bool {
        Shared::is_banned(self, ip)
    }

    fn risk_of(&self, ip: IpAddr) -> u8 {
        Shared::risk_of(self, ip)
    }

    fn risk_of_account(&self, account: &str) -> u8 {
        Shared::risk_of_account(self, account)
    }
}

/// Moves the engine's changes and counters into the published view (the worker, with the
/// engine's lock held, after every item).
pub(super) fn publish(engine: &mut Engine, published: &Published) {
    for change in engine.drain_changes() {
        published.apply(change);
    }
    published.set_counters(&engine.counters, engine.bans().len(), engine.tracked_ips());
}
