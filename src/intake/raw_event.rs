//! The raw copy of a security event taken on Asterisk's thread, and its parsing on ours.
//!
//! The stasis callback must return in microseconds, so it only copies the JSON strings it finds
//! into a [`RawEvent`]. Everything that can fail (address syntax, timestamps, unknown event
//! numbers) happens later in [`RawEvent::parse`] on the engine thread.

use std::fmt;

use super::address::EndpointAddr;
use super::event_kind::EventKind;
use super::security_event::{EventDetail, SecurityEvent};
use super::timestamp;

/// The JSON string keys of a security event that res_secast copies, in a fixed order so that a
/// raw event is an array indexed by key rather than a map.
///
/// `ExpectedResponse` is deliberately absent: for a failed MD5 AMI login Asterisk puts
/// md5(challenge + the user's real secret) there, an offline dictionary target. What is never
/// copied cannot be logged, stored or forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Field {
    EventVersion,
    EventTv,
    Severity,
    Service,
    AccountId,
    SessionId,
    LocalAddress,
    RemoteAddress,
    Module,
    SessionTv,
    AclName,
    RequestType,
    RequestParams,
    AuthMethod,
    UsingPassword,
    ExpectedAddress,
    Challenge,
    Response,
    ReceivedChallenge,
    ReceivedHash,
    AttemptedTransport,
}

impl Field {
    pub const COUNT: usize = 21;

    pub const ALL: [Field; Self::COUNT] = [
        Field::EventVersion,
        Field::EventTv,
        Field::Severity,
        Field::Service,
        Field::AccountId,
        Field::SessionId,
        Field::LocalAddress,
        Field::RemoteAddress,
        Field::Module,
        Field::SessionTv,
        Field::AclName,
        Field::RequestType,
        Field::RequestParams,
        Field::AuthMethod,
        Field::UsingPassword,
        Field::ExpectedAddress,
        Field::Challenge,
        Field::Response,
        Field::ReceivedChallenge,
        Field::ReceivedHash,
        Field::AttemptedTransport,
    ];

    /// The JSON key, NUL-terminated so the host layer can pass it to C without copying.
    /// Never `ExpectedResponse` (see [`Field`]).
    pub fn json_key(self) -> &'static std::ffi::CStr {
        match self {
            Field::EventVersion => c"EventVersion",
            Field::EventTv => c"EventTV",
            Field::Severity => c"Severity",
            Field::Service => c"Service",
            Field::AccountId => c"AccountID",
            Field::SessionId => c"SessionID",
            Field::LocalAddress => c"LocalAddress",
            Field::RemoteAddress => c"RemoteAddress",
            Field::Module => c"Module",
            Field::SessionTv => c"SessionTV",
            Field::AclName => c"ACLName",
            Field::RequestType => c"RequestType",
            Field::RequestParams => c"RequestParams",
            Field::AuthMethod => c"AuthMethod",
            Field::UsingPassword => c"UsingPassword",
            Field::ExpectedAddress => c"ExpectedAddress",
            Field::Challenge => c"Challenge",
            Field::Response => c"Response",
            Field::ReceivedChallenge => c"ReceivedChallenge",
            Field::ReceivedHash => c"ReceivedHash",
            Field::AttemptedTransport => c"AttemptedTransport",
        }
    }
}

/// Longest value copied from an event. Asterisk's own fields are far shorter (AccountID is cut
/// to 36 bytes by PJSIP); the cap only bounds what a hostile peer can make us allocate.
pub const MAX_FIELD_BYTES: usize = 512;

/// What the stasis callback copies out of one message: the event number as Asterisk sent it and
/// the raw bytes of each string field present, all in one buffer so that the copy costs one
/// allocation. No validation happens here.
#[derive(Debug, Clone)]
pub struct RawEvent {
    pub number: i64,
    text: Vec<u8>,
    spans: [Span; Field::COUNT],
}

/// Where a field's bytes sit in `RawEvent::text`; `len == ABSENT` for a missing field.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u16,
    len: u16,
}

const ABSENT: u16 = u16::MAX;
/// Room for a typical PJSIP event's strings without growing the buffer.
const TYPICAL_EVENT_BYTES: usize = 320;

