//! The hand-over from Asterisk's threads to the engine worker, and the worker itself.
//!
//! Asterisk's stasis thread calls [`Ingress::submit`], which never blocks: if the bounded queue
//! is full the event is dropped and counted. Blocking there would back up Asterisk's
//! taskprocessor, and at 500 queued messages Asterisk raises a global overload alert that makes
//! PJSIP ignore new requests — a denial of service of our own making.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::config::Config;
use crate::escape::for_log;
use crate::event::RawEvent;
use crate::histogram::Histogram;
use crate::log::{Level, LogSink};
use crate::stats::Stats;

/// One event in flight, stamped when Asterisk handed it to us.
pub struct Envelope {
    pub raw: RawEvent,
    pub received: Instant,
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

    /// Replaces the whole configuration at once; readers see the old or the new, never a mix.
    pub fn swap_config(&self, cfg: Config) {
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(cfg);
    }

    /// The worker holds this lock only while counting one event.
    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
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
        if self.tx.send(Envelope { raw, received }).is_err() {
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

/// The running worker. Drop every [`Ingress`] first, then [`Pipeline::join`].
pub struct Pipeline {
    pub shared: Arc<Shared>,
    worker: JoinHandle<()>,
}

impl Pipeline {
    pub fn start(config: Config, log: Arc<dyn LogSink>) -> std::io::Result<(Pipeline, Ingress)> {
        let capacity = config.queue_size;
        let (tx, rx) = unbounded();
        let shared = Arc::new(Shared {
            config: RwLock::new(Arc::new(config)),
            stats: Mutex::new(Stats::default()),
            ingress: IngressCounters::default(),
            queue_capacity: capacity,
            started: Instant::now(),
            started_wall: SystemTime::now(),
        });
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name("secast-engine".into())
            .spawn(move || run_worker(rx, &worker_shared, log.as_ref()))?;
        let ingress = Ingress {
            tx,
            shared: shared.clone(),
        };
        Ok((Pipeline { shared, worker }, ingress))
    }

    /// Waits for the worker to drain the queue and stop. Only returns once every [`Ingress`]
    /// has been dropped.
    pub fn join(self) -> Arc<Shared> {
        let _ = self.worker.join();
        self.shared
    }
}

fn run_worker(rx: Receiver<Envelope>, shared: &Shared, log: &dyn LogSink) {
    while let Ok(env) = rx.recv() {
        shared.ingress.taken.fetch_add(1, Ordering::Relaxed);
        // One bad event must not stop the engine: a panic here is logged and the loop goes on.
        let outcome = catch_unwind(AssertUnwindSafe(|| process(env, shared, log)));
        if outcome.is_err() {
            log.log(
                Level::Error,
                "engine worker: processing an event panicked; event skipped",
            );
        }
    }
}

fn process(env: Envelope, shared: &Shared, log: &dyn LogSink) {
    let cfg = shared.config();
    match env.raw.parse() {
        Ok(ev) => {
            if cfg.log_events && log.enabled(Level::Verbose) {
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
            let mut stats = shared.stats();
            stats.record(&ev, cfg.max_tracked_sources);
            stats.latency.record(env.received.elapsed());
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
