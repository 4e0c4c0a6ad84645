//! res_secast: intrusion detection and prevention inside Asterisk.
//!
//! A folder per stage, in the order an event travels:
//!
//! - [`intake`]: what Asterisk tells us (security events, addresses, timestamps);
//! - [`engine`]: scores sources and accounts, decides bans ([`engine`]'s `bans.rs` is the one
//!   place a ban is decided; its `rules/` the one order rules are evaluated in);
//! - [`calls`]: the toll-fraud guard (destinations, limits, slots, the passive watch);
//! - [`decision`]: the words every stage speaks (Action, Ban, Alert, Command, Ack);
//! - [`sensor`]: the PJSIP sensor's verdict on each SIP request before authentication
//!   (banned, scanner, flood, first contact), lock-free on PJSIP's monitor thread;
//! - [`worker`]: the engine thread, its queue, and the state it shares with readers;
//! - [`enforce`]: the enforcer thread, the kernel firewall, the ledger, notifications;
//! - [`lookups`]: geo database, blocklists, number lists;
//! - [`cluster`]: several servers sharing bans, failures, registrations and device state
//!   through Redis;
//! - [`config`]: `secast.conf`, typed, with its key table and value parsers;
//! - [`audit`]: `secast audit`, the PBX's configuration checked against what attackers use;
//! - [`admin`]: CLI commands, dialplan functions and report text, without FFI;
//! - [`util`], [`os`]: building blocks, and what is asked of the OS directly;
//! - `host` (feature `asterisk`): everything that touches Asterisk.
//!
//! The wall between Rust and C is enforced: `unsafe` is denied crate-wide and allowed only in
//! `host::ffi` (Asterisk's C API), [`enforce::firewall`] (netlink, libnftables), [`os`]
//! (getifaddrs, poll, user lookups, and starting event handlers' programs: the steps between
//! fork and exec) and the geo database's memory map. Every unsafe block says why it is sound
//! (`clippy::undocumented_unsafe_blocks`).

#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod admin;
pub mod audit;
pub mod calls;
pub mod cluster;
pub mod config;
pub mod decision;
pub mod enforce;
pub mod engine;
pub mod intake;
pub mod lookups;
#[allow(unsafe_code)]
pub mod os;
pub mod sensor;
pub mod util;
pub mod worker;

#[cfg(feature = "asterisk")]
mod host;
