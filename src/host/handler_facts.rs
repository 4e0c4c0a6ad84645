//! What event handlers are told about a source besides the decision: its risk score from the
//! running engine and its country from the geo database. Asked on the handlers' runner thread
//! (never the enforcer's); the engine lock is held for one lookup.

use std::net::IpAddr;

use super::state;
use crate::enforce::handlers::Enrich;

pub struct EngineFacts;

impl Enrich for EngineFacts {
    fn risk(&self, ip: IpAddr) -> Option<u8> {
        state::with_shared(|s| {
            let now = s.now();
            s.engine().risk_of(ip, now)
        })
    }

    fn country(&self, ip: IpAddr) -> Option<String> {
        let lookups = state::with_shared(|s| s.lookups())?;
        let country = lookups.geo_db.as_ref()?.lookup(ip)?.country?;
        // Database text: only a well-formed code reaches a handler.
        (country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()))
            .then(|| country.to_ascii_uppercase())
    }
}
