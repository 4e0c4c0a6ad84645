//! Our own small Redis client: RESP2 over TCP, a unix socket or TLS; AUTH with a password or
//! an ACL user; SELECT; single commands and pipelines; a second connection in subscribe mode.
//!
//! Why not the `redis` crate: every usable version links `ryu` (Apache-2.0 OR BSL-1.0) and
//! `xxhash-rust` (BSL-1.0), and `url` brings Unicode-3.0 crates; this module is linked into a
//! GPLv2 Asterisk module, whose dependencies must be MIT, BSD, ISC, Zlib or dual-licensed with
//! one of them. What we need of Redis is small, and doing it ourselves also lets every wait
//! and every buffer be bounded the way res_secast needs.

mod connection;
mod error;
mod resp;
mod subscriber;
pub mod tls;
mod transport;
mod url;

pub use connection::{Connection, MAX_BUFFER, Target, cmd};
pub use error::{ErrorKind, RedisError};
pub use resp::{Limits, ProtocolError, Value, encode, parse};
pub use subscriber::{Delivery, Subscriber};
pub use url::{Address, DEFAULT_PORT, RedisUrl};