impl RawEvent {
    pub fn new(number: i64) -> RawEvent {
        RawEvent {
            number,
            text: Vec::with_capacity(TYPICAL_EVENT_BYTES),
            spans: [Span {
                start: 0,
                len: ABSENT,
            }; Field::COUNT],
        }
    }

    /// Copies one field, truncated to [`MAX_FIELD_BYTES`]. Setting a field twice keeps the
    /// last value (the old bytes stay in the buffer, which is bounded by the field count).
    pub fn set(&mut self, field: Field, value: &[u8]) {
        let kept = &value[..value.len().min(MAX_FIELD_BYTES)];
        // Bounded: Field::COUNT * MAX_FIELD_BYTES fits u16, unless a caller sets the same
        // field over and over; then later copies are refused rather than wrapping.
        let Ok(start) = u16::try_from(self.text.len()) else {
            return;
        };
        if usize::from(start) + kept.len() >= usize::from(ABSENT) {
            return;
        }
        self.text.extend_from_slice(kept);
        self.spans[field as usize] = Span {
            start,
            len: kept.len() as u16,
        };
    }

    pub fn get(&self, field: Field) -> Option<&[u8]> {
        let span = self.spans[field as usize];
        if span.len == ABSENT {
            return None;
        }
        let start = usize::from(span.start);
        self.text.get(start..start + usize::from(span.len))
    }

    /// Turns the copy into a typed event, or says what is wrong with it.
    pub fn parse(&self) -> Result<SecurityEvent, EventError> {
        let kind =
            EventKind::from_number(self.number).ok_or(EventError::UnknownType(self.number))?;
        let text = |f: Field| self.get(f).map(|b| String::from_utf8_lossy(b).into_owned());
        let required = |f: Field| text(f).ok_or(EventError::MissingField(kind, f));
        let address = |f: Field| -> Result<Option<EndpointAddr>, EventError> {
            match self.get(f) {
                None => Ok(None),
                Some(b) => {
                    let s = std::str::from_utf8(b).map_err(|_| EventError::BadAddress(f))?;
                    EndpointAddr::parse(s)
                        .map(Some)
                        .map_err(|_| EventError::BadAddress(f))
                }
            }
        };

        let service = required(Field::Service)?;
        let remote = address(Field::RemoteAddress)?
            .ok_or(EventError::MissingField(kind, Field::RemoteAddress))?;
        let local = address(Field::LocalAddress)?;
        let event_time_ms = self
            .get(Field::EventTv)
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(timestamp::parse_event_tv);
        let session_time_ms = self
            .get(Field::SessionTv)
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(timestamp::parse_event_tv);

        Ok(SecurityEvent {
            kind,
            service,
            account: text(Field::AccountId),
            session: text(Field::SessionId),
            local,
            remote,
            event_time_ms,
            session_time_ms,
            detail: EventDetail {
                severity: text(Field::Severity),
                version: text(Field::EventVersion),
                module: text(Field::Module),
                acl_name: text(Field::AclName),
                request_type: text(Field::RequestType),
                request_params: text(Field::RequestParams),
                auth_method: text(Field::AuthMethod),
                using_password: self.get(Field::UsingPassword).map(|b| b == b"1"),
                expected_address: address(Field::ExpectedAddress)?,
                challenge: text(Field::Challenge),
                response: text(Field::Response),
                received_challenge: text(Field::ReceivedChallenge),
                received_hash: text(Field::ReceivedHash),
                attempted_transport: text(Field::AttemptedTransport),
            },
        })
    }
}

/// Why a raw event could not be used. Counted and logged at debug level, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    UnknownType(i64),
    MissingField(EventKind, Field),
    BadAddress(Field),
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::UnknownType(n) => write!(f, "unknown security event type {n}"),
            EventError::MissingField(kind, field) => {
                write!(
                    f,
                    "{kind} event without {}",
                    field.json_key().to_string_lossy()
                )
            }
            EventError::BadAddress(field) => {
                write!(
                    f,
                    "unparsable address in {}",
                    field.json_key().to_string_lossy()
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_response_of_failed_logins_is_never_copied() {
        // The host copies exactly the keys of Field::ALL out of each event.
        for f in Field::ALL {
            assert_ne!(f.json_key(), c"ExpectedResponse", "{f:?}");
        }
        assert_eq!(Field::ALL.len(), Field::COUNT);
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(f as usize, i);
        }
    }
}
