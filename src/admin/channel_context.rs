//! The channel a dialplan function runs on, as the functions need it: its identity, the
//! endpoint and address it came from, its variables, and a place to keep a call's slot until
//! the channel goes. Defined here, implemented by the host over Asterisk's channel API; the
//! functions' logic stays here and is tested with a fake.

use std::net::IpAddr;

use crate::calls::Slot;

pub trait ChannelContext {
    /// The channel's uniqueid; None when the function runs without a channel (AMI Getvar).
    fn uniqueid(&self) -> Option<String>;
    /// The PJSIP endpoint the channel belongs to; None for other channel technologies (which
    /// are not asked, so Asterisk logs no warning for them).
    fn endpoint(&mut self) -> Option<String>;
    /// Where the channel's SIP traffic comes from (PJSIP channels).
    fn remote_address(&mut self) -> Option<IpAddr>;
    fn set_variable(&mut self, name: &str, value: &str);
    /// Releases the slot the channel holds from an earlier check, if any.
    fn drop_slot(&mut self);
    /// Keeps `slot` on the channel until it goes (a datastore: released however the call
    /// ends). Gives it back when there is no channel to keep it on.
    fn hold_slot(&mut self, slot: Slot) -> Result<(), Slot>;
}

/// No channel at all: nothing to read, nowhere to keep a slot.
pub struct NoChannel;

impl ChannelContext for NoChannel {
    fn uniqueid(&self) -> Option<String> {
        None
    }
    fn endpoint(&mut self) -> Option<String> {
        None
    }
    fn remote_address(&mut self) -> Option<IpAddr> {
        None
    }
    fn set_variable(&mut self, _: &str, _: &str) {}
    fn drop_slot(&mut self) {}
    fn hold_slot(&mut self, slot: Slot) -> Result<(), Slot> {
        Err(slot)
    }
}
