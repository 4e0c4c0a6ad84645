//! The cluster as the running module holds it: the hub lives as long as the module is loaded
//! (the engine and the enforcer's notifier hold it); the link and its two feeds from Asterisk
//! (this server's device states, PJSIP contact changes) are started from `[cluster]` and
//! started again when a reload changes that section.

use std::sync::Arc;

use super::ffi::contacts::{self, ContactFeed};
use super::ffi::device_state::{self, DeviceStateFeed};
use super::ffi::log::{AsteriskLog, host_log};
use super::ffi::node_identity::{entity_id, system_name};
use crate::cluster::hub::ContactFields;
use crate::cluster::link::{self, LinkHandle, LinkSetup};
use crate::cluster::{AsteriskSide, DeviceState, Eid, EngineSink, Hub, Identity};
use crate::config::Config;
use crate::util::lock::LockExt;
use crate::util::log::Level;
use crate::util::time::wall_clock_ms;
use crate::worker::Shared;

/// What the cluster thread asks of this Asterisk.
struct ThisAsterisk;

impl AsteriskSide for ThisAsterisk {
    fn publish_remote_state(&self, device: &str, state: DeviceState, eid: Eid) -> bool {
        device_state::publish_remote(device, state, eid.0)
    }

    fn clear_remote_states(&self, eid: Eid) -> usize {
        device_state::clear_remote(eid.0)
    }

    fn local_device_states(&self) -> Vec<(String, DeviceState)> {
        device_state::local_states()
    }

    fn local_contacts(&self) -> Vec<(String, ContactFields)> {
        contacts::all_contacts()
    }

    fn contacts_ready(&self) -> bool {
        contacts::observing()
    }
}

pub struct ClusterRuntime {
    link: LinkHandle,
    devices: Option<DeviceStateFeed>,
    contacts: Option<ContactFeed>,
}

/// Starts the link and its feeds when `[cluster]` asks for it; None when it is off or cannot
/// start (the reason is logged, and the server works alone).
pub fn start(config: &Config, hub: &Arc<Hub>, shared: &Arc<Shared>) -> Option<ClusterRuntime> {
    if !config.cluster.enabled() {
        return None;
    }
    let identity = match Identity::resolve(&config.cluster.node, &system_name(), Eid(entity_id())) {
        Ok(i) => i,
        Err(e) => {
            host_log!(Level::Error, "cluster not started: {e}");
            return None;
        }
    };
    let engine: EngineSink = {
        let shared = shared.clone();
        Arc::new(move |cmd| shared.command(cmd))
    };
    let link = match link::start(LinkSetup {
        config: config.cluster.clone(),
        identity,
        hub: hub.clone(),
        engine,
        asterisk: Arc::new(ThisAsterisk),
        log: Arc::new(AsteriskLog),
        clock: wall_clock_ms,
        history: config.escalation.history,
    }) {
        Ok(l) => l,
        Err(e) => {
            host_log!(
                Level::Error,
                "cluster not started: {e}; this server works alone"
            );
            return None;
        }
    };
    let shares = hub.shares();
    let devices = if shares.device_state {
        let feed = DeviceStateFeed::open(hub.clone());
        if feed.is_none() {
            note(
                hub,
                "cannot subscribe to device states: they are not shared",
            );
        }
        feed
    } else {
        None
    };
    let contacts = if shares.registrations {
        match ContactFeed::open(hub.clone()) {
            Ok(f) => Some(f),
            Err(e) => {
                note(hub, &e);
                None
            }
        }
    } else {
        None
    };
    // The contact snapshot is taken by the link once the observer is in place.
    hub.wake();
    Some(ClusterRuntime {
        link,
        devices,
        contacts,
    })
}

fn note(hub: &Hub, text: &str) {
    host_log!(Level::Warning, "cluster: {text}");
    hub.status.locked().notes.push(text.to_owned());
}

impl ClusterRuntime {
    /// Feeds first (nothing more is queued), then the link (which clears the other servers'
    /// device states it had set).
    pub fn stop(self) {
        if let Some(d) = self.devices {
            d.close();
        }
        if let Some(c) = self.contacts {
            c.close();
        }
        self.link.stop();
    }
}
