//! res_secast: intrusion detection and prevention inside Asterisk.
//!
//! Everything outside [`host`] is plain Rust that knows nothing of Asterisk: it builds and is
//! tested without it. [`host`] (feature `asterisk`) is the only place that talks to Asterisk,
//! and the only place with `unsafe`.

pub mod address;
pub mod config;
pub mod escape;
pub mod event;
pub mod histogram;
pub mod license_key;
pub mod log;
pub mod pipeline;
pub mod stats;
pub mod status;
pub mod timestamp;

#[cfg(feature = "asterisk")]
mod host;
