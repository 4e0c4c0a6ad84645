//! What `secast show cluster` reports about the link: written by the cluster thread, read by
//! the CLI under a short lock.

use crate::util::time::Millis;

/// Messages of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub bans: u64,
    pub unbans: u64,
    pub failure_batches: u64,
    pub failures: u64,
    pub contacts: u64,
    pub device_states: u64,
    pub hellos: u64,
}

#[derive(Debug, Clone, Default)]
pub struct LinkStatus {
    pub running: bool,
    pub node: String,
    pub eid: String,
    /// The URL with its password hidden.
    pub url: String,
    pub shares: String,
    pub sip_address: String,
    /// Why something configured is not done (e.g. device state without an entity ID).
    pub notes: Vec<String>,
    pub connected_since: Option<Millis>,
    pub down_since: Option<Millis>,
    pub connects: u64,
    pub last_error: Option<(Millis, String)>,
    pub resyncs: u64,
    pub last_resync: Option<Millis>,
    /// How long the last resync took.
    pub resync_ms: u64,
    pub published: Counts,
    pub received: Counts,
    /// Entries from Redis that failed validation and were skipped.
    pub malformed: u64,
    pub last_malformed: Option<String>,
    /// Bans published again after a reconnect (queued while away, or missing in Redis).
    pub replayed: u64,
    pub own_devices: usize,
    pub remote_devices: usize,
}
