//! What exists while the module is loaded, and the order it is built and torn down in.
//!
//! The image is never unmapped (see build.rs), so `load` can run again on the same statics
//! after an `unload`: everything here is created in [`start`] and fully removed in [`stop`].

use std::sync::{Arc, Mutex, RwLock};

use super::config_file;
use super::logger::{AsteriskLog, host_log};
use super::security_topic::Subscription;
use super::{cli, sys};
use crate::config::Config;
use crate::log::Level;
use crate::pipeline::{Pipeline, Shared};

struct Runtime {
    subscription: Subscription,
    pipeline: Pipeline,
}

static RUNTIME: Mutex<Option<Runtime>> = Mutex::new(None);
/// The query side's view (CLI, functions): read-locked for an Arc clone, nothing more.
static SHARED: RwLock<Option<Arc<Shared>>> = RwLock::new(None);

pub fn shared() -> Option<Arc<Shared>> {
    SHARED.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn set_shared(value: Option<Arc<Shared>>) {
    *SHARED.write().unwrap_or_else(|p| p.into_inner()) = value;
}

/// Brings the module up: config, engine worker, security subscription, CLI.
pub fn start(module: *mut sys::ast_module) -> Result<(), String> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(stale) = slot.take() {
        // Asterisk called load twice without unload in between; start clean.
        host_log!(Level::Warning, "load called while running; restarting");
        teardown(stale);
    }
    let defaults = Config::default();
    let config = config_file::load(&defaults).unwrap_or(defaults);
    let (pipeline, ingress) = Pipeline::start(config, Arc::new(AsteriskLog))
        .map_err(|e| format!("cannot start the engine thread: {e}"))?;
    let subscription = match Subscription::open(ingress) {
        Ok(s) => s,
        Err(ingress) => {
            drop(ingress);
            pipeline.join();
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
    *slot = Some(Runtime {
        subscription,
        pipeline,
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
    cli::unregister();
    set_shared(None);
    rt.pipeline.join();
}

/// Re-reads secast.conf and swaps the configuration in one step.
pub fn reload() -> bool {
    let Some(shared) = shared() else {
        return false;
    };
    let current = shared.config();
    match config_file::load(&current) {
        Some(cfg) => {
            if cfg.queue_size != current.queue_size {
                host_log!(
                    Level::Notice,
                    "queue_size changes from {} to {} at the next module load",
                    shared.queue_capacity,
                    cfg.queue_size
                );
            }
            shared.swap_config(cfg);
            host_log!(Level::Verbose, "res_secast configuration reloaded");
            true
        }
        None => false,
    }
}
