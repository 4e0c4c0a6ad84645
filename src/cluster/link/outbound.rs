//! What this server tells the others: its bans and unbans (from the outbox), its failure
//! counts (in batches), its registrations and device states (as Asterisk reports changes, and
//! in full every `snapshot_interval`), and its announcement every second.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::super::contact::{AddressFrom, Contact, from_fields};
use super::super::hub::{ContactChange, Login, Outbound};
use super::super::redis::cmd;
use super::super::wire::{
    BanRecord, ContactRecord, DeviceStates, FailBatch, Hello, Message, OffenceRecord, Unban,
    Uncontact,
};
use super::{LOGIN_TTL, Link, MAX_LOGINS, NODE_TIMEOUT};
use crate::cluster::device_state::DeviceState;
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::log::Level;

/// Bans and unbans sent per round trip.
const OUTBOX_BATCH: usize = 500;
/// Device states and failure sources per message.
const PER_MESSAGE: usize = 500;
/// How long a node's device-state hash outlives its last refresh.
const DEVSTATE_TTL_MS: u64 = 15_000;

pub(super) type Commands = Vec<Vec<Vec<u8>>>;

impl Link {
    /// Runs `commands` in one round trip; false (and the session dropped) on a broken link.
    /// Refusals (an ACL without a permission, say) are logged and the session kept.
    pub(super) fn execute(&mut self, commands: &Commands) -> bool {
        if commands.is_empty() {
            return true;
        }
        let Some(session) = self.session.as_mut() else {
            return false;
        };
        match session.pipeline(commands) {
            Ok(refusals) => {
                if let Some(first) = refusals.0.first() {
                    let msg = format!(
                        "Redis refused {} command(s): {first} (check the ACL user's key and \
                         channel patterns against key_prefix)",
                        refusals.0.len()
                    );
                    self.note_error(&msg);
                }
                true
            }
            Err(e) => {
                self.drop_session(&e.to_string());
                false
            }
        }
    }

    fn publish_cmd(&self, msg: &Message) -> Vec<Vec<u8>> {
        cmd([
            b"PUBLISH".as_slice(),
            self.keys.channel().as_bytes(),
            &msg.to_json(),
        ])
    }

    /// The commands that write a ban and announce it.
    fn ban_commands(&self, r: &BanRecord, out: &mut Commands) {
        let json = Message::Ban(r.clone()).to_json();
        let offence = serde_json::to_vec(&OffenceRecord {
            n: r.offence,
            at: r.since,
        })
        .unwrap_or_default();
        let (bans, offences, unbans) = (self.keys.bans(), self.keys.offences(), self.keys.unbans());
        out.push(cmd([
            b"HSET".as_slice(),
            bans.as_bytes(),
            r.net.as_bytes(),
            &json,
        ]));
        out.push(cmd([
            b"HSET".as_slice(),
            offences.as_bytes(),
            r.net.as_bytes(),
            &offence,
        ]));
        out.push(cmd([
            b"HDEL".as_slice(),
            unbans.as_bytes(),
            r.net.as_bytes(),
        ]));
        out.push(cmd([
            b"PUBLISH".as_slice(),
            self.keys.channel().as_bytes(),
            &json,
        ]));
    }

    /// Bans and unbans queued by the enforcer's notifier (or by a resync's replay).
    pub(super) fn send_outbox(&mut self) {
        while self.session.is_some() {
            let items = self.setup.hub.take_outbound(OUTBOX_BATCH);
            if items.is_empty() {
                return;
            }
            let now = self.now();
            let mut commands = Commands::new();
            let (mut bans, mut unbans, mut replays) = (0u64, 0u64, 0u64);
            for item in &items {
                match item {
                    Outbound::Ban { ban, replay } => {
                        let r = BanRecord::from_ban(ban, self.node(), now);
                        self.ban_commands(&r, &mut commands);
                        bans += 1;
                        replays += u64::from(*replay);
                    }
                    Outbound::Unban { net, at } => {
                        let u = Unban {
                            node: self.node().to_owned(),
                            net: net.to_string(),
                            at: *at,
                            sent: now,
                        };
                        let json = Message::Unban(u).to_json();
                        let net = net.to_string();
                        commands.push(cmd([
                            b"HDEL".as_slice(),
                            self.keys.bans().as_bytes(),
                            net.as_bytes(),
                        ]));
                        commands.push(cmd([
                            b"HSET".as_slice(),
                            self.keys.unbans().as_bytes(),
                            net.as_bytes(),
                            &json,
                        ]));
                        commands.push(cmd([
                            b"PUBLISH".as_slice(),
                            self.keys.channel().as_bytes(),
                            &json,
                        ]));
                        unbans += 1;
                    }
                }
            }
            let count = items.len();
            if !self.execute(&commands) {
                self.setup.hub.requeue(items);
                return;
            }
            // Items that waited while Redis was away count as replayed.
            let waited = self.replay_pending.min(count);
            self.replay_pending -= waited;
            let mut st = self.setup.hub.status.locked();
            st.published.bans += bans;
            st.published.unbans += unbans;
            st.replayed += replays + waited as u64;
        }
    }

