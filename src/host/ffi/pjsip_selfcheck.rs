//! Before the sensor reads a single real packet: is the running pjproject the one our layouts
//! are for? Two checks, both must pass or the sensor stays off:
//!
//! 1. `pj_get_version()` names the release `asterisk-headers/secast_pjsip.h` was checked
//!    against (2.17);
//! 2. a synthetic request, parsed by res_pjsip's own `ast_sip_create_rdata` into a zeroed
//!    buffer, reads back through [`rx_request::read`] exactly as written: source address and
//!    port, transport, method, From user, User-Agent, Authorization, plus `pkt_info.src_name` and `src_port`
//!    where we expect them. A pjproject built with another `PJSIP_MAX_PKT_LEN` moves all of
//!    these and fails here.
//!
//! The parse runs on a PJSIP servant thread (`ast_sip_push_task_wait_servant`): pj functions
//! are never called from a thread pjlib does not know.

use std::ffi::{CStr, c_char, c_void};
use std::net::SocketAddr;

use super::entry::asterisk_entry;
use super::pjsip_symbols::PjsipApi;
use super::rx_request;
use super::sys;
use crate::sensor::SipTransport;

/// Far more than `sizeof(pjsip_rx_data)` of any sane build (66 KiB here; it grows with
/// PJSIP_MAX_PKT_LEN), so a build with a bigger packet buffer is caught by the read-back
/// rather than by writes past our buffer.
const RDATA_BUFFER: usize = 1 << 20;

const SOURCE: &CStr = c"192.0.2.55";
const SOURCE_PORT: i32 = 5099;
const PACKET: &str = "REGISTER sip:192.0.2.1 SIP/2.0\r\n\
Via: SIP/2.0/TCP 192.0.2.55:5099;branch=z9hG4bK-secast-selfcheck\r\n\
From: \"Check\" <sip:secast-check-user@192.0.2.1>;tag=secast\r\n\
To: <sip:secast-check-user@192.0.2.1>\r\n\
Call-ID: secast-selfcheck\r\n\
CSeq: 1 REGISTER\r\n\
User-Agent: secast-check-agent/1.0\r\n\
Authorization: Digest username=\"secast-check-user\", realm=\"secast\", nonce=\"n\", \
uri=\"sip:192.0.2.1\", response=\"00000000000000000000000000000000\"\r\n\
Max-Forwards: 70\r\n\
Content-Length: 0\r\n\r\n";

/// The running pjproject's version, if it is the one our layouts are for.
pub fn version(api: &PjsipApi) -> Result<String, String> {
    // SAFETY: pj_get_version returns a static string and touches no pjlib thread state.
    let v = unsafe { (api.get_version)() };
    if v.is_null() {
        return Err("pj_get_version() returned nothing".to_owned());
    }
    // SAFETY: NUL-terminated static string.
    let v = unsafe { CStr::from_ptr(v) }.to_string_lossy().into_owned();
    let expected = format!(
        "{}.{}",
        sys::SECAST_PJ_VERSION_MAJOR,
        sys::SECAST_PJ_VERSION_MINOR
    );
    let release = v.split(['-', '.']).take(2).collect::<Vec<_>>().join(".");
    if release == expected {
        Ok(v)
    } else {
        Err(format!(
            "pjproject {v} is not the {expected} whose layout this build reads"
        ))
    }
}

struct Check {
    api: PjsipApi,
    result: Result<(), String>,
}

asterisk_entry! {
    fn check_on_servant(data: *mut c_void) -> i32, on_panic = -1, {
        // SAFETY: data is the Check that layout() passes and waits for.
        let check = unsafe { &mut *(data as *mut Check) };
        check.result = parse_and_read_back(&check.api);
        0
    }
}

