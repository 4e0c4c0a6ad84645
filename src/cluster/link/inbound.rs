//! What other servers published, read from the subscription and handed on: bans, unbans and
//! failure batches to the engine, registrations to the registry, device states to Asterisk.
//! Every message is validated first; our own messages come back to us and are skipped.

use super::super::redis::Delivery;
use super::super::registry::NodeInfo;
use super::super::wire::{DeviceStates, Hello, Message};
use super::Link;
use crate::decision::{Command, Remote};
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::log::Level;

impl Link {
    /// Reads the subscription (poll said it is readable).
    pub(super) fn receive(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        match session.receive() {
            Ok(deliveries) => {
                for d in deliveries {
                    if let Delivery::Message { payload, .. } = d {
                        self.on_message(&payload);
                    }
                }
            }
            Err(e) => self.drop_session(&e.to_string()),
        }
    }

    pub(super) fn on_message(&mut self, payload: &[u8]) {
        let msg = match Message::parse(payload) {
            Ok(m) => m,
            Err(why) => return self.malformed("message", &why, payload),
        };
        if msg.node() == self.node() {
            if let Message::Hello(h) = &msg
                && h.inst != self.setup.identity.instance
            {
                self.log_limited(
                    Level::Error,
                    &format!(
                        "another server announces itself as node {} too; give each server its \
                         own [cluster] node (or systemname)",
                        self.node()
                    ),
                );
            }
            return;
        }
        let now = self.now();
        let lag = now - msg.sent();
        if let Some(n) = self
            .setup
            .hub
            .registry
            .write_locked()
            .nodes
            .get_mut(msg.node())
        {
            n.last_heard = now;
            n.lag_ms = lag;
        }
        match msg {
            Message::Hello(h) => self.on_hello(&h, payload),
            Message::Ban(b) if self.shares.bans => match b.to_ban() {
                Ok(ban) => {
                    let age = (now - ban.since).max(0) as u64;
                    self.setup
                        .hub
                        .propagation
                        .record(std::time::Duration::from_millis(age));
                    self.setup.hub.status.locked().received.bans += 1;
                    self.to_engine(Command::Remote(Remote::Ban(ban)));
                }
                Err(why) => self.malformed("ban", &why, payload),
            },
            Message::Unban(u) if self.shares.bans => match u.to_net() {
                Ok((net, at)) => {
                    self.setup.hub.status.locked().received.unbans += 1;
                    self.to_engine(Command::Remote(Remote::Unban {
                        net,
                        at,
                        node: u.node.clone(),
                    }));
                }
                Err(why) => self.malformed("unban", &why, payload),
            },
            Message::Fail(f) if self.shares.failures => match f.to_failures() {
                Ok(sources) => {
                    {
                        let mut st = self.setup.hub.status.locked();
                        st.received.failure_batches += 1;
                        st.received.failures += sources
                            .iter()
                            .map(|s| u64::from(s.failures) + u64::from(s.ami_failures))
                            .sum::<u64>();
                    }
                    self.to_engine(Command::Remote(Remote::Failures {
                        node: f.node.clone(),
                        sources,
                    }));
                }
                Err(why) => self.malformed("failure batch", &why, payload),
            },
            Message::Contact(c) if self.shares.registrations => match c.to_contact(now) {
                Ok(contact) => {
                    self.setup.hub.status.locked().received.contacts += 1;
                    self.setup.hub.registry.write_locked().set_remote(contact);
                }
                Err(why) => self.malformed("contact", &why, payload),
            },
            Message::Uncontact(u) if self.shares.registrations => {
                if super::super::contact::valid_name(&u.id, super::super::contact::MAX_ID) {
                    self.setup
                        .hub
                        .registry
                        .write_locked()
                        .remove_remote(&u.node, &u.id);
                } else {
                    self.malformed("contact removal", "bad contact id", payload);
                }
            }
            Message::Devs(d) if self.shares.device_state => self.on_device_states(&d, payload),
            // Something this server does not share.
            _ => {}
        }
    }

    fn on_hello(&mut self, h: &Hello, payload: &[u8]) {
        let (eid, sip) = match h.check() {
            Ok(x) => x,
            Err(why) => return self.malformed("node announcement", &why, payload),
        };
        if eid == self.setup.identity.eid && !eid.is_empty() {
            self.log_limited(
                Level::Error,
                &format!(
                    "node {} uses this server's entity ID {eid}; device states cannot be told \
                     apart (set a distinct entityid in asterisk.conf on each server)",
                    h.node
                ),
            );
        }
        let now = self.now();
        let known = {
            let mut reg = self.setup.hub.registry.write_locked();
            let known = reg.nodes.contains_key(&h.node);
            reg.note_node(NodeInfo {
                name: h.node.clone(),
                eid,
                instance: h.inst,
                sip_address: sip,
                version: crate::util::escape::for_log(&h.ver),
                last_heard: now,
                lag_ms: now - h.sent,
            });
            known
        };
        self.setup.hub.status.locked().received.hellos += 1;
        if !known {
            self.log(
                Level::Notice,
                &format!("cluster: node {} (entity ID {eid}) joined", h.node),
            );
        }
    }

    fn on_device_states(&mut self, d: &DeviceStates, payload: &[u8]) {
        let (eid, states) = match d.check() {
            Ok(x) => x,
            Err(why) => return self.malformed("device states", &why, payload),
        };
        if eid == self.setup.identity.eid {
            // Our own entity ID from another node: publishing it would loop our states.
            return;
        }
        self.remote_eids.insert(d.node.clone(), eid);
        self.setup.hub.status.locked().received.device_states += states.len() as u64;
        for (device, state) in states {
            self.setup
                .asterisk
                .publish_remote_state(&device, state, eid);
        }
    }
}
