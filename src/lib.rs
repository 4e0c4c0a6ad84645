//! res_secast: intrusion detection and prevention inside Asterisk.
//!
//! Everything outside [`host`] is plain Rust that knows nothing of Asterisk: it builds and is
//! tested without it. [`host`] (feature `asterisk`) is the only place that talks to Asterisk.
//! `unsafe` lives there and where the kernel is spoken to directly: [`firewall`] (netlink),
//! [`hostaddr`] (getifaddrs) and [`geo`] (the memory-mapped database).

pub mod address;
pub mod ban;
pub mod config;
pub mod duration;
pub mod enforcer;
pub mod engine;
pub mod escalation;
pub mod escape;
pub mod event;
pub mod firewall;
pub mod fraud;
pub mod geo;
pub mod histogram;
pub mod hostaddr;
pub mod intel;
pub mod ledger;
pub mod license_key;
pub mod log;
pub mod lookups;
pub mod netparse;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod score;
pub mod stats;
pub mod status;
pub mod timestamp;
pub mod whitelist;
pub mod window;

#[cfg(feature = "asterisk")]
mod host;
