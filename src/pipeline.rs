//! The hand-over from Asterisk's threads to the engine worker, and the worker itself.
//!
//! Asterisk's stasis thread calls [`Ingress::submit`], which never blocks: if the bounded queue
//! is full the event is dropped and counted. Blocking there would back up Asterisk's
//! taskprocessor, and at 500 queued messages Asterisk raises a global overload alert that makes
//! PJSIP ignore new requests — a denial of service of our own making.

use std::net::IpAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use ipnet::IpNet;

use crate::ban::Ban;
use crate::config::Config;
use crate::enforcer::{Ack, EnforcerStats, Order};
use crate::engine::{Action, Engine, UnbanReason};
use crate::escape::for_log;
use crate::event::RawEvent;
use crate::histogram::Histogram;
use crate::log::{Level, LogSink};
use crate::lookups::{LookupSources, Lookups};
use crate::stats::Stats;
use crate::window::Millis;

/// What travels to the engine worker.
pub enum Envelope {
    /// A security event, stamped when Asterisk handed it to us.
    Event {
        raw: RawEvent,
        received: Instant,
    },
    Command(Command),
    Shutdown,
}

/// An administrator's request (CLI, AMI); the answer goes to `ack` once it is durable.
pub enum Command {
    Ban {
        net: IpNet,
        /// None: permanent.
        length: Option<Duration>,
        reason: String,
        ack: Ack,
    },
    Unban {
        net: IpNet,
        ack: Ack,
    },
}

/// The wall clock in milliseconds; bans outlive the process, so monotonic time will not do.
pub fn wall_clock_ms() -> Millis {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// What the engine starts with besides its configuration.
pub struct Services {
    /// This host's own addresses (whitelisted by default).
    pub host_addresses: Vec<IpAddr>,
    /// Bans in force and offence history from the ledger.
    pub restored_bans: Vec<Ban>,
    pub restored_offences: Vec<(IpNet, Millis)>,
    /// Where decisions go; None when nothing is enforced (counting only).
    pub enforcer: Option<Sender<Order>>,
    /// The enforcer's counters, for the status report.
    pub enforcer_stats: Option<Arc<EnforcerStats>>,
    pub clock: fn() -> Millis,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            host_addresses: Vec::new(),
            restored_bans: Vec::new(),
            restored_offences: Vec::new(),
            enforcer: None,
            enforcer_stats: None,
            clock: wall_clock_ms,
        }
    }
}

/// Counters touched on Asterisk's threads: atomics only.
#[derive(Default)]
pub struct IngressCounters {
    pub submitted: AtomicU64,
    pub dropped: AtomicU64,
    /// Messages the callback could not read at all (no payload, no event number).
    pub unreadable: AtomicU64,
    /// Taken off the queue by the worker; `submitted - taken` is the queue depth.
    pub taken: AtomicU64,
    /// Time spent inside the stasis callback, on Asterisk's thread.
    pub callback_cost: Histogram,
}

/// State shared between the worker and the query side (CLI, dialplan functions).
pub struct Shared {
    config: RwLock<Arc<Config>>,
    stats: Mutex<Stats>,
    engine: Mutex<Engine>,
    /// The files behind the lookups; touched only by the worker's periodic check and by reload.
    sources: Mutex<LookupSources>,
    /// The current lookups, for the dialplan functions: an Arc clone under a read lock.
    lookups: RwLock<Arc<Lookups>>,
    log: Arc<dyn LogSink>,
    commands: Sender<Envelope>,
    pub clock: fn() -> Millis,
    pub enforcement: Option<Arc<EnforcerStats>>,
    pub ingress: IngressCounters,
    pub queue_capacity: usize,
    pub started: Instant,
    pub started_wall: SystemTime,
}

