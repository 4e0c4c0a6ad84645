//! What the cluster thread shares with everyone else, created once per module load and kept
//! across reloads (the link itself may be restarted with a new configuration):
//!
//! - the outbox: bans and unbans this server decided, queued by the enforcer's notifier
//!   (bounded: the oldest is dropped beyond `queue_size`; a resync republishes every ban in
//!   force anyway);
//! - the inbox: device states, contact changes and logins from Asterisk's threads, queued in
//!   microseconds (bounded);
//! - the failure tally the engine thread adds to;
//! - the registry and the link status the dialplan and the CLI read;
//! - a wake-up socket, so the cluster thread sleeps in `poll` until there is work.
//!
//! Every lock here is held for a queue push or a lookup, never across I/O.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use ipnet::IpNet;

use super::device_state::DeviceState;
use super::registry::Registry;
use super::status::LinkStatus;
use super::tally::FailureTally;
use crate::config::Shares;
use crate::decision::Ban;
use crate::util::histogram::Histogram;
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::time::Millis;

/// Items each inbox queue holds; beyond that new ones are dropped (counted) until the cluster
/// thread catches up. The periodic snapshot repairs what was dropped.
pub const INBOX_CAP: usize = 10_000;

/// A ban or unban to publish.
#[derive(Debug, Clone, PartialEq)]
pub enum Outbound {
    /// `replay`: published again after a reconnect, not freshly decided.
    Ban {
        ban: Ban,
        replay: bool,
    },
    Unban {
        net: IpNet,
        at: Millis,
    },
}

/// A contact change as Asterisk's sorcery reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactChange {
    Created,
    Updated,
    Deleted,
}

/// A successful login (SuccessfulAuth): where a REGISTER with this Call-ID really came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub call_id: String,
    pub address: SocketAddr,
    pub transport: String,
}

/// A contact's sorcery fields, (name, value).
pub type ContactFields = Vec<(String, String)>;

#[derive(Default)]
pub struct Inbox {
    pub states: VecDeque<(String, DeviceState)>,
    pub contacts: VecDeque<(ContactChange, String, ContactFields)>,
    pub logins: VecDeque<Login>,
}

#[derive(Default)]
struct Outbox {
    queue: VecDeque<Outbound>,
    cap: usize,
    peak: usize,
}

pub struct Hub {
    outbox: Mutex<Outbox>,
    inbox: Mutex<Inbox>,
    wake_tx: UnixStream,
    wake_rx: UnixStream,
    wake_pending: AtomicBool,
    shares: AtomicU8,
    pub tally: FailureTally,
    pub registry: RwLock<Registry>,
    pub status: Mutex<LinkStatus>,
    /// From a ban's decision on another server to its application by this engine.
    pub propagation: Histogram,
    pub queued: AtomicU64,
    pub queue_dropped: AtomicU64,
    pub inbox_dropped: AtomicU64,
}

const BANS: u8 = 1;
const FAILURES: u8 = 2;
const REGISTRATIONS: u8 = 4;
const DEVICE_STATE: u8 = 8;

impl Hub {
    pub fn new() -> std::io::Result<Hub> {
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        Ok(Hub {
            outbox: Mutex::new(Outbox {
                cap: 10_000,
                ..Outbox::default()
            }),
            inbox: Mutex::new(Inbox::default()),
            wake_tx,
            wake_rx,
            wake_pending: AtomicBool::new(false),
            shares: AtomicU8::new(0),
            tally: FailureTally::default(),
            registry: RwLock::new(Registry::default()),
            status: Mutex::new(LinkStatus::default()),
            propagation: Histogram::default(),
            queued: AtomicU64::new(0),
            queue_dropped: AtomicU64::new(0),
            inbox_dropped: AtomicU64::new(0),
        })
    }

    /// What a running link shares (none while no link runs).
    pub fn set_shares(&self, s: Shares) {
        let bits = [
            (s.bans, BANS),
            (s.failures, FAILURES),
            (s.registrations, REGISTRATIONS),
            (s.device_state, DEVICE_STATE),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit);
        self.shares.store(bits, Ordering::Release);
    }

    pub fn shares(&self) -> Shares {
        let b = self.shares.load(Ordering::Acquire);
        Shares {
            bans: b & BANS != 0,
            failures: b & FAILURES != 0,
            registrations: b & REGISTRATIONS != 0,
            device_state: b & DEVICE_STATE != 0,
        }
    }

    pub fn set_queue_size(&self, cap: usize) {
        self.outbox.locked().cap = cap.max(1);
    }

