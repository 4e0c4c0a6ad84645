//! The engine worker: the thread that owns the engine, the queue that feeds it, and the state
//! it shares with the query side.
//!
//! - [`Ingress`]: Asterisk's threads hand events over here, never waiting;
//! - [`Shared`]: what the CLI and dialplan functions read, and [`Published`]: the engine's
//!   state as readers that must never wait for it see it;
//! - [`ProtectionRefresher`]: reads what the PBX depends on (resolvers, gateways, trunks)
//!   again and again, on a thread of its own;
//! - the loop below: events, admin commands and the clock, one at a time, each guarded so that
//!   one bad item cannot stop the engine.

pub mod audit_inputs;
mod commands;
mod dispatch;
mod envelope;
mod event_counters;
mod events;
mod ingress;
mod ingress_counters;
mod lookup_sources;
mod profile_file;
mod protection_refresh;
mod published;
mod remote;
mod sensor_notes;
mod services;
mod sharded_map;
mod shared;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

pub use envelope::Envelope;
pub use event_counters::{EventCounters, MAX_ACCOUNTS_PER_SOURCE, SourceCounts};
pub use ingress::Ingress;
pub use ingress_counters::IngressCounters;
pub use lookup_sources::LookupSources;
pub use protection_refresh::{PjsipReader, ProtectionReaders, ProtectionRefresher};
pub use published::{Published, PublishedCounters};
pub use services::Services;
pub use shared::{ChannelProbe, Shared};

use crate::calls::{CallGuard, CallPolicy};
use crate::config::Config;
use crate::enforce::Order;
use crate::engine::Engine;
use crate::sensor::{Sensor, SensorNote};
use crate::util::log::{Level, LogSink};

/// The running worker. Close every [`Ingress`] first, then [`Pipeline::join`].
pub struct Pipeline {
    pub shared: Arc<Shared>,
    worker: JoinHandle<()>,
    refresher: Option<ProtectionRefresher>,
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
        // Bans from the ledger that may not stand (protected, or no firewall can apply
        // them) are ended in the ledger and the kernel instead of restored.
        let undo = engine.restore(services.restored_bans, services.restored_offences, now);
        for a in &undo {
            if let crate::decision::Action::Unban { ban, .. } = a {
                log.log(
                    Level::Warning,
                    &format!(
                        "ledger ban of {} not restored: it covers a protected address or no firewall can apply it",
                        ban.net
                    ),
                );
            }
        }
        dispatch::dispatch(undo, None, services.enforcer.as_ref());
        let mut sources = LookupSources::open(&config, log.as_ref());
        let lookups = Arc::new(sources.snapshot());
        engine.set_lookups(lookups.clone());
        let published = Arc::new(Published::new(
            config.general.risk_half_life,
            config.general.ipv6_prefix,
        ));
        engine.start_publishing(now);
        shared::publish(&mut engine, &published);
        let (wake_tx, wake_rx) = bounded(1);
        let calls = CallGuard::new(CallPolicy::new(&config));
        let (sensor, notes) = Sensor::new(published.clone(), config.clone(), lookups.clone());
        let orders = services.enforcer;
        let shared = Arc::new(Shared {
            config: RwLock::new(config),
            event_counters: Mutex::new(EventCounters::default()),
            engine: Mutex::new(engine),
            published,
            protection_wake: services.protection.is_some().then(|| wake_tx.clone()),
            sources: Mutex::new(sources),
            lookups: RwLock::new(lookups),
            log: log.clone(),
            commands: tx.clone(),
            clock: services.clock,
            calls,
            orders: orders.clone(),
            channel_probe: RwLock::new(None),
            enforcement: services.enforcer_stats,
            handlers: services.handlers,
            ingress: IngressCounters::default(),
            queue_capacity: capacity,
            started: Instant::now(),
            started_wall: SystemTime::now(),
            audit: services.audit,
            cluster: services.cluster,
            sensor: Arc::new(sensor),
            profiles_path: Mutex::new(None),
        });
        if !shared.config().ledger.directory.is_empty() {
            let dir = std::path::PathBuf::from(&shared.config().ledger.directory);
            shared.keep_profiles_in(&dir);
        }
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name("secast-engine".into())
            .spawn(move || run(rx, notes, &worker_shared, orders, log.as_ref()))?;
        let refresher = match services.protection {
            Some(readers) => Some(ProtectionRefresher::start(
                shared.clone(),
                readers,
                wake_rx,
                wake_tx,
            )?),
            None => None,
        };
        let ingress = Ingress {
            tx,
            shared: shared.clone(),
        };
        Ok((
            Pipeline {
                shared,
                worker,
                refresher,
            },
            ingress,
        ))
    }

    /// Stops the worker after it has finished what is queued, and waits for it.
    pub fn join(self) -> Arc<Shared> {
        if let Some(r) = self.refresher {
            r.stop();
        }
        let _ = self.shared.commands.send(Envelope::Shutdown);
        let _ = self.worker.join();
        self.shared
    }
}

