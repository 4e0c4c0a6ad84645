//! What travels to the engine worker on its queue.

use std::time::Instant;

use crate::decision::Command;
use crate::engine::ProtectedSources;
use crate::intake::RawEvent;

pub enum Envelope {
    /// A security event, stamped when Asterisk handed it to us.
    Event {
        raw: RawEvent,
        received: Instant,
    },
    Command(Command),
    /// What the PBX depends on, read again (see `protection_refresh`).
    Protected(ProtectedSources),
    Shutdown,
}
