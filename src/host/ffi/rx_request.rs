//! One incoming request read out of PJSIP's `pjsip_rx_data`, in place: the fields are
//! borrowed from the packet's pool for the length of the callback, nothing is copied or
//! allocated. The layout is pinned by `tests/abi/probe_pjsip.c` against the real headers and
//! checked against the running build at load (`pjsip_selfcheck`).
//!
//! The parser has already accepted the message (malformed packets never reach modules), so
//! the From header and the request line exist; everything is still checked for NULL.

use std::ffi::{CStr, c_char};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use super::sys;
use crate::sensor::{SeenRequest, SipTransport};

/// What the service needs besides the request itself: how to drop it.
pub struct Received<'a> {
    pub request: SeenRequest<'a>,
    /// ACK is never answered (as res_pjsip_acl).
    pub is_ack: bool,
}

const AF_INET: u16 = libc::AF_INET as u16;
const AF_INET6: u16 = libc::AF_INET6 as u16;

/// Reads the request. None for what the sensor cannot judge (a response, no source address);
/// those are passed on untouched.
///
/// # Safety
/// `rdata` is the `pjsip_rx_data` PJSIP hands a module's `on_rx_request`, live for `'a`.
pub unsafe fn read<'a>(rdata: *const sys::pjsip_rx_data) -> Option<Received<'a>> {
    // SAFETY: per the contract, every pointer below is PJSIP's, owned by the rdata's pool
    // for the callback's duration; each is checked for NULL before it is followed.
    unsafe {
        let rdata = rdata.as_ref()?;
        let msg = rdata.msg_info.msg.as_ref()?;
        if msg.type_ != sys::SECAST_PJSIP_REQUEST_MSG as i32 {
            return None;
        }
        let source = source_address(&rdata.pkt_info.src_addr)?;
        let method = msg.line.req.method;
        let from_user = rdata
            .msg_info
            .from
            .as_ref()
            .and_then(|from| sip_user(from.uri))
            .unwrap_or(&[]);
        let headers = headers(msg);
        Some(Received {
            request: SeenRequest {
                source,
                transport: transport(rdata.tp_info.transport),
                method: text(&method.name),
                from_user,
                user_agent: headers.user_agent,
                authorization: headers.authorization,
            },
            is_ack: method.id == sys::SECAST_PJSIP_ACK_METHOD as i32,
        })
    }
}

/// The bytes of a `pj_str_t` (not NUL-terminated; NULL or negative length reads as empty).
unsafe fn text<'a>(s: &sys::pj_str_t) -> &'a [u8] {
    if s.ptr.is_null() || s.slen <= 0 {
        return &[];
    }
    // SAFETY: pjproject's strings point at slen bytes of the packet or its pool.
    unsafe { std::slice::from_raw_parts(s.ptr as *const u8, s.slen as usize) }
}

/// The packet's source: a Linux sockaddr_in / sockaddr_in6 in pjproject's union.
fn source_address(addr: &sys::pj_sockaddr) -> Option<SocketAddr> {
    // SAFETY: every variant of the union starts with the family; the variant read is the one
    // the family names, and all bit patterns of these integer fields are valid.
    unsafe {
        match addr.addr.sa_family {
            AF_INET => {
                let v4 = addr.ipv4;
                Some(SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::from(u32::from_be(v4.sin_addr))),
                    u16::from_be(v4.sin_port),
                ))
            }
            AF_INET6 => {
                let v6 = addr.ipv6;
                let ip = Ipv6Addr::from(v6.sin6_addr);
                let port = u16::from_be(v6.sin6_port);
                // An IPv4 client on a dual-stack socket is that IPv4 address.
                Some(match ip.to_ipv4_mapped() {
                    Some(v4) => SocketAddr::new(IpAddr::V4(v4), port),
                    None => SocketAddr::V6(SocketAddrV6::new(ip, port, 0, v6.sin6_scope_id)),
                })
            }
            _ => None,
        }
    }
}

