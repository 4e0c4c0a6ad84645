//! The state the worker shares with the query side (CLI, dialplan functions, status).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::Sender;

use super::envelope::Envelope;
use super::event_counters::EventCounters;
use super::ingress_counters::IngressCounters;
use super::lookup_sources::LookupSources;
use crate::config::Config;
use crate::decision::Command;
use crate::enforce::EnforcerStats;
use crate::enforce::handlers::HandlerBoard;
use crate::engine::Engine;
use crate::lookups::Lookups;
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::log::LogSink;
use crate::util::time::Millis;

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
    pub enforcement: Option<Arc<EnforcerStats>>,
    /// The event handlers, when any run.
    pub handlers: Option<Arc<HandlerBoard>>,
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
        let mut engine = self.engine();
        *self.config.write_locked() = cfg.clone();
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
}
