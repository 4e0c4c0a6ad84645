//! What exists while the module is loaded, and the order it is built and torn down in.
//!
//! The image is never unmapped (see build.rs), so `load` can run again on the same statics
//! after an `unload`: everything here is created in [`start`] and fully removed in [`stop`].

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::audit_runner::AuditThread;
use super::cluster::{self, ClusterRuntime};
use super::config_load;
use super::ffi::channel_topic::ChannelWatch;
use super::ffi::child_reaping::AsteriskReaping;
use super::ffi::log::{AsteriskLog, host_log};
use super::ffi::security_topic::Subscription;
use super::ffi::{ModuleHandle, cli, functions, manager, paths};
use super::handler_facts::EngineFacts;
use super::notifier::AsteriskNotifier;
use super::state;
use crate::audit::AuditDesk;
use crate::cluster::{BanPublisher, Hub};
use crate::config::{Config, FirewallBackend, Reading};
use crate::enforce::handlers::{Handlers, HandlersSetup};
use crate::enforce::ledger::{Ledger, Restored};
use crate::enforce::{Enforcer, EnforcerSetup, Fanout, Notifier, Order, firewall};
use crate::util::lock::LockExt;
use crate::util::log::Level;
use crate::util::time::wall_clock_ms;
use crate::worker::{Pipeline, ProtectionReaders, Services};
use std::sync::Arc;

struct Runtime {
    audit: AuditThread,
    subscription: Subscription,
    /// The call guard's passive watch; None when Asterisk refused the subscription.
    watch: Option<ChannelWatch>,
    pipeline: Pipeline,
    enforcer: Enforcer,
    /// For the whole load: the engine and the notifier hold it, whether or not a link runs.
    hub: Arc<Hub>,
    cluster: Option<ClusterRuntime>,
    handlers: Handlers,
}

static RUNTIME: Mutex<Option<Runtime>> = Mutex::new(None);

/// `<astvarlibdir>/secast` unless the config names a directory.
fn ledger_dir(config: &Config) -> PathBuf {
    if !config.ledger.directory.is_empty() {
        return PathBuf::from(&config.ledger.directory);
    }
    paths::var_lib_dir().join("secast")
}

/// What opening the ledger found, in the log. A ledger that cannot be written is an error,
/// not a reason to drop what it held: its bans are re-applied all the same.
fn report_restored(ledger: &Ledger, restored: &Restored) {
    let path = ledger.path().display();
    for line in &restored.skipped {
        host_log!(
            Level::Warning,
            "ledger {path}: line {line} unreadable (torn by a crash?), skipped"
        );
    }
    if restored.torn_tail > 0 {
        host_log!(
            Level::Warning,
            "ledger {path}: last record torn by a crash ({} bytes), cut off",
            restored.torn_tail
        );
    }
    if restored.duplicates > 0 {
        host_log!(
            Level::Notice,
            "ledger {path}: {} records written twice (retried writes) read once",
            restored.duplicates
        );
    }
    if restored.old_format {
        host_log!(
            Level::Notice,
            "ledger {path}: format 1 read; rewritten as format 2"
        );
    }
    host_log!(
        Level::Notice,
        "ledger {path}: {} bans in force restored, {} ended while down",
        restored.active.len(),
        restored.ended
    );
    if let Some(why) = ledger.trouble() {
        host_log!(
            Level::Error,
            "ledger {path} cannot be written ({why}): the restored bans are enforced from memory; new records wait and are written once the disk allows"
        );
    }
}