/// Builds the synthetic request on a servant thread and reads it back.
pub fn layout(api: &PjsipApi) -> Result<(), String> {
    let mut check = Check {
        api: *api,
        result: Err("the check did not run".to_owned()),
    };
    // SAFETY: the task runs before this returns (wait), on a PJSIP thread; check outlives it.
    let pushed = unsafe {
        (api.push_task_wait_servant)(
            std::ptr::null_mut(),
            Some(check_on_servant),
            (&raw mut check).cast(),
            c"host/ffi/pjsip_selfcheck.rs".as_ptr(),
            line!() as i32,
            c"layout".as_ptr(),
        )
    };
    if pushed != 0 {
        return Err("could not run the check on a PJSIP thread".to_owned());
    }
    check.result
}

fn parse_and_read_back(api: &PjsipApi) -> Result<(), String> {
    // u64s for the alignment of the struct; zeroed as res_pjsip's own callers do.
    let mut buffer = vec![0u64; RDATA_BUFFER / 8];
    let rdata = buffer.as_mut_ptr() as *mut sys::pjsip_rx_data;
    let mut packet = PACKET.as_bytes().to_vec();
    packet.push(0);
    // SAFETY: a pool of the live endpoint, released below; we are on a PJSIP thread.
    let pool = unsafe { (api.create_pool)(api.endpoint, c"secast-check".as_ptr(), 1024, 1024) };
    if pool.is_null() {
        return Err("no pool for the check".to_owned());
    }
    // SAFETY: tp_info.pool is the first field (offset 0 in every build); create_rdata fills
    // the rest of the zeroed buffer and allocates the parsed message from the pool. The
    // strings are NUL-terminated and outlive the call.
    let made = unsafe {
        (*rdata).tp_info.pool = pool;
        (api.create_rdata)(
            rdata,
            packet.as_mut_ptr() as *mut c_char,
            SOURCE.as_ptr(),
            SOURCE_PORT,
            c"TCP".as_ptr() as *mut c_char,
            c"192.0.2.1".as_ptr(),
            5060,
        )
    };
    let result = if made != 0 {
        Err("ast_sip_create_rdata refused the synthetic request".to_owned())
    } else {
        // SAFETY: the rdata was just filled by PJSIP; its message lives in the pool.
        unsafe { compare(rdata) }
    };
    // SAFETY: the pool we created; nothing refers to it after this.
    unsafe { (api.release_pool)(api.endpoint, pool) };
    result
}

unsafe fn compare(rdata: *const sys::pjsip_rx_data) -> Result<(), String> {
    // SAFETY: the caller's rdata, filled by ast_sip_create_rdata.
    let raw = unsafe { &*rdata };
    // SAFETY: src_name is a char array inside the rdata.
    let name = unsafe { CStr::from_ptr(raw.pkt_info.src_name.as_ptr()) };
    if name != SOURCE || raw.pkt_info.src_port != SOURCE_PORT {
        return Err(format!(
            "pkt_info.src_name/src_port not where expected (read '{}' port {})",
            crate::util::escape::untrusted(name.to_bytes(), 64),
            raw.pkt_info.src_port
        ));
    }
    // SAFETY: as above.
    let Some(seen) = (unsafe { rx_request::read(rdata) }) else {
        return Err("msg_info.msg or the source address not where expected".to_owned());
    };
    let r = seen.request;
    let expected_source: SocketAddr = "192.0.2.55:5099".parse().expect("literal");
    let mut wrong = Vec::new();
    if r.source != expected_source {
        wrong.push(format!("source {}", r.source));
    }
    if r.transport != SipTransport::Tcp {
        wrong.push(format!("transport {:?}", r.transport));
    }
    if r.method != b"REGISTER" || seen.is_ack {
        wrong.push("method".to_owned());
    }
    if r.from_user != b"secast-check-user" {
        wrong.push("From user".to_owned());
    }
    if r.user_agent != Some(b"secast-check-agent/1.0".as_slice()) {
        wrong.push("User-Agent".to_owned());
    }
    if !r.authorization {
        wrong.push("Authorization".to_owned());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "a synthetic request reads back wrong: {}",
            wrong.join(", ")
        ))
    }
}
