//! What the sensor tells the worker, on a bounded queue it never waits on: findings for the
//! engine to ban on, and REGISTERs for the device profiles.

use std::net::IpAddr;

pub use crate::engine::RegisterSeen;
use crate::engine::SensorFinding;

/// Bytes of a From user or User-Agent kept in a REGISTER note.
pub const MAX_NOTE_TEXT: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub enum SensorNote {
    Finding { ip: IpAddr, finding: SensorFinding },
    Register(RegisterSeen),
}

/// Attacker-controlled bytes as text of bounded length.
pub fn bounded_text(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(MAX_NOTE_TEXT)];
    String::from_utf8_lossy(cut).into_owned()
}