/// The transport kind: built-in numbers for UDP/TCP/TLS (either IP version); WS and WSS are
/// types Asterisk registers at run time, told apart by name.
unsafe fn transport(tp: *const sys::pjsip_transport) -> SipTransport {
    // SAFETY: the rdata's transport, live during the callback (NULL checked).
    let Some(tp) = (unsafe { tp.as_ref() }) else {
        return SipTransport::Other;
    };
    let kind = tp.key.type_ & !(sys::SECAST_PJSIP_TRANSPORT_IPV6 as i64);
    match kind as u32 {
        sys::SECAST_PJSIP_TRANSPORT_UDP => SipTransport::Udp,
        sys::SECAST_PJSIP_TRANSPORT_TCP => SipTransport::Tcp,
        sys::SECAST_PJSIP_TRANSPORT_TLS => SipTransport::Tls,
        _ if tp.type_name.is_null() => SipTransport::Other,
        _ => {
            // SAFETY: type_name is a static NUL-terminated name set at registration.
            let name = unsafe { CStr::from_ptr(tp.type_name as *const c_char) }.to_bytes();
            if name.eq_ignore_ascii_case(b"WS") {
                SipTransport::Ws
            } else if name.eq_ignore_ascii_case(b"WSS") {
                SipTransport::Wss
            } else {
                SipTransport::Other
            }
        }
    }
}

/// The user part of a sip: or sips: URI (the From URI is a name-addr around it). Other
/// schemes (tel:, unknown) give None.
unsafe fn sip_user<'a>(uri: *mut sys::pjsip_uri) -> Option<&'a [u8]> {
    // SAFETY: pjproject URIs start with their virtual table; get_uri and get_scheme are the
    // parser's own functions (we are on PJSIP's thread), returning pointers into the same pool.
    unsafe {
        let vptr = uri.as_ref()?.vptr.as_ref()?;
        let inner = (vptr.p_get_uri?)(uri.cast()) as *mut sys::pjsip_uri;
        let inner_vptr = inner.as_ref()?.vptr.as_ref()?;
        let scheme = text((inner_vptr.p_get_scheme?)(inner.cast()).as_ref()?);
        if !scheme.eq_ignore_ascii_case(b"sip") && !scheme.eq_ignore_ascii_case(b"sips") {
            return None;
        }
        let sip = &*(inner as *const sys::pjsip_sip_uri);
        Some(text(&sip.user))
    }
}

/// What the sensor needs from the header list, found in one walk.
struct Headers<'a> {
    user_agent: Option<&'a [u8]>,
    authorization: bool,
}

/// The User-Agent header's value (the parser has no handler for it, so it is a generic string
/// header named `User-Agent`, no compact form), and whether the request answers a challenge
/// (an Authorization or Proxy-Authorization header, which the parser does know).
unsafe fn headers<'a>(msg: &sys::pjsip_msg) -> Headers<'a> {
    let mut found = Headers {
        user_agent: None,
        authorization: false,
    };
    let end = &msg.hdr as *const sys::pjsip_hdr;
    let mut h = msg.hdr.next as *const sys::pjsip_hdr;
    // A bound whatever the packet holds (a 64 KiB packet has fewer headers than this).
    for _ in 0..4096 {
        if h.is_null() || h == end {
            break;
        }
        // SAFETY: a header of the message's circular list, live during the callback.
        let hdr = unsafe { &*h };
        match hdr.type_ as u32 {
            sys::SECAST_PJSIP_H_AUTHORIZATION | sys::SECAST_PJSIP_H_PROXY_AUTHORIZATION => {
                found.authorization = true;
            }
            sys::SECAST_PJSIP_H_OTHER if found.user_agent.is_none() => {
                // SAFETY: name is a pj_str_t of the header, pointing into the packet.
                let name = unsafe { text(&hdr.name) };
                if name.eq_ignore_ascii_case(b"User-Agent") {
                    // SAFETY: PJSIP_H_OTHER headers made by the parser are generic string
                    // headers; hvalue points into the packet.
                    let generic = unsafe { &*(h as *const sys::pjsip_generic_string_hdr) };
                    // SAFETY: as above.
                    found.user_agent = Some(unsafe { text(&generic.hvalue) });
                }
            }
            _ => {}
        }
        h = hdr.next;
    }
    found
}
