//! Runs that ended: delivered, retried after a backoff, or given up; the program's output in
//! the log.

use std::time::Duration;

use super::super::outbox::Record;
use super::{LOG_OUTPUT, RunDone, RunOf, Runner, backoff, ms};
use crate::os::process::{Ending, Outcome};
use crate::util::escape::untrusted;
use crate::util::log::Level;
use crate::util::time::Millis;

impl Runner {
    /// A run ended.
    pub(super) fn finished(&mut self, done: RunDone) {
        let now = self.now();
        let what = match &done.of {
            RunOf::Job(id) => self
                .state
                .jobs
                .get(id)
                .map_or_else(|| "a decision".to_owned(), |j| j.event.summary()),
            RunOf::Sync => "sync".to_owned(),
        };
        let failure = match &done.result {
            Ok(out) => {
                self.log_output(&done.handler, &what, out);
                match out.ending {
                    Ending::Exited(0) => None,
                    Ending::Stopped => {
                        // Not a failure of the handler: it runs again at the next load.
                        if let Some(s) = self.slot_mut(&done.handler) {
                            match done.of {
                                RunOf::Job(id) => {
                                    s.running.remove(&id);
                                }
                                RunOf::Sync => s.sync_running = false,
                            }
                        }
                        return;
                    }
                    Ending::TimedOut => Some(format!(
                        "timed out after {}; killed with its process group",
                        crate::util::duration::format(
                            self.slot(&done.handler)
                                .map_or(Duration::ZERO, |s| s.cfg.timeout)
                        )
                    )),
                    other => Some(describe_failure(other, out)),
                }
            }
            Err(e) => Some(e.clone()),
        };
        let Some(slot) = self.slots.iter_mut().find(|s| s.cfg.name == done.handler) else {
            return;
        };
        slot.status.last_run = Some(now);
        slot.status.last_run_ok = failure.is_none();
        match done.of {
            RunOf::Sync => {
                slot.sync_running = false;
                match &failure {
                    None => {
                        slot.status.runs += 1;
                        slot.status.last_sync = Some(now);
                        slot.sync_attempts = 0;
                        slot.sync_due = Some(now + ms(slot.cfg.sync_interval));
                    }
                    Some(e) => {
                        let e = e.clone();
                        let i = self.slots.iter().position(|s| s.cfg.name == done.handler);
                        if let Some(i) = i {
                            self.sync_failed(i, now, &e);
                        }
                    }
                }
            }
            RunOf::Job(id) => {
                slot.running.remove(&id);
                match failure {
                    None => {
                        slot.status.runs += 1;
                        self.record(Record::Delivered { id });
                    }
                    Some(e) => {
                        slot.status.failures += 1;
                        slot.status.last_error = Some((now, format!("{what}: {e}")));
                        let retries = slot.cfg.retries;
                        let cfg = slot.cfg.clone();
                        let attempts = self.state.jobs.get(&id).map_or(1, |j| j.attempts + 1);
                        if attempts > retries {
                            if let Some(s) = self.slot_mut(&done.handler) {
                                s.status.given_up += 1;
                            }
                            self.log_run(
                                &done.handler,
                                Level::Warning,
                                &format!(
                                    "handler {}: gave up on {what} after {attempts} attempts: {e}",
                                    done.handler
                                ),
                            );
                            self.record(Record::GivenUp { id, reason: e });
                        } else {
                            let wait = backoff(&cfg, attempts);
                            self.log_run(
                                &done.handler,
                                Level::Notice,
                                &format!(
                                    "handler {}: {what} failed (attempt {attempts} of {}): {e}; retrying in {}",
                                    done.handler,
                                    retries + 1,
                                    crate::util::duration::format(wait)
                                ),
                            );
                            self.record(Record::Attempted {
                                id,
                                attempts,
                                next_try: now + ms(wait),
                                error: e,
                            });
                        }
                    }
                }
            }
        }
    }

    pub(super) fn sync_failed(&mut self, i: usize, now: Millis, e: &str) {
        let s = &mut self.slots[i];
        s.sync_running = false;
        s.status.failures += 1;
        s.status.last_error = Some((now, format!("sync: {e}")));
        s.sync_attempts += 1;
        let msg = if s.sync_attempts > s.cfg.retries {
            s.status.given_up += 1;
            s.sync_attempts = 0;
            s.sync_due = Some(now + ms(s.cfg.sync_interval));
            format!(
                "handler {}: sync failed: {e}; gave up until the next one in {}",
                s.cfg.name,
                crate::util::duration::format(s.cfg.sync_interval)
            )
        } else {
            let wait = backoff(&s.cfg, s.sync_attempts);
            s.sync_due = Some(now + ms(wait));
            format!(
                "handler {}: sync failed (attempt {} of {}): {e}; retrying in {}",
                s.cfg.name,
                s.sync_attempts,
                s.cfg.retries + 1,
                crate::util::duration::format(wait)
            )
        };
        let name = self.slots[i].cfg.name.clone();
        self.log_run(&name, Level::Notice, &msg);
    }

    /// The program's output, at verbose level, escaped and cut short.
    pub(super) fn log_output(&mut self, handler: &str, what: &str, out: &Outcome) {
        if !self.setup.log.enabled(Level::Verbose) {
            return;
        }
        let mut msg = format!(
            "handler {handler}: {what}: {} in {} ms",
            out.ending,
            out.elapsed.as_millis()
        );
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            if !bytes.is_empty() {
                msg.push_str(&format!("; {name}: \"{}\"", untrusted(bytes, LOG_OUTPUT)));
            }
        }
        if out.discarded > 0 {
            msg.push_str(&format!(
                "; {} more bytes of output not kept",
                out.discarded
            ));
        }
        self.log_run(handler, Level::Verbose, &msg);
    }
}

/// "exit status 1 (stderr: …)".
fn describe_failure(ending: Ending, out: &Outcome) -> String {
    let tail = if out.stderr.is_empty() {
        &out.stdout
    } else {
        &out.stderr
    };
    if tail.is_empty() {
        return ending.to_string();
    }
    let text = String::from_utf8_lossy(tail);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    format!("{ending}: {}", untrusted(last.as_bytes(), 200))
}
