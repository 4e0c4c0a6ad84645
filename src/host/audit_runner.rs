//! The audit thread: gathers the configuration through Asterisk's APIs when asked (full boot,
//! a reload, `secast audit`, the `[audit] interval`), runs the checks, keeps the report for
//! the CLI, and announces the counts through the enforcer (log line, AMI `SecAstAudit`,
//! event handlers that ask for `audit`).
//!
//! It runs on its own thread, never on Asterisk's: gathering holds Asterisk's locks (the
//! dialplan's contexts lock, the loader's module list) only while copying.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CString;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};

use super::ffi::config_file::read_sections;
use super::ffi::log::host_log;
use super::ffi::{dialplan, manager_topic, modules, sorcery};
use crate::audit::AuditDesk;
use crate::audit::certificate::CertState;
use crate::audit::desk::{AuditRequest, Trigger};
use crate::audit::raw::{RawFile, RawSection, RawVar};
use crate::audit::snapshot::pjsip::PjsipRaw;
use crate::audit::snapshot::{Ari, Http, Iax, Manager, Pjsip, Snapshot};
use crate::decision::{Action, AuditSummary};
use crate::enforce::Order;
use crate::util::log::Level;
use crate::util::time::wall_clock_ms;
use crate::worker::Shared;
use crate::worker::audit_inputs::own_state;

pub struct AuditThread {
    desk: Arc<AuditDesk>,
    handle: JoinHandle<()>,
    done: Receiver<()>,
    subscription: Option<manager_topic::Subscription>,
}

/// How long unload waits for an audit in progress; it can be waiting for the loader's
/// module-list lock, which unload itself holds, so it is then left to finish on its own (the
/// image is never unmapped, and it only touches what it owns).
const STOP_WAIT: Duration = Duration::from_secs(2);

impl AuditThread {
    pub fn start(
        shared: Arc<Shared>,
        desk: Arc<AuditDesk>,
        requests: Receiver<AuditRequest>,
        orders: Sender<Order>,
    ) -> std::io::Result<AuditThread> {
        let (done_tx, done) = bounded(1);
        let handle = std::thread::Builder::new()
            .name("secast-audit".into())
            .spawn(move || {
                run(&shared, &requests, &orders);
                let _ = done_tx.send(());
            })?;
        let subscription = manager_topic::Subscription::open(desk.clone());
        if subscription.is_none() {
            host_log!(
                Level::Warning,
                "cannot subscribe to the manager topic: the audit will not run after reloads (secast audit still works)"
            );
        }
        // Loaded into a running Asterisk (`module load`): the FullyBooted announcement has
        // passed, so audit now. At start-up it comes later, on the manager topic.
        if manager_topic::fully_booted() {
            desk.request(Trigger::Boot);
        }
        Ok(AuditThread {
            desk,
            handle,
            done,
            subscription,
        })
    }

    /// Stops announcements first, then the thread (bounded; see [`STOP_WAIT`]).
    pub fn stop(self) {
        if let Some(sub) = self.subscription {
            sub.close();
        }
        self.desk.shut_down();
        if self.done.recv_timeout(STOP_WAIT).is_ok() {
            let _ = self.handle.join();
        } else {
            host_log!(
                Level::Notice,
                "the configuration audit is still gathering; it finishes on its own"
            );
        }
    }
}