    /// The failures counted since the last batch, as one message (or a few).
    pub(super) fn flush_failures(&mut self) {
        self.flush_due = None;
        if !self.shares.failures {
            let _ = self.setup.hub.tally.take();
            return;
        }
        if self.session.is_none() {
            // Kept (merged) until Redis is back: nothing counted is lost.
            return;
        }
        let batch = self.setup.hub.tally.take();
        if batch.is_empty() {
            return;
        }
        let now = self.now();
        let total: u64 = batch
            .iter()
            .map(|f| u64::from(f.failures) + u64::from(f.ami_failures))
            .sum();
        let commands: Commands = batch
            .chunks(PER_MESSAGE)
            .map(|c| {
                self.publish_cmd(&Message::Fail(FailBatch::from_failures(
                    self.node(),
                    c,
                    now,
                )))
            })
            .collect();
        let messages = commands.len() as u64;
        if self.execute(&commands) {
            let mut st = self.setup.hub.status.locked();
            st.published.failure_batches += messages;
            st.published.failures += total;
        } else {
            self.setup.hub.tally.put_back(batch);
        }
    }

    pub(super) fn hello(&self) -> Message {
        Message::Hello(Hello {
            node: self.node().to_owned(),
            eid: self.setup.identity.eid.to_string(),
            inst: self.setup.identity.instance,
            sip: self.setup.config.sip_address.clone(),
            ver: env!("CARGO_PKG_VERSION").to_owned(),
            sent: self.now(),
        })
    }

    /// Every second: the node's key (which expires if it stops), its announcement, a PING on
    /// the subscription, and the check that the previous PING was answered.
    pub(super) fn heartbeat(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let limit = NODE_TIMEOUT.max(self.setup.config.timeout * 2);
        if session.sub.pong_overdue(limit) {
            return self.drop_session("Redis stopped answering (no PONG)");
        }
        if let Err(e) = session.sub.ping() {
            return self.drop_session(&e.to_string());
        }
        let hello = self.hello();
        let json = hello.to_json();
        let ttl = NODE_TIMEOUT.as_millis().to_string();
        let mut commands = vec![
            cmd([
                b"SET".as_slice(),
                self.keys.node(self.node()).as_bytes(),
                &json,
                b"PX",
                ttl.as_bytes(),
            ]),
            self.publish_cmd(&hello),
        ];
        if self.shares.device_state {
            commands.push(cmd([
                b"PEXPIRE".as_slice(),
                self.keys.devstate(self.node()).as_bytes(),
                DEVSTATE_TTL_MS.to_string().as_bytes(),
            ]));
        }
        if self.execute(&commands) {
            self.setup.hub.status.locked().published.hellos += 1;
        }
    }

    /// What Asterisk handed over: logins, contact changes, device states.
    pub(super) fn take_inbox(&mut self) {
        let inbox = self.setup.hub.take_inbox();
        for login in inbox.logins {
            self.note_login(login);
        }
        if !self.started_contacts
            && self.shares.registrations
            && self.setup.asterisk.contacts_ready()
        {
            self.started_contacts = true;
            self.load_local_contacts();
        }
        for (change, id, fields) in inbox.contacts {
            self.contact_changed(change, &id, &fields);
        }
        if !inbox.states.is_empty() {
            let mut changed = Vec::new();
            for (device, state) in inbox.states {
                if self.own_states.get(&device) != Some(&state) {
                    self.own_states.insert(device.clone(), state);
                    changed.push((device, state));
                }
            }
            self.publish_states(&changed, false);
        }
    }

