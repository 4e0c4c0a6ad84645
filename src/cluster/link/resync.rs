//! After every (re)connect: pub/sub lost whatever was published while we were away, so the
//! cluster's state is read back from Redis (the subscription is already open, so nothing
//! published from now on is missed) and ours written out again.
//!
//! - Nodes: the live `node:` keys. Registrations and device states are taken only from nodes
//!   that are alive.
//! - Bans: the bans in force, the lifted ones and the offence history go to the engine in
//!   one [`Remote::Snapshot`]; it applies what it lacks, lifts what was lifted elsewhere, and
//!   queues its own bans the cluster is missing (after a Redis restart, say) for replay.
//!   Records that ran out are removed from Redis on the way.
//! - Registrations and device states: the other nodes' are read; ours are written in full.

use std::collections::HashSet;

use super::super::identity::Eid;
use super::super::redis::{RedisError, cmd};
use super::super::registry::NodeInfo;
use super::super::wire::{Message, OffenceRecord, parse_device_entry};
use super::Link;
use crate::decision::{ClusterBans, Command, Remote};
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::log::Level;

/// The most entries read from one hash or key pattern during a resync.
const MAX_BANS: usize = 1_000_000;
const MAX_CONTACTS: usize = 200_000;
const MAX_DEVICES_PER_NODE: usize = 50_000;
const MAX_NODE_KEYS: usize = 1_000;
/// Lifted bans are remembered this long (a node away longer resyncs from the bans alone).
const UNBAN_MEMORY_MS: i64 = 8 * 86_400_000;

impl Link {
    /// Returns a one-line summary for the log.
    pub(super) fn resync(&mut self) -> Result<String, RedisError> {
        let hello = self.hello();
        let ttl = super::NODE_TIMEOUT.as_millis().to_string();
        let node_key = self.keys.node(self.node());
        if !self.execute(&vec![
            cmd([
                b"SET".as_slice(),
                node_key.as_bytes(),
                &hello.to_json(),
                b"PX",
                ttl.as_bytes(),
            ]),
            cmd([
                b"PUBLISH".as_slice(),
                self.keys.channel().as_bytes(),
                &hello.to_json(),
            ]),
        ]) {
            return Err(lost());
        }
        let alive = self.read_nodes()?;
        let mut summary = format!("{} other nodes", alive.len());
        if self.shares.bans {
            let n = self.read_bans(true)?;
            summary.push_str(&format!(", {n} bans"));
        }
        if self.shares.registrations {
            let n = self.read_contacts(&alive)?;
            summary.push_str(&format!(", {n} remote registrations"));
            let own: Vec<_> = self
                .setup
                .hub
                .registry
                .read_locked()
                .local()
                .cloned()
                .collect();
            for c in own {
                self.publish_contact(c);
            }
        }
        if self.shares.device_state {
            let n = self.read_device_states(&alive)?;
            summary.push_str(&format!(", {n} remote device states"));
            self.last_snapshot = std::time::Instant::now();
            self.snapshot_out();
        }
        if self.session.is_none() {
            return Err(lost());
        }
        Ok(summary)
    }

    /// The nodes with a live key (other than us), noted in the registry.
    fn read_nodes(&mut self) -> Result<HashSet<String>, RedisError> {
        let session = self.session.as_mut().ok_or_else(lost)?;
        let keys = session.scan_keys(&self.keys.nodes_pattern(), MAX_NODE_KEYS)?;
        let values = session.values(&keys)?;
        let now = self.now();
        let mut alive = HashSet::new();
        for raw in values.into_iter().flatten() {
            let hello = match Message::parse(&raw) {
                Ok(Message::Hello(h)) => h,
                Ok(_) => {
                    self.malformed("node record", "not a node announcement", &raw);
                    continue;
                }
                Err(why) => {
                    self.malformed("node record", &why, &raw);
                    continue;
                }
            };
            if hello.node == self.node() {
                continue;
            }
            match hello.check() {
                Ok((eid, sip)) => {
                    alive.insert(hello.node.clone());
                    self.setup.hub.registry.write_locked().note_node(NodeInfo {
                        name: hello.node.clone(),
                        eid,
                        instance: hello.inst,
                        sip_address: sip,
                        version: crate::util::escape::for_log(&hello.ver),
                        last_heard: now,
                        lag_ms: now - hello.sent,
                    });
                }
                Err(why) => self.malformed("node record", &why, &raw),
            }
        }
        // Nodes we knew that have no key any more are gone.
        let known: Vec<String> = self
            .setup
            .hub
            .registry
            .read_locked()
            .nodes
            .keys()
            .filter(|n| !alive.contains(*n))
            .cloned()
            .collect();
        for n in known {
            self.forget_node(&n, super::NODE_TIMEOUT);
        }
        Ok(alive)
    }

    /// Every `HOUSEKEEPING` interval, on one node only (the first by name among those alive):
    /// removes from Redis the bans that ended, and lifted bans and offences too old to matter.
    /// A reconnect does the same for its own reading.
    pub(super) fn housekeep(&mut self) {
        let first = self
            .setup
            .hub
            .registry
            .read_locked()
            .nodes
            .keys()
            .all(|n| n.as_str() > self.node());
        if !first || self.session.is_none() || !self.shares.bans {
            return;
        }
        if let Err(e) = self.read_bans(false) {
            self.drop_session(&format!("housekeeping: {e}"));
        }
    }