fn run(shared: &Shared, requests: &Receiver<AuditRequest>, orders: &Sender<Order>) {
    let mut announced: Option<AuditSummary> = None;
    let mut last_run = Instant::now();
    loop {
        let interval = shared.config().audit.interval;
        let wait = if interval.is_zero() {
            Duration::from_secs(3600)
        } else {
            interval.saturating_sub(last_run.elapsed())
        };
        let first = match requests.recv_timeout(wait) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) if !interval.is_zero() => {
                // The next period starts now, whether or not this one audits (`enabled = no`).
                last_run = Instant::now();
                AuditRequest::Run {
                    trigger: Trigger::Periodic,
                    reply: None,
                }
            }
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Everything already waiting is answered by one run: it sees the same configuration.
        let mut batch = vec![first];
        batch.extend(requests.try_iter());
        let mut replies = Vec::new();
        let mut announce = false;
        let mut periodic = false;
        for r in batch {
            match r {
                AuditRequest::Shutdown => return,
                AuditRequest::Run { trigger, reply } => {
                    replies.extend(reply);
                    match trigger {
                        Trigger::Boot | Trigger::Reload(_) => announce = true,
                        Trigger::Periodic => periodic = true,
                        Trigger::Asked => {}
                    }
                }
            }
        }
        let cfg = shared.config();
        if replies.is_empty() && !cfg.audit.enabled {
            continue;
        }
        let started = Instant::now();
        let snapshot = gather(shared);
        let mut report = crate::audit::run(&snapshot, &cfg.audit, wall_clock_ms());
        drop(snapshot);
        report.took = Some(started.elapsed());
        let report = Arc::new(report);
        last_run = Instant::now();
        if let Some(desk) = shared.audit.as_ref() {
            desk.post(report.clone());
        }
        for r in replies {
            let _ = r.send(report.clone());
        }
        let summary = report.summary();
        let changed = announced.as_ref().is_none_or(|a| {
            (a.critical, a.warning, a.info) != (summary.critical, summary.warning, summary.info)
        });
        if cfg.audit.enabled && (announce || (periodic && changed)) {
            let _ = orders.send(Order::Act {
                actions: vec![Action::Audit(summary.clone())],
                ack: None,
                decided: Instant::now(),
            });
            announced = Some(summary);
        }
    }
}

/// A config file, with a note for the report when Asterisk could not parse it.
fn file(name: &'static std::ffi::CStr, notes: &mut Vec<String>) -> RawFile {
    let read = read_sections(name);
    if matches!(read, RawFile::Invalid) {
        notes.push(format!(
            "{}: Asterisk could not parse it",
            name.to_string_lossy()
        ));
    }
    read
}

/// Every PJSIP object of each type with all its fields, as sections (None for a type no loaded
/// module registered); None when res_pjsip is not running.
fn pjsip_sections(types: &[&str]) -> Option<BTreeMap<String, Option<Vec<RawSection>>>> {
    let mut out = BTreeMap::new();
    for kind in types {
        let Ok(name) = CString::new(*kind) else {
            continue;
        };
        let objects = sorcery::pjsip_objects(&name, &|_| true)?;
        let sections = objects.map(|list| {
            list.into_iter()
                .map(|o| {
                    let mut section = RawSection::new(&o.id);
                    for (key, value) in &o.fields {
                        section.vars.push(RawVar::new(key, value, "", 0));
                    }
                    section
                })
                .collect()
        });
        out.insert((*kind).to_owned(), sections);
    }
    Some(out)
}

/// The snapshot: every source read once, passwords judged and dropped on the way.
fn gather(shared: &Shared) -> Snapshot {
    let cfg = shared.config();
    let min = cfg.audit.min_password_length;
    let mut notes = Vec::new();
    let running: BTreeSet<String> = modules::running();
    let is_running = |m: &str| running.contains(m);

    let pjsip = pjsip_sections(&PjsipRaw::TYPES).map(|objects| {
        let raw = PjsipRaw {
            objects,
            conf: file(c"pjsip.conf", &mut notes),
        };
        Pjsip::collect(&raw, min, &CertState::read)
    });
    let dialplan = dialplan::copy();
    let users = file(c"users.conf", &mut notes);
    let manager = Manager::collect(
        &file(c"manager.conf", &mut notes),
        &users,
        min,
        &CertState::read,
    );
    let http = Http::collect(&file(c"http.conf", &mut notes), &CertState::read);
    let ari = is_running("res_ari")
        .then(|| Ari::collect(&file(c"ari.conf", &mut notes), min))
        .flatten();
    let iax = is_running("chan_iax2")
        .then(|| Iax::collect(&file(c"iax.conf", &mut notes), &users, min))
        .flatten();
    drop(users);
    Snapshot {
        now: wall_clock_ms() / 1000,
        modules: Some(running),
        pjsip,
        dialplan,
        manager,
        http,
        ari,
        iax,
        own: own_state(shared, &crate::os::interfaces::host_addresses()),
        notes,
    }
}