    /// Contacts restored at start-up raise no event: take them from Asterisk once.
    fn load_local_contacts(&mut self) {
        let now = self.now();
        let mut contacts = Vec::new();
        for (id, fields) in self.setup.asterisk.local_contacts() {
            match from_fields(&id, &fields, self.node(), now) {
                Ok((c, call_id)) if c.is_live(now) => {
                    if let Some(call) = call_id {
                        self.call_ids.insert(c.id.clone(), call);
                    }
                    contacts.push(c);
                }
                Ok(_) => {}
                Err(why) => self.log(Level::Debug, &format!("cluster: contact skipped: {why}")),
            }
        }
        self.setup
            .hub
            .registry
            .write_locked()
            .replace_local(contacts);
    }

    fn note_login(&mut self, login: Login) {
        if self.logins.len() >= MAX_LOGINS
            && let Some(oldest) = self.login_order.pop_front()
        {
            self.logins.remove(&oldest);
        }
        let call = login.call_id.clone();
        if self
            .logins
            .insert(call.clone(), (login.clone(), Instant::now()))
            .is_none()
        {
            self.login_order.push_back(call.clone());
        }
        // A contact that registered before its SuccessfulAuth was seen gets the real address.
        let id = self
            .call_ids
            .iter()
            .find(|(_, c)| **c == call)
            .map(|(id, _)| id.clone());
        if let Some(id) = id {
            let existing = self
                .setup
                .hub
                .registry
                .read_locked()
                .local_by_id(&id)
                .cloned();
            if let Some(mut c) = existing
                && c.address_from != AddressFrom::Login
            {
                c.address = Some(login.address);
                c.address_from = AddressFrom::Login;
                c.transport = login.transport;
                self.publish_contact(c);
            }
        }
    }

    fn contact_changed(&mut self, change: ContactChange, id: &str, fields: &[(String, String)]) {
        let now = self.now();
        let parsed = from_fields(id, fields, self.node(), now);
        let (mut contact, call_id) = match parsed {
            Ok(x) => x,
            Err(why) => {
                return self.log(Level::Debug, &format!("cluster: contact skipped: {why}"));
            }
        };
        if change == ContactChange::Deleted || !contact.is_live(now) {
            self.call_ids.remove(&contact.id);
            self.setup
                .hub
                .registry
                .write_locked()
                .remove_local(&contact.id);
            return self.unpublish_contact(&contact.id);
        }
        // The REGISTER's Call-ID (Asterisk keeps the first one) names its SuccessfulAuth.
        if let Some(call) = call_id {
            if let Some((login, _)) = self.logins.get(&call) {
                contact.address = Some(login.address);
                contact.address_from = AddressFrom::Login;
                contact.transport = login.transport.clone();
            }
            self.call_ids.insert(contact.id.clone(), call);
        } else if let Some(old) = self.setup.hub.registry.read_locked().local_by_id(id)
            && old.address_from == AddressFrom::Login
        {
            contact.address = old.address;
            contact.address_from = AddressFrom::Login;
            contact.transport = old.transport.clone();
        }
        self.publish_contact(contact);
    }

    /// Stores a local contact and tells the others (its key expires with the registration).
    pub(super) fn publish_contact(&mut self, c: Contact) {
        let now = self.now();
        self.setup.hub.registry.write_locked().set_local(c.clone());
        let ttl = (c.expires - now).max(1);
        let msg = Message::Contact(ContactRecord::from_contact(&c, now));
        let commands = vec![
            cmd([
                b"SET".as_slice(),
                self.keys.contact(self.node(), &c.id).as_bytes(),
                &msg.to_json(),
                b"PX",
                ttl.to_string().as_bytes(),
            ]),
            self.publish_cmd(&msg),
        ];
        if self.execute(&commands) {
            self.setup.hub.status.locked().published.contacts += 1;
        }
    }

