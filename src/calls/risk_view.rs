//! What the call guard asks of the intrusion engine about the caller, from a dialplan thread.
//!
//! A trait so that where the answers come from is decided in one place: today the worker's
//! `Shared` implements it over the engine's lock (held for one lookup); a published,
//! lock-free view of bans and risk can take its place without the call guard changing.

use std::net::IpAddr;

pub trait RiskView {
    fn is_banned(&self, ip: IpAddr) -> bool;
    /// 0 to 100; 100 while banned.
    fn risk_of(&self, ip: IpAddr) -> u8;
    /// 0 to 100.
    fn risk_of_account(&self, account: &str) -> u8;
}

/// No engine: nothing is risky (tests, benches).
pub struct NoRisk;

impl RiskView for NoRisk {
    fn is_banned(&self, _: IpAddr) -> bool {
        false
    }
    fn risk_of(&self, _: IpAddr) -> u8 {
        0
    }
    fn risk_of_account(&self, _: &str) -> u8 {
        0
    }
}