/// Brings the module up: config, ledger, enforcer, engine worker, security subscription, CLI.
pub fn start(module: ModuleHandle) -> Result<(), String> {
    let mut slot = RUNTIME.locked();
    if let Some(stale) = slot.take() {
        // Asterisk called load twice without unload in between; start clean.
        host_log!(Level::Warning, "load called while running; restarting");
        teardown(stale, Instant::now() + UNLOAD_DEADLINE);
    }
    let defaults = Config::default();
    let config = config_load::load(&defaults, Reading::Load).unwrap_or(defaults);
    let now = wall_clock_ms();
    let history_ms = config.escalation.history.as_millis() as i64;
    let dir = ledger_dir(&config);
    let (ledger, restored) = match Ledger::open(&dir, now, history_ms) {
        Ok((ledger, restored)) => {
            report_restored(&ledger, &restored);
            (Some(ledger), restored)
        }
        Err(e) => {
            host_log!(
                Level::Error,
                "{e}: cannot be read; no ban restored, and bans will NOT survive a restart until this is fixed"
            );
            (None, Default::default())
        }
    };

    let profiles_kept = ledger.is_some();
    let log = Arc::new(AsteriskLog);
    let hub = Arc::new(Hub::new().map_err(|e| format!("cannot set up the cluster hub: {e}"))?);
    // The handlers' outbox lives next to the ledger, and only where the ledger could be kept.
    let (handlers, handler_notifier) = Handlers::start(HandlersSetup {
        dir: ledger.is_some().then(|| dir.clone()),
        handlers: config.handlers.clone(),
        in_force: restored.active.clone(),
        enrich: Arc::new(EngineFacts),
        reaping: Arc::new(AsteriskReaping),
        log: log.clone(),
        clock: wall_clock_ms,
        node: crate::os::host_name::host_name(),
    })
    .map_err(|e| format!("cannot start the event handlers' thread: {e}"))?;
    let notifiers: Vec<Arc<dyn Notifier>> = vec![
        Arc::new(AsteriskNotifier),
        handler_notifier,
        // Queues this server's own bans for the others (never one that came from them).
        Arc::new(BanPublisher(hub.clone())),
    ];
    if config.firewall.backend == FirewallBackend::Off {
        host_log!(
            Level::Notice,
            "firewall backend 'none': bans are decided and recorded, not enforced"
        );
    }
    let enforcer = match Enforcer::start(EnforcerSetup {
        opener: firewall::opener(&config.firewall),
        ledger,
        notifier: Arc::new(Fanout(notifiers)),
        log: log.clone(),
        check_interval: config.firewall.check_interval,
        clock: wall_clock_ms,
    }) {
        Ok(e) => e,
        Err(e) => {
            handlers.stop();
            return Err(format!("cannot start the enforcer thread: {e}"));
        }
    };
    let _ = enforcer
        .sender()
        .send(Order::Restore(restored.active.clone()));

    let (desk, audit_requests) = AuditDesk::new();
    let services = Services {
        host_addresses: crate::os::interfaces::host_addresses(),
        restored_bans: restored.active,
        restored_offences: restored.offences,
        enforcer: Some(enforcer.sender()),
        enforcer_stats: Some(enforcer.stats.clone()),
        handlers: Some(handlers.board.clone()),
        clock: wall_clock_ms,
        audit: Some(desk.clone()),
        cluster: Some(hub.clone()),
        protection: Some(ProtectionReaders {
            system: true,
            pjsip: Some(Arc::new(super::pjsip_objects::read)),
        }),
    };
    let (pipeline, ingress) = match Pipeline::start_with(config, log, services) {
        Ok(p) => p,
        Err(e) => {
            enforcer.stop();
            handlers.stop();
            return Err(format!("cannot start the engine thread: {e}"));
        }
    };
    let subscription = match Subscription::open(ingress) {
        Ok(s) => s,
        Err(ingress) => {
            drop(ingress);
            pipeline.join();
            enforcer.stop();
            handlers.stop();
            return Err("cannot subscribe to Asterisk's security topic".to_owned());
        }
    };
    let audit = match AuditThread::start(
        pipeline.shared.clone(),
        desk,
        audit_requests,
        enforcer.sender(),
    ) {
        Ok(a) => a,
        Err(e) => {
            subscription.close();
            pipeline.join();
            enforcer.stop();
            return Err(format!("cannot start the audit thread: {e}"));
        }
    };
    pipeline
        .shared
        .set_channel_probe(Some(Arc::new(super::ffi::channel::exists)));
    let watch = ChannelWatch::open(pipeline.shared.clone());
    if watch.is_none() {
        host_log!(
            Level::Error,
            "cannot subscribe to Asterisk's channel topic: the passive call watch is off (SECAST_CALLCHECK still works)"
        );
    }
    state::set(Some(pipeline.shared.clone()));
    if !cli::register(module) {
        host_log!(
            Level::Warning,
            "some secast CLI commands could not be registered"
        );
    }
    if !functions::register(module) {
        host_log!(
            Level::Warning,
            "some SECAST_* dialplan functions could not be registered"
        );
    }
    let cluster = cluster::start(&pipeline.shared.config(), &hub, &pipeline.shared);
    if !manager::register_actions(module) {
        host_log!(
            Level::Warning,
            "some SecAst* AMI actions could not be registered"
        );
    }
    // The engine can answer now: reconcile with the ledger, first syncs, then decisions.
    handlers.begin();
    if profiles_kept {
        // Device profiles beside the ledger (profiles.tsv), read back now.
        pipeline.shared.keep_profiles_in(&dir);
    }
    super::sensor::start(pipeline.shared.sensor());
    *slot = Some(Runtime {
        audit,
        subscription,
        watch,
        pipeline,
        enforcer,
        hub,
        cluster,
        handlers,
    });
    Ok(())
}

/// How long `module unload` may take, whatever the firewall (netlink reads of seconds) or the
/// disk (a frozen filesystem) does. Asterisk holds its module-list lock meanwhile.
pub const UNLOAD_DEADLINE: Duration = Duration::from_secs(2);

