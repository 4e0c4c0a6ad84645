//! Event handlers: outside programs told about decisions (an edge firewall, a webhook, a mail
//! to the admin), configured as `[handler-NAME]` sections of secast.conf.
//!
//! ```text
//!  enforcer thread ── HandlerNotifier ──► bounded queue ──► runner thread ──► outbox (fsync)
//!  (after kernel + ledger; never waits)                         │
//!                                                               ├─► run thread: program (argv, env,
//!                                                               │   stdin JSON, timeout, own session)
//!                                                               └─◄ result: done / retry / give up
//! ```
//!
//! - [`notifier`]: the enforcer's side, a copy into a queue;
//! - [`runner`]: decisions to runs, ordering, retries, syncs, load-time reconciliation;
//! - [`outbox`]: the durable record of what is owed to whom;
//! - [`invocation`]: a run's argv, environment and stdin;
//! - [`event`], [`filter`], [`context`], [`board`]: what a run is about, who takes it, what
//!   else is known about its source, and what `secast show handlers` shows;
//! - [`reaping`]: keeping Asterisk's SIGCHLD handler off our programs while they run.
//!
//! The process itself is started by [`crate::os::process`] (the only `unsafe` involved lives
//! there).

mod board;
mod context;
mod event;
mod filter;
mod invocation;
mod notifier;
mod outbox;
mod reaping;
mod runner;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::thread::JoinHandle;

use crossbeam_channel::Sender;

pub use board::{HandlerBoard, HandlerStatus};
pub use context::{Enrich, NoEnrich};
pub use event::{AlertFacts, BanFacts, Ended, HandlerEvent};
pub use invocation::{Fields, PATH, SyncEntry};
pub use notifier::{HandlerNotifier, QUEUE};
pub use outbox::FILE_NAME as OUTBOX_FILE;
pub use reaping::{ChildReaping, OwnChildren};

use crate::config::HandlerConfig;
use crate::decision::Ban;
use crate::util::log::LogSink;
use crate::util::time::Millis;
use runner::{Control, Runner, RunnerSetup};

/// What the handlers start with.
pub struct HandlersSetup {
    /// Where the outbox (and the sync lists) go: the ledger's directory. None: nothing is
    /// kept across a restart.
    pub dir: Option<PathBuf>,
    pub handlers: Vec<HandlerConfig>,
    /// The ledger's bans in force at load.
    pub in_force: Vec<Ban>,
    pub enrich: Arc<dyn Enrich>,
    /// Keeps the host from reaping our programs while they run.
    pub reaping: Arc<dyn ChildReaping>,
    pub log: Arc<dyn LogSink>,
    pub clock: fn() -> Millis,
    /// This host's name, `SECAST_NODE`.
    pub node: String,
}

/// The running handlers.
pub struct Handlers {
    control: Sender<Control>,
    thread: JoinHandle<()>,
    pub board: Arc<HandlerBoard>,
}

impl Handlers {
    /// Starts the runner thread. Decisions wait in the returned notifier's queue until
    /// [`Handlers::begin`].
    pub fn start(setup: HandlersSetup) -> std::io::Result<(Handlers, Arc<HandlerNotifier>)> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let depth = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (control, control_rx) = crossbeam_channel::unbounded();
        let dropped = Arc::new(AtomicU64::new(0));
        let board = Arc::new(HandlerBoard::new(dropped.clone()));
        let runner = Runner::new(RunnerSetup {
            dir: setup.dir,
            handlers: setup.handlers,
            in_force: setup.in_force,
            enrich: setup.enrich,
            reaping: setup.reaping,
            log: setup.log,
            clock: setup.clock,
            node: setup.node,
            board: board.clone(),
        });
        let thread = std::thread::Builder::new()
            .name("secast-handlers".into())
            .spawn({
                let depth = depth.clone();
                move || runner.run(rx, control_rx, &depth)
            })?;
        Ok((
            Handlers {
                control,
                thread,
                board,
            },
            Arc::new(HandlerNotifier { tx, dropped, depth }),
        ))
    }

    /// The engine can now be asked about sources: reconcile with the ledger, run the first
    /// syncs, and take decisions.
    pub fn begin(&self) {
        let _ = self.control.send(Control::Begin);
    }

    /// A reloaded configuration: handlers added, changed, or gone (a gone handler keeps its
    /// waiting decisions, not run, until it comes back).
    pub fn reconfigure(&self, handlers: Vec<HandlerConfig>) {
        let _ = self.control.send(Control::Reconfigure(handlers));
    }

    /// Queues what the enforcer told last, lets runs in progress finish for a moment, kills
    /// the rest (they run again at the next load) and stops. Call after the enforcer stopped.
    pub fn stop(self) {
        let _ = self.control.send(Control::Stop);
        let _ = self.thread.join();
    }
}