    /// Queues a ban or unban for the cluster; never waits.
    pub fn publish(&self, item: Outbound) {
        {
            let mut o = self.outbox.locked();
            if o.queue.len() >= o.cap {
                o.queue.pop_front();
                self.queue_dropped.fetch_add(1, Ordering::Relaxed);
            }
            o.queue.push_back(item);
            o.peak = o.peak.max(o.queue.len());
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        self.wake();
    }

    /// Up to `max` queued items, oldest first.
    pub fn take_outbound(&self, max: usize) -> Vec<Outbound> {
        let mut o = self.outbox.locked();
        let n = o.queue.len().min(max);
        o.queue.drain(..n).collect()
    }

    /// Puts back items that could not be sent, in front of what came since.
    pub fn requeue(&self, items: Vec<Outbound>) {
        let mut o = self.outbox.locked();
        for item in items.into_iter().rev() {
            if o.queue.len() >= o.cap {
                self.queue_dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            o.queue.push_front(item);
        }
    }

    /// (waiting now, most ever waiting).
    pub fn queue_depth(&self) -> (usize, usize) {
        let o = self.outbox.locked();
        (o.queue.len(), o.peak)
    }

    /// From Asterisk's device-state thread: a local device changed state.
    pub fn device_state(&self, device: String, state: DeviceState) {
        if !self.shares().device_state {
            return;
        }
        let queued = {
            let mut i = self.inbox.locked();
            if i.states.len() < INBOX_CAP {
                i.states.push_back((device, state));
                true
            } else {
                false
            }
        };
        self.queued_or_dropped(queued);
    }

    /// From PJSIP's sorcery thread: a contact was created, updated or deleted.
    pub fn contact(&self, change: ContactChange, id: String, fields: ContactFields) {
        if !self.shares().registrations {
            return;
        }
        let queued = {
            let mut i = self.inbox.locked();
            if i.contacts.len() < INBOX_CAP {
                i.contacts.push_back((change, id, fields));
                true
            } else {
                false
            }
        };
        self.queued_or_dropped(queued);
    }

    /// From the engine thread: a SuccessfulAuth, for the source address of registrations.
    pub fn login(&self, login: Login) {
        if !self.shares().registrations {
            return;
        }
        let queued = {
            let mut i = self.inbox.locked();
            if i.logins.len() < INBOX_CAP {
                i.logins.push_back(login);
                true
            } else {
                false
            }
        };
        self.queued_or_dropped(queued);
    }

    fn queued_or_dropped(&self, queued: bool) {
        if queued {
            self.wake();
        } else {
            self.inbox_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Everything Asterisk handed over since the last call.
    pub fn take_inbox(&self) -> Inbox {
        std::mem::take(&mut *self.inbox.locked())
    }

    /// Wakes the cluster thread (one byte on its socket, unless one is already waiting).
    pub fn wake(&self) {
        if !self.wake_pending.swap(true, Ordering::AcqRel) {
            let _ = (&self.wake_tx).write(&[1]);
        }
    }

    /// The descriptor the cluster thread polls for wake-ups.
    pub fn wake_fd(&self) -> RawFd {
        self.wake_rx.as_raw_fd()
    }

    /// Called by the cluster thread before it looks for work.
    pub fn clear_wake(&self) {
        self.wake_pending.store(false, Ordering::Release);
        let mut sink = [0u8; 64];
        while let Ok(n) = (&self.wake_rx).read(&mut sink) {
            if n == 0 {
                break;
            }
        }
    }

    pub fn registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.registry.read_locked()
    }

    pub fn status(&self) -> LinkStatus {
        self.status.locked().clone()
    }

    /// Whether a link runs (the dialplan asks this on every call: no copy of the status).
    pub fn is_running(&self) -> bool {
        self.status.locked().running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbox_drops_its_oldest_beyond_its_size() {
        let hub = Hub::new().unwrap();
        hub.set_queue_size(2);
        for i in 0..3 {
            hub.publish(Outbound::Unban {
                net: format!("203.0.113.{i}/32").parse().unwrap(),
                at: i,
            });
        }
        let items = hub.take_outbound(10);
        assert_eq!(items.len(), 2);
        assert!(matches!(items[0], Outbound::Unban { at: 1, .. }));
        assert_eq!(hub.queue_dropped.load(Ordering::Relaxed), 1);
        assert_eq!(hub.queue_depth(), (0, 2));
    }

    #[test]
    fn nothing_is_taken_from_asterisk_while_not_shared() {
        let hub = Hub::new().unwrap();
        hub.device_state("PJSIP/1001".into(), DeviceState::InUse);
        assert!(hub.take_inbox().states.is_empty());
        hub.set_shares(Shares::ALL);
        hub.device_state("PJSIP/1001".into(), DeviceState::InUse);
        assert_eq!(hub.take_inbox().states.len(), 1);
    }

    #[test]
    fn a_wake_up_is_seen_by_poll_once() {
        use crate::os::poll::wait_readable;
        use std::time::Duration;
        let hub = Hub::new().unwrap();
        hub.wake();
        hub.wake();
        let fd = hub.wake_fd();
        assert_eq!(
            wait_readable(&[fd], Duration::from_secs(1)).unwrap(),
            vec![true]
        );
        hub.clear_wake();
        assert_eq!(
            wait_readable(&[fd], Duration::from_millis(1)).unwrap(),
            vec![false]
        );
    }
}
