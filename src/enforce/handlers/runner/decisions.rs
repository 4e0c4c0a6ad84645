//! Decisions arriving from the enforcer: copied with the source's risk and country, and
//! queued for every handler that takes them.

use std::net::IpAddr;

use super::super::event::{AlertFacts, AuditFacts, BanFacts, Ended, FraudFacts, HandlerEvent};
use super::super::filter;
use super::super::outbox::Record;
use super::Runner;
use crate::config::HandlerAction;
use crate::decision::{Action, Ban};
use crate::util::log::Level;

impl Runner {
    pub(super) fn enrich(&self, ip: IpAddr) -> (Option<u8>, Option<String>) {
        (self.setup.enrich.risk(ip), self.setup.enrich.country(ip))
    }

    pub(super) fn ban_facts(&self, ban: &Ban) -> BanFacts {
        let (risk, country) = if ban.net.prefix_len() == ban.net.max_prefix_len() {
            self.enrich(ban.net.addr())
        } else {
            (None, self.setup.enrich.country(ban.net.network()))
        };
        BanFacts::of(ban, risk, country)
    }

    /// A decision from the enforcer.
    pub(super) fn decided(&mut self, action: Action) {
        match action {
            Action::Ban(ban) => {
                let ev = HandlerEvent::Ban(self.ban_facts(&ban));
                if let Some(old) = self.in_force.insert(ban.net, ban.clone())
                    && old.since != ban.since
                {
                    // A new ban of the same network replaces the old one at the edge too: the
                    // old one's unban must never be sent (it would lift the new one).
                    self.state
                        .sent
                        .retain(|(_, net, since), _| !(*net == old.net && *since == old.since));
                }
                for i in 0..self.slots.len() {
                    let s = &self.slots[i];
                    if !s.configured || !filter::passes(&s.cfg, &ev, true) {
                        continue;
                    }
                    let name = s.cfg.name.clone();
                    if !self
                        .state
                        .sent
                        .contains_key(&(name.clone(), ban.net, ban.since))
                    {
                        self.queue(&name, ev.clone());
                    }
                }
            }
            Action::Unban { ban, why } => {
                if self
                    .in_force
                    .get(&ban.net)
                    .is_some_and(|b| b.since == ban.since)
                {
                    self.in_force.remove(&ban.net);
                }
                let facts = self.ban_facts(&ban);
                let ev = HandlerEvent::Unban {
                    ban: facts,
                    why: Ended::of(why),
                };
                for i in 0..self.slots.len() {
                    let s = &self.slots[i];
                    let name = s.cfg.name.clone();
                    let key = (name.clone(), ban.net, ban.since);
                    let was_sent = self.state.sent.contains_key(&key);
                    // A handler that takes bans hears the end of the ones it was sent; one
                    // that takes only unbans hears every unban its filters let through.
                    let owed = if s.cfg.wants(HandlerAction::Ban) {
                        was_sent && s.cfg.wants(HandlerAction::Unban)
                    } else {
                        s.configured && filter::passes(&s.cfg, &ev, false)
                    };
                    if owed {
                        self.queue(&name, ev.clone());
                    } else if was_sent {
                        self.state.sent.remove(&key);
                    }
                }
            }
            Action::Alert(alert) => {
                let (risk, country) = alert.ip.map(|ip| self.enrich(ip)).unwrap_or_default();
                self.fan_out(HandlerEvent::Alert(AlertFacts::of(&alert, risk, country)));
            }
            Action::Fraud(f) => {
                let (risk, country) = f.address.map(|ip| self.enrich(ip)).unwrap_or_default();
                self.fan_out(HandlerEvent::Fraud(FraudFacts::of(&f, risk, country)));
            }
            Action::Audit(a) => self.fan_out(HandlerEvent::Audit(AuditFacts::of(&a))),
            // The host's business (PJSIP contacts); the ban that caused it is reported.
            Action::RemoveContacts { .. } => {}
        }
    }

    pub(super) fn fan_out(&mut self, ev: HandlerEvent) {
        let names: Vec<String> = self
            .slots
            .iter()
            .filter(|s| s.configured && filter::passes(&s.cfg, &ev, true))
            .map(|s| s.cfg.name.clone())
            .collect();
        for name in names {
            self.queue(&name, ev.clone());
        }
    }

    /// Queues `ev` for `handler`, unless too many decisions wait for it already.
    pub(super) fn queue(&mut self, handler: &str, ev: HandlerEvent) {
        let cap = self.slot(handler).map_or(usize::MAX, |s| s.cfg.max_pending);
        let waiting = self.state.waiting(handler);
        if waiting >= cap {
            let summary = ev.summary();
            if let Some(s) = self.slot_mut(handler) {
                s.status.given_up += 1;
            }
            self.log_run(
                handler,
                Level::Warning,
                &format!(
                    "handler {handler}: {waiting} decisions waiting already (max_pending); gave up on {summary}"
                ),
            );
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.record(Record::Queued {
            id,
            handler: handler.to_owned(),
            event: ev,
        });
    }
}