/// Tears down in the order Asterisk requires: stop events first, then the CLI, then our
/// threads. Runs under Asterisk's module-list lock, and returns within [`UNLOAD_DEADLINE`].
pub fn stop() {
    let taken = RUNTIME.locked().take();
    if let Some(rt) = taken {
        let started = Instant::now();
        teardown(rt, started + UNLOAD_DEADLINE);
        host_log!(
            Level::Notice,
            "res_secast stopped in {} ms",
            started.elapsed().as_millis()
        );
    }
}

/// Runs `stop` (a thread's stop and join) on a helper thread and waits for it until
/// `deadline`. True when it finished. When it has not, it is left to finish by itself: the
/// module's code stays mapped (linked NODELETE), the stopped parts are already unregistered
/// from Asterisk, and the enforcer, the only writer of the ledger, is told separately to
/// leave it alone ([`Enforcer::stop_within`]).
fn stop_by(deadline: Instant, what: &str, stop: impl FnOnce() + Send + 'static) -> bool {
    let (done_tx, done) = crossbeam_channel::bounded::<()>(1);
    let spawned = std::thread::Builder::new()
        .name("secast-unload".into())
        .spawn(move || {
            stop();
            let _ = done_tx.send(());
        });
    if spawned.is_err() {
        host_log!(
            Level::Warning,
            "cannot start a thread to stop the {what}; it is left running"
        );
        return false;
    }
    let finished = done.recv_deadline(deadline).is_ok();
    if !finished {
        host_log!(
            Level::Warning,
            "unload: the {what} did not stop within {} ms; left to finish by itself",
            UNLOAD_DEADLINE.as_millis()
        );
    }
    finished
}

fn teardown(rt: Runtime, deadline: Instant) {
    // AMI actions first: one may start while unload runs (Asterisk does not wait for them);
    // once unregistered, a late one finds the module not running and says so.
    manager::unregister_actions();
    // The PJSIP sensor before the engine goes: requests pass untouched from here on.
    super::sensor::stop();
    rt.subscription.close();
    let audit = rt.audit;
    stop_by(deadline, "audit thread", move || audit.stop());
    if let Some(w) = rt.watch {
        w.close();
    }
    functions::unregister();
    cli::unregister();
    state::set(None);
    // The link hands reports to the engine: it stops while the engine still runs.
    if let Some(c) = rt.cluster {
        stop_by(deadline, "cluster link", move || c.stop());
    }
    // The engine finishes its queue and hands its last decisions to the enforcer, which
    // writes them to the ledger before it stops: nothing decided is lost on unload, unless the
    // deadline passes first (then what the enforcer had not written is lost with it, and a
    // record it was writing is cut off by the next load's replay).
    let pipeline = rt.pipeline;
    stop_by(deadline, "engine thread", move || {
        pipeline.join();
    });
    let left = deadline.saturating_duration_since(Instant::now());
    if rt.enforcer.stop_within(left).is_err() {
        host_log!(
            Level::Warning,
            "unload: the enforcer did not stop within {} ms (firewall or disk stuck); left to finish by itself, and it will not touch the ledger again",
            UNLOAD_DEADLINE.as_millis()
        );
    }
    // After the enforcer: what it told last is queued in the outbox for the next load.
    let handlers = rt.handlers;
    stop_by(deadline, "event handlers' thread", move || handlers.stop());
}

/// Re-reads secast.conf and swaps the configuration in one step.
pub fn reload() -> bool {
    let Some(current) = state::with_shared(|s| s.config()) else {
        return false;
    };
    match config_load::load(&current, Reading::Reload) {
        Some(cfg) => {
            if cfg.general.queue_size != current.general.queue_size
                || cfg.firewall != current.firewall
                || cfg.ledger != current.ledger
            {
                host_log!(
                    Level::Notice,
                    "queue, firewall and ledger settings change at the next module load"
                );
            }
            if let Some(rt) = RUNTIME.locked().as_ref() {
                rt.handlers.reconfigure(cfg.handlers.clone());
            }
            let cluster_changed = cfg.cluster != current.cluster
                || cfg.escalation.history != current.escalation.history;
            state::with_shared(|s| s.reconfigure(cfg));
            if cluster_changed {
                restart_cluster();
            }
            host_log!(Level::Verbose, "res_secast configuration reloaded");
            true
        }
        None => false,
    }
}

/// `[cluster]` changed on reload: the link starts again with the new settings (the hub, and
/// with it what is queued, stays).
fn restart_cluster() {
    let mut slot = RUNTIME.locked();
    let Some(rt) = slot.as_mut() else {
        return;
    };
    if let Some(c) = rt.cluster.take() {
        c.stop();
    }
    let shared = rt.pipeline.shared.clone();
    rt.cluster = cluster::start(&shared.config(), &rt.hub, &shared);
    if rt.cluster.is_none() {
        host_log!(Level::Notice, "cluster: off after reload");
    }
}