/// How often the engine looks at the clock when no events come (ban expiry, eviction).
const TICK: Duration = Duration::from_millis(500);

/// Sensor notes taken one after the other before the event queue gets its turn.
const NOTES_IN_A_ROW: usize = 64;

/// How often the status counters' idle sources are swept.
const COUNTERS_SWEEP: Duration = Duration::from_secs(60);

/// What the worker takes next: an item of its queue, or a note from the PJSIP sensor.
enum Next {
    Envelope(Envelope),
    Note(SensorNote),
}

fn run(
    rx: Receiver<Envelope>,
    notes: Receiver<SensorNote>,
    shared: &Shared,
    orders: Option<Sender<Order>>,
    log: &dyn LogSink,
) {
    let mut last_tick = Instant::now();
    let mut last_refresh = Instant::now();
    let mut last_counters_sweep = Instant::now();
    let mut last_profiles_save = Instant::now();
    let mut notes_in_a_row = 0usize;
    loop {
        // The sensor's notes first: a finding becomes a ban the sensor reads before the
        // attacker's next request. But never more than NOTES_IN_A_ROW of them before the
        // queue gets its turn: a scanner flood from forged sources must not starve the
        // security events. The sensor holds the sender, so it never disconnects.
        let next = if notes_in_a_row < NOTES_IN_A_ROW {
            crossbeam_channel::select_biased! {
                recv(notes) -> n => n.ok().map(Next::Note),
                recv(rx) -> m => match m {
                    Ok(Envelope::Shutdown) | Err(_) => break,
                    Ok(e) => Some(Next::Envelope(e)),
                },
                default(TICK) => None,
            }
        } else {
            crossbeam_channel::select_biased! {
                recv(rx) -> m => match m {
                    Ok(Envelope::Shutdown) | Err(_) => break,
                    Ok(e) => Some(Next::Envelope(e)),
                },
                recv(notes) -> n => n.ok().map(Next::Note),
                default(TICK) => None,
            }
        };
        notes_in_a_row = match next {
            Some(Next::Note(_)) => notes_in_a_row + 1,
            _ => 0,
        };
        let (envelope, note) = match next {
            Some(Next::Envelope(e)) => (Some(e), None),
            Some(Next::Note(n)) => (None, Some(n)),
            None => (None, None),
        };
        // One bad event must not stop the engine: a panic here is logged and the loop goes on.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            match envelope {
                Some(Envelope::Event { raw, received }) => {
                    shared.ingress.taken.fetch_add(1, Ordering::Relaxed);
                    events::process(raw, received, shared, orders.as_ref(), log);
                }
                Some(Envelope::Command(cmd)) => commands::run(cmd, shared, orders.as_ref(), log),
                Some(Envelope::Protected(sources)) => {
                    let mut engine = shared.engine();
                    engine.set_protected(sources);
                    shared::publish(&mut engine, &shared.published);
                }
                Some(Envelope::Shutdown) | None => {}
            }
            if let Some(note) = note {
                shared.sensor.note_taken();
                sensor_notes::process(note, shared, orders.as_ref());
            }
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                let actions = {
                    let mut engine = shared.engine();
                    let actions = engine.tick(shared.now());
                    shared::publish(&mut engine, &shared.published);
                    actions
                };
                dispatch::dispatch(actions, None, orders.as_ref());
                if last_counters_sweep.elapsed() >= COUNTERS_SWEEP {
                    last_counters_sweep = Instant::now();
                    shared.event_counters().sweep(shared.now());
                }
                shared.calls_tick();
                if last_profiles_save.elapsed() >= profile_file::SAVE_EVERY {
                    last_profiles_save = Instant::now();
                    shared.save_profiles();
                }
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
    } // What was learnt since the last save survives the unload.
    shared.save_profiles();
}
