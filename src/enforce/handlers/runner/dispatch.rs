//! Starting runs: what is due, with a free slot, and not behind an earlier run about the same
//! network; each on a thread of its own. Syncs too.

use std::collections::HashSet;
use std::path::PathBuf;

use ipnet::IpNet;

use super::super::event::HandlerEvent;
use super::super::filter;
use super::super::invocation::{self, Subject, SyncEntry};
use super::super::outbox::Record;
use super::sync_file::write_sync_file;
use super::{RunDone, RunOf, Runner};
use crate::config::HandlerConfig;
use crate::os::process::{self, Spawn};
use crate::util::escape::untrusted;
use crate::util::log::Level;
use crate::util::time::Millis;

impl Runner {
    /// Starts every run that is due and has a free slot.
    pub(super) fn dispatch(&mut self) {
        // Nothing starts before its decision is on disk (unless the disk refuses for good).
        if !self.unwritten.is_empty() && self.last_disk_error.is_none() {
            return;
        }
        let now = self.now();
        for i in 0..self.slots.len() {
            if !self.slots[i].configured {
                continue;
            }
            let name = self.slots[i].cfg.name.clone();
            let concurrency = self.slots[i].cfg.concurrency;
            if self.slots[i].busy() < concurrency {
                let mut blocked: HashSet<IpNet> = self.slots[i]
                    .running
                    .iter()
                    .filter_map(|id| self.state.jobs.get(id).and_then(|j| j.event.net()))
                    .collect();
                let mut start = Vec::new();
                let mut free = concurrency - self.slots[i].busy();
                let ids = self.state.by_handler.get(&name);
                for id in ids.into_iter().flatten() {
                    if free == 0 {
                        break;
                    }
                    let Some(j) = self.state.jobs.get(id) else {
                        continue;
                    };
                    if self.slots[i].running.contains(id) {
                        continue;
                    }
                    let net = j.event.net();
                    if net.is_some_and(|n| blocked.contains(&n)) {
                        continue;
                    }
                    if let Some(n) = net {
                        blocked.insert(n);
                    }
                    if j.next_try <= now {
                        start.push(*id);
                        free -= 1;
                    }
                }
                for id in start {
                    self.start_job(i, id, now);
                }
            }
            let s = &self.slots[i];
            if s.sync_due.is_some_and(|d| d <= now) && !s.sync_running && s.busy() < concurrency {
                self.start_sync(i, now);
            }
        }
    }

    pub(super) fn start_job(&mut self, i: usize, id: u64, now: Millis) {
        let Some(job) = self.state.jobs.get(&id).cloned() else {
            return;
        };
        if let HandlerEvent::Ban(b) = &job.event
            && b.until.is_some_and(|u| u <= now)
        {
            // Retried past its end: the edge would only add an expired entry.
            self.log_run(
                &job.handler,
                Level::Verbose,
                &format!(
                    "handler {}: {} ended before it could be sent; skipped",
                    job.handler,
                    job.event.summary()
                ),
            );
            self.record(Record::Delivered { id });
            return;
        }
        let spec = {
            let s = &self.slots[i];
            invocation::spawn(
                &s.cfg,
                s.ids,
                &Subject::Event(&job.event),
                now,
                &self.setup.node,
            )
        };
        let error = self.slots[i].ids_error.clone();
        self.slots[i].running.insert(id);
        self.launch(job.handler.clone(), RunOf::Job(id), spec, error);
    }

    /// The bans in force a sync handler is sent: its filters apply (not `min_risk`).
    pub(super) fn sync_list(&self, cfg: &HandlerConfig, now: Millis) -> Vec<SyncEntry> {
        let mut list: Vec<SyncEntry> = self
            .in_force
            .values()
            .filter(|b| b.is_active(now))
            .filter(|b| {
                let country = if cfg.countries.is_empty() {
                    None
                } else {
                    self.setup.enrich.country(b.net.network())
                };
                filter::facts_pass(cfg, &b.origin.label(), country.as_deref(), Some(b.net))
            })
            .map(|b| SyncEntry {
                net: b.net.trunc(),
                until: b.until,
                rule: b.origin.label().to_owned(),
            })
            .collect();
        list.sort_by_key(|e| e.net);
        list
    }

    pub(super) fn sync_dir(&self) -> PathBuf {
        self.setup
            .dir
            .clone()
            .unwrap_or_else(std::env::temp_dir)
            .join("handler-sync")
    }

    pub(super) fn start_sync(&mut self, i: usize, now: Millis) {
        let cfg = self.slots[i].cfg.clone();
        let list = self.sync_list(&cfg, now);
        let path = self.sync_dir().join(format!("{}.list", cfg.name));
        if let Err(e) = write_sync_file(&path, &cfg.name, &list, now) {
            let msg = format!("cannot write {}: {e}", path.display());
            self.sync_failed(i, now, &msg);
            return;
        }
        let spec = invocation::spawn(
            &cfg,
            self.slots[i].ids,
            &Subject::Sync {
                file: &path,
                bans: &list,
            },
            now,
            &self.setup.node,
        );
        let error = self.slots[i].ids_error.clone();
        self.slots[i].sync_running = true;
        self.launch(cfg.name.clone(), RunOf::Sync, spec, error);
    }

    /// Runs `spec` on a thread of its own; the result comes back on `results`.
    pub(super) fn launch(
        &mut self,
        handler: String,
        of: RunOf,
        spec: Spawn,
        error: Option<String>,
    ) {
        let tx = self.results_tx.clone();
        let stop = self.stop_runs.clone();
        let reaping = self.setup.reaping.clone();
        let thread_handler = handler.clone();
        let thread_of = of.clone();
        let spawned = std::thread::Builder::new()
            .name("secast-handler".into())
            .spawn(move || {
                let result = match error {
                    Some(e) => Err(e),
                    None => {
                        reaping.suspend();
                        let outcome = process::run(&spec, &stop);
                        reaping.resume();
                        outcome.map_err(|e| {
                            format!(
                                "cannot run {}: {e}",
                                untrusted(spec.program.as_os_str().as_encoded_bytes(), 200)
                            )
                        })
                    }
                };
                let _ = tx.send(RunDone {
                    handler: thread_handler,
                    of: thread_of,
                    result,
                });
            });
        // The thread reports back and ends; nothing joins it.
        if let Err(e) = spawned {
            self.finished(RunDone {
                handler,
                of,
                result: Err(format!("cannot start a thread: {e}")),
            });
        }
    }
}
