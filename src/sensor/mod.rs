//! The PJSIP sensor's decisions: every SIP request is shown to [`Sensor::inspect`] on PJSIP's
//! monitor thread, before the distributor and any digest work. Pure Rust, no FFI: the host
//! (`host::sensor`) reads the request and carries out the verdict.

mod request;

pub use request::{SeenRequest, SipTransport};

use std::sync::Mutex;

use crate::util::time::Millis;

/// What the host does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hand it on to PJSIP.
    Pass,
    /// Drop it before the distributor (silently on UDP; on a stream, as res_pjsip_acl does).
    Drop(DropReason),
}

/// Why a request was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// A ban in force covers the source.
    Banned,
    /// The User-Agent matches a `[scanner]` pattern.
    Scanner,
    /// The source crossed `[request_flood]`.
    Flood,
    /// The source's first request is denied by geofence or blocklist.
    FirstContact,
}

/// Whether the host's PJSIP service runs, for `secast show status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SensorState {
    On { pj_version: String, priority: i32 },
    Off { why: String },
}

/// The sensor: shared by the worker (which owns it) and PJSIP's monitor thread.
pub struct Sensor {
    state: Mutex<SensorState>,
}

impl Default for Sensor {
    fn default() -> Self {
        Sensor {
            state: Mutex::new(SensorState::Off {
                why: "not started".to_owned(),
            }),
        }
    }
}

impl Sensor {
    /// Called on PJSIP's monitor thread for every incoming request before the distributor.
    /// O(1), wait-free or lock-free reads only, no allocation on the Pass path, never blocks.
    /// Queues notes for the worker (try_send on a bounded channel; counted when full).
    pub fn inspect(&self, _req: &SeenRequest<'_>, _now: Millis) -> Verdict {
        Verdict::Pass
    }

    /// The host tells the sensor whether it runs, for `secast show status`.
    pub fn set_state(&self, state: SensorState) {
        if let Ok(mut s) = self.state.lock() {
            *s = state;
        }
    }

    pub fn state(&self) -> SensorState {
        self.state
            .lock()
            .map(|s| s.clone())
            .unwrap_or(SensorState::Off {
                why: "state unreadable".to_owned(),
            })
    }
}
