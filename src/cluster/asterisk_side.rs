//! What the cluster thread asks of Asterisk: the host layer implements this (device state
//! through Asterisk's distributed device state, contacts through PJSIP's sorcery); tests and
//! benches use [`NoAsterisk`]. Called only from the cluster thread, never from an Asterisk
//! thread.

use super::device_state::DeviceState;
use super::identity::Eid;

pub trait AsteriskSide: Send + Sync {
    /// Sets `device`'s state as the server `eid` reports it (Asterisk aggregates it with the
    /// others into what hints and DEVICE_STATE() show).
    fn publish_remote_state(&self, device: &str, state: DeviceState, eid: Eid) -> bool;
    /// Forgets every state published for `eid`; returns how many.
    fn clear_remote_states(&self, eid: Eid) -> usize;
    /// This server's own device states (the snapshot published periodically).
    fn local_device_states(&self) -> Vec<(String, DeviceState)>;
    /// This server's registered contacts: (id, sorcery fields). Contacts restored at
    /// start-up raise no event, so the link takes this snapshot once running.
    fn local_contacts(&self) -> Vec<(String, super::hub::ContactFields)>;
    /// Whether contact changes are being observed (the snapshot is taken once they are, so
    /// that nothing falls between the two).
    fn contacts_ready(&self) -> bool {
        true
    }
}

/// No Asterisk: nothing to publish to, nothing to report.
pub struct NoAsterisk;

impl AsteriskSide for NoAsterisk {
    fn publish_remote_state(&self, _: &str, _: DeviceState, _: Eid) -> bool {
        false
    }
    fn clear_remote_states(&self, _: Eid) -> usize {
        0
    }
    fn local_device_states(&self) -> Vec<(String, DeviceState)> {
        Vec::new()
    }
    fn local_contacts(&self) -> Vec<(String, super::hub::ContactFields)> {
        Vec::new()
    }
}