impl Shared {
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The worker holds this lock only while counting one event.
    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The worker holds this lock while scoring one event; queries hold it to read one report.
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies a reloaded configuration to the counters and the engine at once. The geo
    /// database, geo policy and lists are opened again from the new configuration first (file
    /// reads, on the reloading thread), then swapped in with everything else.
    pub fn reconfigure(&self, cfg: Config) {
        let mut sources = LookupSources::open(&cfg, self.log.as_ref());
        let lookups = Arc::new(sources.snapshot());
        let cfg = Arc::new(cfg);
        let mut engine = self.engine();
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = cfg.clone();
        engine.reconfigure(cfg);
        engine.set_lookups(lookups.clone());
        drop(engine);
        *self.sources.lock().unwrap_or_else(|p| p.into_inner()) = sources;
        *self.lookups.write().unwrap_or_else(|p| p.into_inner()) = lookups;
    }

    pub fn lookups(&self) -> Arc<Lookups> {
        self.lookups
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reloads changed list and database files (engine thread).
    fn refresh_lookups(&self) {
        let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        if sources.refresh(self.log.as_ref()) {
            let lookups = Arc::new(sources.snapshot());
            drop(sources);
            self.engine().set_lookups(lookups.clone());
            *self.lookups.write().unwrap_or_else(|p| p.into_inner()) = lookups;
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

/// The sending side, owned by the stasis subscription.
pub struct Ingress {
    tx: Sender<Envelope>,
    shared: Arc<Shared>,
}

impl Ingress {
    /// Queues an event without waiting. Returns false when it was dropped.
    pub fn submit(&self, raw: RawEvent, received: Instant) -> bool {
        let shared = &self.shared;
        let counters = &shared.ingress;
        // The bound is ours rather than the channel's: a bounded channel reserves all its slots
        // up front, and glibc keeps such a block cached per malloc arena after unload, which
        // reads as memory growth across module reloads. The stasis thread is the only producer,
        // so nothing can slip in between the check and the send.
        if shared.queue_depth() >= shared.queue_capacity as u64 {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        counters.submitted.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(Envelope::Event { raw, received }).is_err() {
            // The worker is gone (module stopping): the event was not queued after all.
            counters.submitted.fetch_sub(1, Ordering::Relaxed);
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    pub fn counters(&self) -> &IngressCounters {
        &self.shared.ingress
    }
}

/// The running worker. Close every [`Ingress`] first, then [`Pipeline::join`].
pub struct Pipeline {
    pub shared: Arc<Shared>,
    worker: JoinHandle<()>,
}

impl Pipeline {
    pub fn start(config: Config, log: Arc<dyn LogSink>) -> std::io::Result<(Pipeline, Ingress)> {
        Self::start_with(config, log, Services::default())
    }

    pub fn start_with(
        config: Config,
        log: Arc<dyn LogSink>,
        services: Services,
    ) -> std::io::Result<(Pipeline, Ingress)> {
        let capacity = config.general.queue_size;
        let (tx, rx) = unbounded();
        let config = Arc::new(config);
        let now = (services.clock)();
        let mut engine = Engine::new(config.clone(), services.host_addresses);
        engine.restore(services.restored_bans, services.restored_offences, now);
        let mut sources = LookupSources::open(&config, log.as_ref());
        let lookups = Arc::new(sources.snapshot());
        engine.set_lookups(lookups.clone());
        let shared = Arc::new(Shared {
            config: RwLock::new(config),
            stats: Mutex::new(Stats::default()),
            engine: Mutex::new(engine),
            sources: Mutex::new(sources),
            lookups: RwLock::new(lookups),
            log: log.clone(),
            commands: tx.clone(),
            clock: services.clock,
            enforcement: services.enforcer_stats,
            ingress: IngressCounters::default(),
            queue_capacity: capacity,
            started: Instant::now(),
            started_wall: SystemTime::now(),
        });
        let worker_shared = shared.clone();
        let orders = services.enforcer;
        let worker = std::thread::Builder::new()
            .name("secast-engine".into())
            .spawn(move || run_worker(rx, &worker_shared, orders, log.as_ref()))?;
        let ingress = Ingress {
            tx,
            shared: shared.clone(),
        };
        Ok((Pipeline { shared, worker }, ingress))
    }

    /// Stops the worker after it has finished what is queued, and waits for it.
    pub fn join(self) -> Arc<Shared> {
        let _ = self.shared.commands.send(Envelope::Shutdown);
        let _ = self.worker.join();
        self.shared
    }
}

/// How often the engine looks at the clock when no events come (ban expiry, eviction).
const TICK: Duration = Duration::from_millis(500);

fn run_worker(
    rx: Receiver<Envelope>,
    shared: &Shared,
    orders: Option<Sender<Order>>,
    log: &dyn LogSink,
) {
    let mut last_tick = Instant::now();
    let mut last_refresh = Instant::now();
    loop {
        let envelope = match rx.recv_timeout(TICK) {
            Ok(Envelope::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(e) => Some(e),
            Err(RecvTimeoutError::Timeout) => None,
        };
        // One bad event must not stop the engine: a panic here is logged and the loop goes on.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            match envelope {
                Some(Envelope::Event { raw, received }) => {
                    shared.ingress.taken.fetch_add(1, Ordering::Relaxed);
                    process(raw, received, shared, orders.as_ref(), log);
                }
                Some(Envelope::Command(cmd)) => command(cmd, shared, orders.as_ref()),
                Some(Envelope::Shutdown) | None => {}
            }
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                let actions = shared.engine().tick(shared.now());
                dispatch(actions, None, orders.as_ref());
                if last_refresh.elapsed() >= shared.config().intel.check_interval {
                    last_refresh = Instant::now();
                    shared.refresh_lookups();
                }
            }
        }));
        if outcome.is_err() {
            log.log(
                Level::Error,
                "engine worker: processing panicked; item skipped",
            );
        }
    }
}

/// Hands decisions to the enforcer. Without one (counting only) an ack is answered at once.
fn dispatch(actions: Vec<Action>, ack: Option<Ack>, orders: Option<&Sender<Order>>) {
    if actions.is_empty() && ack.is_none() {
        return;
    }
    match orders {
        Some(tx) => {
            let _ = tx.send(Order::Act {
                actions,
                ack,
                decided: Instant::now(),
            });
        }
        None => {
            if let Some(ack) = ack {
                let _ = ack.send(Ok("recorded (no enforcer running)".to_owned()));
            }
        }
    }
}

fn command(cmd: Command, shared: &Shared, orders: Option<&Sender<Order>>) {
    let now = shared.now();
    match cmd {
        Command::Ban {
            net,
            length,
            reason,
            ack,
        } => {
            let result = shared.engine().manual_ban(net, length, &reason, now);
            match result {
                Ok(ban) => dispatch(vec![Action::Ban(ban)], Some(ack), orders),
                Err(why) => {
                    let _ = ack.send(Err(why));
                }
            }
        }
        Command::Unban { net, ack } => {
            let removed = shared.engine().manual_unban(&net);
            match removed {
                Some(ban) => dispatch(
                    vec![Action::Unban {
                        ban,
                        why: UnbanReason::Manual,
                    }],
                    Some(ack),
                    orders,
                ),
                None => {
                    let _ = ack.send(Err(format!("{net} is not banned")));
                }
            }
        }
    }
}

fn process(
    raw: RawEvent,
    received: Instant,
    shared: &Shared,
    orders: Option<&Sender<Order>>,
    log: &dyn LogSink,
) {
    let cfg = shared.config();
    match raw.parse() {
        Ok(ev) => {
            if cfg.general.log_events && log.enabled(Level::Verbose) {
                log.log(
                    Level::Verbose,
                    &format!(
                        "security event {} service={} account=\"{}\" from {}",
                        ev.kind,
                        for_log(&ev.service),
                        ev.account.as_deref().map(for_log).unwrap_or_default(),
                        ev.remote
                    ),
                );
            }
            let actions = shared.engine().on_event(&ev, shared.now());
            dispatch(actions, None, orders);
            // One stats lock per event, taken after the engine's is released (never both).
            let mut stats = shared.stats();
            stats.record(&ev, cfg.general.max_tracked_sources);
            stats.latency.record(received.elapsed());
        }
        Err(err) => {
            shared.stats().malformed += 1;
            if log.enabled(Level::Debug) {
                log.log(
                    Level::Debug,
                    &format!("ignored malformed security event: {err}"),
                );
            }
        }
    }
}