    fn read_bans(&mut self, to_engine: bool) -> Result<usize, RedisError> {
        let now = self.now();
        let session = self.session.as_mut().ok_or_else(lost)?;
        let bans_raw = session.hash_entries(&self.keys.bans(), MAX_BANS)?;
        let unbans_raw = session.hash_entries(&self.keys.unbans(), MAX_BANS)?;
        let offences_raw = session.hash_entries(&self.keys.offences(), MAX_BANS)?;
        let mut snapshot = ClusterBans::default();
        let mut stale: Vec<Vec<u8>> = Vec::new();
        for (field, value) in bans_raw {
            let record = match Message::parse(&value) {
                Ok(Message::Ban(r)) => r,
                Ok(_) => {
                    self.malformed("ban record", "not a ban", &value);
                    continue;
                }
                Err(why) => {
                    self.malformed("ban record", &why, &value);
                    continue;
                }
            };
            match record.to_ban() {
                Ok(ban) if !ban.is_active(now) => stale.push(field),
                // Our own bans are in our ledger already; the engine republishes any missing.
                Ok(ban) if record.node == self.node() => snapshot.ours.push(ban.net),
                Ok(ban) => snapshot.bans.push(ban),
                Err(why) => self.malformed("ban record", &why, &value),
            }
        }
        let mut stale_unbans = Vec::new();
        for (field, value) in unbans_raw {
            match Message::parse(&value) {
                Ok(Message::Unban(u)) => match u.to_net() {
                    Ok((_, at)) if now - at > UNBAN_MEMORY_MS => stale_unbans.push(field),
                    Ok(x) => snapshot.lifted.push(x),
                    Err(why) => self.malformed("unban record", &why, &value),
                },
                Ok(_) => self.malformed("unban record", "not an unban", &value),
                Err(why) => self.malformed("unban record", &why, &value),
            }
        }
        let history = self.setup.history.as_millis() as i64;
        let mut stale_offences = Vec::new();
        for (field, value) in offences_raw {
            match OffenceRecord::parse(&field, &value) {
                Ok((_, _, at)) if now - at > history => stale_offences.push(field),
                Ok(o) => snapshot.offences.push(o),
                Err(why) => self.malformed("offence record", &why, &value),
            }
        }
        let mut cleanup = Vec::new();
        for (key, fields) in [
            (self.keys.bans(), stale),
            (self.keys.unbans(), stale_unbans),
            (self.keys.offences(), stale_offences),
        ] {
            for chunk in fields.chunks(500) {
                let mut c = cmd([b"HDEL".as_slice(), key.as_bytes()]);
                c.extend(chunk.iter().cloned());
                cleanup.push(c);
            }
        }
        if !self.execute(&cleanup) {
            return Err(lost());
        }
        let n = snapshot.bans.len();
        if to_engine {
            self.setup.hub.status.locked().received.bans += n as u64;
            self.to_engine(Command::Remote(Remote::Snapshot(snapshot)));
        }
        Ok(n)
    }

    fn read_contacts(&mut self, alive: &HashSet<String>) -> Result<usize, RedisError> {
        let now = self.now();
        let session = self.session.as_mut().ok_or_else(lost)?;
        let keys = session.scan_keys(&self.keys.contacts_pattern(), MAX_CONTACTS)?;
        let values = session.values(&keys)?;
        self.setup.hub.registry.write_locked().forget_all_remote();
        let mut n = 0;
        for raw in values.into_iter().flatten() {
            let record = match Message::parse(&raw) {
                Ok(Message::Contact(c)) => c,
                Ok(_) => {
                    self.malformed("contact record", "not a contact", &raw);
                    continue;
                }
                Err(why) => {
                    self.malformed("contact record", &why, &raw);
                    continue;
                }
            };
            if record.node == self.node() || !alive.contains(&record.node) {
                continue;
            }
            match record.to_contact(now) {
                Ok(c) => {
                    if self.setup.hub.registry.write_locked().set_remote(c) {
                        n += 1;
                    }
                }
                // An expired record is harmless (its key is about to go).
                Err(why) if why.contains("expiry") => {}
                Err(why) => self.malformed("contact record", &why, &raw),
            }
        }
        Ok(n)
    }

    fn read_device_states(&mut self, alive: &HashSet<String>) -> Result<usize, RedisError> {
        let session = self.session.as_mut().ok_or_else(lost)?;
        let keys = session.scan_keys(&self.keys.devstates_pattern(), MAX_NODE_KEYS)?;
        let mut n = 0;
        for key in keys {
            let Some(node) = std::str::from_utf8(&key)
                .ok()
                .and_then(|k| self.keys.node_of_devstate_key(k))
                .map(str::to_owned)
            else {
                continue;
            };
            if node == self.node() || !alive.contains(&node) {
                continue;
            }
            let eid: Option<Eid> = self
                .setup
                .hub
                .registry
                .read_locked()
                .nodes
                .get(&node)
                .map(|i| i.eid);
            let Some(eid) = eid.filter(|e| !e.is_empty() && *e != self.setup.identity.eid) else {
                continue;
            };
            let session = self.session.as_mut().ok_or_else(lost)?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let entries = session.hash_entries(&key, MAX_DEVICES_PER_NODE)?;
            // What the node had before is replaced by what it has now.
            self.setup.asterisk.clear_remote_states(eid);
            self.remote_eids.insert(node.clone(), eid);
            for (device, state) in entries {
                match parse_device_entry(&device, &state) {
                    Ok((device, state)) => {
                        self.setup
                            .asterisk
                            .publish_remote_state(&device, state, eid);
                        n += 1;
                    }
                    Err(why) => self.malformed("device state", &why, &device),
                }
            }
        }
        if n > 0 {
            self.log(
                Level::Verbose,
                &format!("cluster: {n} device states of other nodes applied"),
            );
        }
        Ok(n)
    }
}

fn lost() -> RedisError {
    RedisError::new(
        super::super::redis::ErrorKind::Io,
        "the link dropped during the resync",
    )
}
