//! What exists while the module is loaded, and the order it is built and torn down in.
//!
//! The image is never unmapped (see build.rs), so `load` can run again on the same statics
//! after an `unload`: everything here is created in [`start`] and fully removed in [`stop`].

use std::ffi::CStr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use super::config_file;
use super::logger::{AsteriskLog, host_log};
use super::notifier::AsteriskNotifier;
use super::security_topic::Subscription;
use super::{cli, functions, sys};
use crate::config::Config;
use crate::enforcer::{Enforcer, EnforcerSetup, Opener, Order};
use crate::firewall::{self, FirewallSettings};
use crate::ledger::Ledger;
use crate::log::Level;
use crate::pipeline::{Pipeline, Services, Shared, wall_clock_ms};

struct Runtime {
    subscription: Subscription,
    pipeline: Pipeline,
    enforcer: Enforcer,
}

static RUNTIME: Mutex<Option<Runtime>> = Mutex::new(None);
/// The query side's view (CLI, functions): read-locked for an Arc clone, nothing more.
static SHARED: RwLock<Option<Arc<Shared>>> = RwLock::new(None);

/// Runs `f` on the running module's shared state; None when not running.
pub fn with_shared<R>(f: impl FnOnce(&Shared) -> R) -> Option<R> {
    let shared = SHARED.read().unwrap_or_else(|p| p.into_inner()).clone()?;
    Some(f(&shared))
}

fn set_shared(value: Option<Arc<Shared>>) {
    *SHARED.write().unwrap_or_else(|p| p.into_inner()) = value;
}

/// `<astvarlibdir>/secast` unless the config names a directory.
fn ledger_dir(config: &Config) -> PathBuf {
    if !config.ledger.directory.is_empty() {
        return PathBuf::from(&config.ledger.directory);
    }
    // SAFETY: set by Asterisk at start-up before modules load, never freed.
    let var = unsafe { sys::ast_config_AST_VAR_DIR };
    let base = if var.is_null() {
        "/var/lib/asterisk".to_owned()
    } else {
        // SAFETY: a NUL-terminated path owned by Asterisk.
        unsafe { CStr::from_ptr(var) }
            .to_string_lossy()
            .into_owned()
    };
    PathBuf::from(base).join("secast")
}

fn firewall_opener(config: &Config) -> Option<Opener> {
    if config.firewall.backend == "none" {
        host_log!(
            Level::Notice,
            "firewall backend 'none': bans are decided and recorded, not enforced"
        );
        return None;
    }
    let backend = config.firewall.backend.clone();
    let settings = FirewallSettings {
        table: config.firewall.table.clone(),
        ..FirewallSettings::default()
    };
    Some(Box::new(move || firewall::open(&backend, &settings)))
}

/// Brings the module up: config, ledger, enforcer, engine worker, security subscription, CLI.
pub fn start(module: *mut sys::ast_module) -> Result<(), String> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(stale) = slot.take() {
        // Asterisk called load twice without unload in between; start clean.
        host_log!(Level::Warning, "load called while running; restarting");
        teardown(stale);
    }
    let defaults = Config::default();
    let config = config_file::load(&defaults).unwrap_or(defaults);
    let now = wall_clock_ms();
    let history_ms = config.escalation.history.as_millis() as i64;
    let dir = ledger_dir(&config);
    let (ledger, restored) = match Ledger::open(&dir, now, history_ms) {
        Ok((ledger, restored)) => {
            for line in &restored.skipped {
                host_log!(
                    Level::Warning,
                    "ledger {}: line {line} unreadable (torn by a crash?), skipped",
                    ledger.path().display()
                );
            }
            host_log!(
                Level::Notice,
                "ledger {}: {} bans in force restored, {} ended while down",
                ledger.path().display(),
                restored.active.len(),
                restored.ended
            );
            (Some(ledger), restored)
        }
        Err(e) => {
            host_log!(
                Level::Error,
                "{e}; bans will NOT survive a restart until this is fixed"
            );
            (None, Default::default())
        }
    };

    let log = Arc::new(AsteriskLog);
    let enforcer = Enforcer::start(EnforcerSetup {
        opener: firewall_opener(&config),
        ledger,
        notifier: Arc::new(AsteriskNotifier),
        log: log.clone(),
        check_interval: config.firewall.check_interval,
        clock: wall_clock_ms,
    })
    .map_err(|e| format!("cannot start the enforcer thread: {e}"))?;
    let _ = enforcer
        .sender()
        .send(Order::Restore(restored.active.clone()));

    let services = Services {
        host_addresses: crate::hostaddr::host_addresses(),
        restored_bans: restored.active,
        restored_offences: restored.offences,
        enforcer: Some(enforcer.sender()),
        enforcer_stats: Some(enforcer.stats.clone()),
        clock: wall_clock_ms,
    };
    let (pipeline, ingress) = match Pipeline::start_with(config, log, services) {
        Ok(p) => p,
        Err(e) => {
            enforcer.stop();
            return Err(format!("cannot start the engine thread: {e}"));
        }
    };
    let subscription = match Subscription::open(ingress) {
        Ok(s) => s,
        Err(ingress) => {
            drop(ingress);
            pipeline.join();
            enforcer.stop();
            return Err("cannot subscribe to Asterisk's security topic".to_owned());
        }
    };
    set_shared(Some(pipeline.shared.clone()));
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
    *slot = Some(Runtime {
        subscription,
        pipeline,
        enforcer,
    });
    Ok(())
}

/// Tears down in the order Asterisk requires: stop events first, then the CLI, then our
/// threads. Runs under Asterisk's module-list lock.
pub fn stop() {
    let taken = RUNTIME.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(rt) = taken {
        teardown(rt);
    }
}

fn teardown(rt: Runtime) {
    rt.subscription.close();
    functions::unregister();
    cli::unregister();
    set_shared(None);
    // The engine finishes its queue and hands its last decisions to the enforcer, which
    // writes them to the ledger before it stops: nothing decided is lost on unload.
    rt.pipeline.join();
    rt.enforcer.stop();
}

/// Re-reads secast.conf and swaps the configuration in one step.
pub fn reload() -> bool {
    let Some(current) = with_shared(|s| s.config()) else {
        return false;
    };
    match config_file::load(&current) {
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
            with_shared(|s| s.reconfigure(cfg));
            host_log!(Level::Verbose, "res_secast configuration reloaded");
            true
        }
        None => false,
    }
}
