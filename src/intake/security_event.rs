//! A security event as the engine works with it.

use std::net::IpAddr;

use super::address::{EndpointAddr, Transport};
use super::event_kind::EventKind;

/// The AccountID PJSIP gives a request it could not match to an endpoint.
pub const UNKNOWN_ACCOUNT: &str = "<unknown>";

/// A security event owned by res_secast.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityEvent {
    pub kind: EventKind,
    /// "PJSIP", "AMI", … as Asterisk names the service.
    pub service: String,
    /// Attacker-controlled for PJSIP (the From user): escape before logging.
    pub account: Option<String>,
    pub session: Option<String>,
    pub local: Option<EndpointAddr>,
    pub remote: EndpointAddr,
    /// EventTV as milliseconds since the Unix epoch (UTC), when it parsed.
    pub event_time_ms: Option<i64>,
    pub session_time_ms: Option<i64>,
    pub detail: EventDetail,
}

impl SecurityEvent {
    pub fn source_ip(&self) -> IpAddr {
        self.remote.ip
    }

    pub fn transport(&self) -> Option<Transport> {
        self.remote.transport
    }

    /// The account the event names, if it names a real one (not empty, not `<unknown>`).
    pub fn named_account(&self) -> Option<&str> {
        self.account
            .as_deref()
            .filter(|a| !a.is_empty() && *a != UNKNOWN_ACCOUNT)
    }
}

/// The event-specific fields; which are present depends on the event type and the service.
/// There is no `expected_response`: Asterisk's ExpectedResponse of a failed MD5 AMI login is
/// md5(challenge + the real secret), and it is never copied out of the event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventDetail {
    pub severity: Option<String>,
    pub version: Option<String>,
    pub module: Option<String>,
    pub acl_name: Option<String>,
    pub request_type: Option<String>,
    pub request_params: Option<String>,
    pub auth_method: Option<String>,
    pub using_password: Option<bool>,
    pub expected_address: Option<EndpointAddr>,
    pub challenge: Option<String>,
    pub response: Option<String>,
    pub received_challenge: Option<String>,
    pub received_hash: Option<String>,
    pub attempted_transport: Option<String>,
}
