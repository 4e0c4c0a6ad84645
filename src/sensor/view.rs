//! What the sensor reads of the engine's decisions: the published view (`worker::published`),
//! behind a trait because the worker, a later stage, owns it. Both reads are O(1) or a short
//! scan, take no lock the engine holds, and never wait for the worker.

use std::net::IpAddr;

use crate::util::time::Millis;

pub trait BanView: Send + Sync {
    /// A ban in force at `now` covers `ip`.
    fn is_banned(&self, ip: IpAddr, now: Millis) -> bool;
    /// `ip` may never be banned (loopback, this host, whitelisted networks, what the PBX
    /// depends on): the sensor's own rules never drop it. Asked only before a drop.
    fn is_protected(&self, ip: IpAddr) -> bool;
    /// How many more SIP authentication failures the source may have before it is banned;
    /// None while it has none counted.
    fn failure_room(&self, ip: IpAddr, now: Millis) -> Option<u32>;
}
