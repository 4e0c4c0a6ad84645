//! What handlers are told besides the decision itself, asked of whoever knows: a source's
//! risk score and its country. The host layer answers from the running engine and its geo
//! database; without one (tests, a module not yet running) nothing is known.

use std::net::IpAddr;

pub trait Enrich: Send + Sync {
    /// The source's risk score now (0–100), if known.
    fn risk(&self, ip: IpAddr) -> Option<u8>;
    /// The ISO country code the geo database gives the address, if any.
    fn country(&self, ip: IpAddr) -> Option<String>;
}

/// Knows nothing.
pub struct NoEnrich;

impl Enrich for NoEnrich {
    fn risk(&self, _: IpAddr) -> Option<u8> {
        None
    }
    fn country(&self, _: IpAddr) -> Option<String> {
        None
    }
}