    fn unpublish_contact(&mut self, id: &str) {
        let msg = Message::Uncontact(Uncontact {
            node: self.node().to_owned(),
            id: id.to_owned(),
            sent: self.now(),
        });
        let commands = vec![
            cmd([
                b"DEL".as_slice(),
                self.keys.contact(self.node(), id).as_bytes(),
            ]),
            self.publish_cmd(&msg),
        ];
        if self.execute(&commands) {
            self.setup.hub.status.locked().published.contacts += 1;
        }
    }

    /// Writes `states` to this node's hash and announces them (`full`: the hash is replaced).
    pub(super) fn publish_states(&mut self, states: &[(String, DeviceState)], full: bool) {
        if (states.is_empty() && !full) || !self.shares.device_state {
            return;
        }
        let key = self.keys.devstate(self.node());
        let mut commands = Commands::new();
        if full {
            commands.push(cmd([b"DEL".as_slice(), key.as_bytes()]));
        }
        let now = self.now();
        for chunk in states.chunks(PER_MESSAGE) {
            let mut hset = cmd([b"HSET".as_slice(), key.as_bytes()]);
            for (device, state) in chunk {
                hset.push(device.as_bytes().to_vec());
                hset.push(state.code().to_string().into_bytes());
            }
            commands.push(hset);
            commands.push(
                self.publish_cmd(&Message::Devs(DeviceStates {
                    node: self.node().to_owned(),
                    eid: self.setup.identity.eid.to_string(),
                    states: chunk
                        .iter()
                        .map(|(d, s)| (d.clone(), i64::from(s.code())))
                        .collect(),
                    full,
                    sent: now,
                })),
            );
        }
        commands.push(cmd([
            b"PEXPIRE".as_slice(),
            key.as_bytes(),
            DEVSTATE_TTL_MS.to_string().as_bytes(),
        ]));
        if self.execute(&commands) {
            self.setup.hub.status.locked().published.device_states += states.len() as u64;
        }
    }

    /// Every `snapshot_interval`: this server's device states in full, as Asterisk has them
    /// (repairs anything a full inbox dropped).
    pub(super) fn snapshot_out(&mut self) {
        if !self.shares.device_state {
            return;
        }
        let states = self.setup.asterisk.local_device_states();
        self.own_states = states.iter().cloned().collect::<HashMap<_, _>>();
        self.setup.hub.status.locked().own_devices = self.own_states.len();
        if self.session.is_some() {
            self.publish_states(&states, true);
        }
    }

    /// Every second: registrations that ran out, logins too old to join, nodes gone silent.
    pub(super) fn sweep(&mut self) {
        let now = self.now();
        self.setup.hub.registry.write_locked().sweep(now);
        while let Some(oldest) = self.login_order.front() {
            match self.logins.get(oldest) {
                Some((_, at)) if at.elapsed() < LOGIN_TTL => break,
                _ => {
                    let k = self.login_order.pop_front().unwrap_or_default();
                    self.logins.remove(&k);
                }
            }
        }
        self.setup.hub.status.locked().remote_devices = self.remote_eids.len();
        // Silence means something only while we ourselves hear Redis.
        let listening = self
            .connected_at
            .is_some_and(|t| t.elapsed() > NODE_TIMEOUT);
        if !listening {
            return;
        }
        let limit = NODE_TIMEOUT.as_millis() as i64;
        let gone: Vec<String> = self
            .setup
            .hub
            .registry
            .read_locked()
            .nodes
            .values()
            .filter(|n| now - n.last_heard > limit)
            .map(|n| n.name.clone())
            .collect();
        for node in gone {
            self.forget_node(&node, Duration::from_millis(limit as u64));
        }
    }

    /// A node left (or went silent): its registrations and device states no longer hold.
    pub(super) fn forget_node(&mut self, node: &str, silent_for: Duration) {
        {
            let mut reg = self.setup.hub.registry.write_locked();
            reg.nodes.remove(node);
            reg.forget_node_contacts(node);
        }
        let cleared = match self.remote_eids.remove(node) {
            Some(eid) => self.setup.asterisk.clear_remote_states(eid),
            None => 0,
        };
        self.log(
            Level::Notice,
            &format!(
                "cluster: node {node} not heard for {}s; its registrations and {cleared} device \
                 states dropped",
                silent_for.as_secs()
            ),
        );
    }
}
