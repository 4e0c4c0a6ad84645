//! Beyond one box: several Asterisk servers share bans, failure counts, registrations (the
//! Extension Finder) and device state (busy lamps) through Redis.
//!
//! - [`redis`]: our own small Redis client (RESP2 over TCP, unix socket or TLS);
//! - [`link`]: the cluster thread, the one owner of the connections: live messages both ways,
//!   heartbeats, reconnects with backoff, and a full resync after each reconnect;
//! - [`hub`]: what the thread shares with the rest of the module (queues in, views out);
//! - [`publisher`]: the enforcer's notifier that queues this server's bans for the others;
//! - [`wire`]: the messages and records in Redis, and their validation;
//! - [`registry`]: where every AOR is registered, and the dial string that reaches it;
//! - [`contact`], [`device_state`], [`identity`], [`keys`], [`tally`], [`status`]: the pieces.
//!
//! It sits after `enforce` (its publisher is a [`crate::enforce::Notifier`]) and before
//! `worker` (the engine thread feeds its failure tally and applies what it reports).
//! Off unless `[cluster] url` is set.

pub mod asterisk_side;
pub mod contact;
pub mod device_state;
pub mod hub;
pub mod identity;
pub mod keys;
pub mod link;
pub mod publisher;
pub mod redis;
pub mod registry;
pub mod status;
pub mod tally;
pub mod wire;

pub use asterisk_side::{AsteriskSide, NoAsterisk};
pub use device_state::DeviceState;
pub use hub::{ContactChange, Hub, Login, Outbound};
pub use identity::{Eid, Identity};
pub use link::{EngineSink, LinkHandle, LinkSetup};
pub use publisher::BanPublisher;
