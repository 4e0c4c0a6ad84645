//! What the passive watch follows: outbound legs from their dial to their end, and the inbound
//! channels calls start from (to name the account of a call placed through a Local channel).

use std::collections::HashMap;
use std::net::IpAddr;

use super::destination::Destination;
use super::slot::Slot;
use crate::util::time::Secs;

/// One outbound channel (the B leg of a Dial, or an originated channel).
pub struct Leg {
    pub account: Box<str>,
    pub address: Option<IpAddr>,
    pub destination: Destination,
    /// The limits the call was counted under (for its duration).
    pub rules: Vec<u32>,
    /// The slot, when the watch counted the call itself (no SECAST_CALLCHECK on the caller);
    /// dropped, and so released, when the channel goes.
    pub slot: Option<Slot>,
    pub started: Secs,
    pub answered: Option<Secs>,
    /// Duration levels already reported: bit 0 warning, bit 1 critical.
    pub duration_reported: u8,
}

#[derive(Default)]
pub struct Legs {
    pub legs: HashMap<Box<str>, Leg>,
    /// Inbound channels that start a chain (uniqueid = linkedid), to their endpoint and when
    /// they were seen.
    pub origins: HashMap<Box<str>, (Box<str>, Secs)>,
    pub last_sweep: Secs,
}

/// The endpoint of a PJSIP channel name: `PJSIP/1001-0000002a` → `1001` (endpoint names may
/// contain `-`, the suffix never does).
pub fn endpoint_of(channel_name: &str) -> Option<&str> {
    let rest = channel_name.strip_prefix("PJSIP/")?;
    let (endpoint, suffix) = rest.rsplit_once('-')?;
    (!endpoint.is_empty() && !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(endpoint)
}

#[cfg(test)]
mod tests {
    use super::endpoint_of;

    #[test]
    fn endpoints_are_read_from_channel_names() {
        assert_eq!(endpoint_of("PJSIP/1001-00000000"), Some("1001"));
        assert_eq!(
            endpoint_of("PJSIP/office-phone-2-0000002a"),
            Some("office-phone-2")
        );
        assert_eq!(endpoint_of("Local/011@nocheck-00000001;2"), None);
        assert_eq!(endpoint_of("PJSIP/-0001"), None);
    }
}
