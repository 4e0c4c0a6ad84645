//! What the host reads out of one incoming SIP request (a `pjsip_rx_data`) for the sensor:
//! borrowed from PJSIP's buffers for the length of one call, never copied on the pass path.

use std::net::SocketAddr;

/// The transport a request came in on (drops answer differently on datagrams and streams).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipTransport {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
    Other,
}

/// One request as the sensor sees it. Every byte field is attacker-controlled and may be any
/// bytes (not UTF-8, control characters, very long): escape before showing.
#[derive(Debug, Clone, Copy)]
pub struct SeenRequest<'a> {
    pub source: SocketAddr,
    pub transport: SipTransport,
    /// The request method as on the wire (`REGISTER`, `INVITE`, …).
    pub method: &'a [u8],
    /// The user part of the From URI, raw.
    pub from_user: &'a [u8],
    /// The User-Agent header's value, raw; None without one.
    pub user_agent: Option<&'a [u8]>,
    /// The request carries an Authorization or Proxy-Authorization header: an answered
    /// challenge, whose outcome (SuccessfulAuth or a failure) the engine will hear of.
    pub authorization: bool,
}
