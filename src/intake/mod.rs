//! What Asterisk tells us, typed: security events (copied raw on Asterisk's thread, parsed on
//! ours), the addresses in them, their timestamps, and the PJSIP objects whose addresses the
//! PBX depends on.

pub mod address;
pub mod event_kind;
pub mod pjsip_object;
pub mod raw_event;
pub mod security_event;
pub mod timestamp;

pub use address::{AddressError, EndpointAddr, Transport};
pub use event_kind::EventKind;
pub use pjsip_object::{PjsipKind, PjsipObject};
pub use raw_event::{EventError, Field, MAX_FIELD_BYTES, RawEvent};
pub use security_event::{EventDetail, SecurityEvent, UNKNOWN_ACCOUNT};
