//! The runner at load and at reload: what the outbox and the ledger together say is owed
//! (bans never queued, unbans of bans that ended while down), and handlers coming and going.

use std::collections::HashSet;
use std::path::Path;

use super::super::event::{BanFacts, Ended, HandlerEvent};
use super::super::filter;
use super::super::outbox::{Record, SentKey};
use super::{Runner, Slot, resolve_ids};
use crate::config::{HandlerAction, HandlerConfig};
use crate::decision::Ban;
use crate::util::escape::untrusted;
use crate::util::log::Level;
use crate::util::time::Millis;

impl Runner {
    pub(super) fn register_new(&mut self, now: Millis) {
        let names: Vec<String> = self.slots.iter().map(|s| s.cfg.name.clone()).collect();
        for name in names {
            if !self.state.registered.contains_key(&name) {
                self.record(Record::Registered {
                    handler: name,
                    since: now,
                });
            }
        }
    }

    /// Load-time reconciliation with the ledger's bans in force, then the first sync.
    pub(super) fn begin(&mut self) {
        if self.begun {
            return;
        }
        self.begun = true;
        let now = self.now();
        self.register_new(now);
        let resumed = self.state.jobs.len();
        let retried = self.state.jobs.values().filter(|j| j.attempts > 0).count();
        // Bans owed: in force, decided after the handler was configured, never queued.
        let mut owed = 0;
        let mut bans: Vec<Ban> = self.in_force.values().cloned().collect();
        bans.sort_by_key(|b| (b.since, b.net));
        for ban in &bans {
            if !ban.is_active(now) {
                continue;
            }
            let facts = self.ban_facts(ban);
            let ev = HandlerEvent::Ban(facts);
            for i in 0..self.slots.len() {
                let (name, takes) = {
                    let s = &self.slots[i];
                    (s.cfg.name.clone(), filter::passes(&s.cfg, &ev, true))
                };
                let since_registered = self.state.registered.get(&name).copied().unwrap_or(now);
                let key = (name.clone(), ban.net, ban.since);
                if takes && ban.since >= since_registered && !self.state.sent.contains_key(&key) {
                    self.queue(&name, ev.clone());
                    owed += 1;
                }
            }
        }
        // Unbans owed: bans a handler was sent that are no longer in force.
        let mut unbans = 0;
        let mut sent: Vec<(SentKey, BanFacts)> = self
            .state
            .sent
            .iter()
            .map(|(k, b)| (k.clone(), b.clone()))
            .collect();
        sent.sort_by(|a, b| a.0.cmp(&b.0));
        for ((name, net, since), ban) in sent {
            match self.in_force.get(&net) {
                Some(b) if b.since == since && b.is_active(now) => continue,
                // Replaced by a newer ban of the same network: an unban would lift that one.
                Some(b) if b.is_active(now) => {
                    self.state.sent.remove(&(name.clone(), net, since));
                    continue;
                }
                _ => {}
            }
            let wants_unban = self.slot(&name).map(|s| s.cfg.wants(HandlerAction::Unban));
            match wants_unban {
                Some(true) => {
                    self.queue(
                        &name,
                        HandlerEvent::Unban {
                            ban,
                            why: Ended::WhileDown,
                        },
                    );
                    unbans += 1;
                }
                // Configured without unbans, or gone from the config: nothing is owed.
                _ => {
                    self.state.sent.remove(&(name.clone(), net, since));
                }
            }
        }
        for s in &mut self.slots {
            if s.cfg.wants(HandlerAction::Sync) {
                s.sync_due = Some(now);
            }
        }
        if !self.slots.is_empty() || resumed > 0 {
            self.log(
                Level::Notice,
                &format!(
                    "event handlers: {} configured; {resumed} runs resumed from the outbox ({retried} being retried), {owed} bans and {unbans} unbans found owed",
                    self.slots.len()
                ),
            );
        }
        for s in &self.slots {
            if let Some(e) = &s.ids_error {
                self.log(
                    Level::Error,
                    &format!("handler {}: {e}; its runs will fail", s.cfg.name),
                );
            }
            if !Path::new(&s.cfg.program).is_file() {
                self.log(
                    Level::Warning,
                    &format!(
                        "handler {}: program {} not found",
                        s.cfg.name,
                        untrusted(s.cfg.program.as_bytes(), 200)
                    ),
                );
            }
        }
        self.persist();
    }

    pub(super) fn reconfigure(&mut self, cfgs: Vec<HandlerConfig>) {
        let now = self.now();
        for s in &mut self.slots {
            s.configured = false;
        }
        for cfg in cfgs {
            match self.slots.iter_mut().find(|s| s.cfg.name == cfg.name) {
                Some(s) => {
                    let sync_changed = s.cfg.wants(HandlerAction::Sync)
                        != cfg.wants(HandlerAction::Sync)
                        || s.cfg.sync_interval != cfg.sync_interval;
                    let (ids, ids_error) = resolve_ids(&cfg);
                    s.ids = ids;
                    s.ids_error = ids_error;
                    s.cfg = cfg;
                    s.configured = true;
                    if sync_changed {
                        s.sync_due = s.cfg.wants(HandlerAction::Sync).then_some(now);
                    }
                }
                None => {
                    let mut s = Slot::new(cfg);
                    if self.begun && s.cfg.wants(HandlerAction::Sync) {
                        s.sync_due = Some(now);
                    }
                    self.slots.push(s);
                }
            }
        }
        // Gone from the config: kept while it has runs in progress or decisions waiting.
        let pending: HashSet<String> = self
            .state
            .jobs
            .values()
            .map(|j| j.handler.clone())
            .collect();
        self.slots
            .retain(|s| s.configured || s.busy() > 0 || pending.contains(&s.cfg.name));
        for s in &mut self.slots {
            if !s.configured {
                s.sync_due = None;
            }
        }
        if self.begun {
            self.register_new(now);
        }
    }
}
