//! Dialplan functions: `SECAST_GEO(ip[,field])` and `SECAST_RISK(ip)`. They answer from the
//! snapshot the engine publishes (an Arc clone, or the engine lock held for one lookup) and
//! never wait for the engine's queue, the disk or the network.

use std::ffi::{CStr, c_char, c_int};
use std::net::{IpAddr, SocketAddr};

use super::cell::AsteriskOwned;
use super::guard::guarded;
use super::logger::host_log;
use super::runtime;
use super::sys;
use crate::escape::for_log;
use crate::geo::GEO_FIELDS;
use crate::log::Level;

struct Function {
    name: &'static CStr,
    synopsis: &'static CStr,
    syntax: &'static CStr,
    description: &'static CStr,
    /// The value for the arguments, or what is wrong with them (logged as a warning).
    value: fn(&[String]) -> Result<String, String>,
}

const FUNCTIONS: [Function; 2] = [
    Function {
        name: c"SECAST_GEO",
        synopsis: c"Where res_secast's GeoIP database places an address",
        syntax: c"SECAST_GEO(address[,field])",
        description: c"Returns the field (country by default; continent, subdivision, subdivision_name, city, asn, as_org) for the address, which may carry a port as CHANNEL(pjsip,remote_addr) returns it. Empty when the database has no answer or geofencing is off.",
        value: geo,
    },
    Function {
        name: c"SECAST_RISK",
        synopsis: c"res_secast's risk score for an address",
        syntax: c"SECAST_RISK(address)",
        description: c"Returns the address's current risk score, 0 to 100 (100 while it is banned).",
        value: risk,
    },
];

const N: usize = FUNCTIONS.len();

// SAFETY: all-zero is a valid ast_custom_function before registration.
static ENTRIES: AsteriskOwned<[sys::ast_custom_function; N]> =
    AsteriskOwned::new(unsafe { std::mem::zeroed() });

/// Registers both functions; the entries are rebuilt first because the same image serves
/// every load (Asterisk left its list pointers in them).
pub fn register(module: *mut sys::ast_module) -> bool {
    let entries = ENTRIES.get();
    let mut ok = true;
    for (i, f) in FUNCTIONS.iter().enumerate() {
        // SAFETY: not registered now (load runs under the loader lock after any unregister);
        // the strings are static, and a non-empty synopsis keeps Asterisk from filling the
        // string fields from XML documentation it does not have for us.
        unsafe {
            let mut e: sys::ast_custom_function = std::mem::zeroed();
            e.name = f.name.as_ptr();
            e.synopsis = f.synopsis.as_ptr();
            e.syntax = f.syntax.as_ptr();
            e.desc = f.description.as_ptr();
            e.read = Some(read);
            (*entries)[i] = e;
            ok &= sys::__ast_custom_function_register(&raw mut (*entries)[i], module) == 0;
        }
    }
    ok
}

pub fn unregister() {
    let entries = ENTRIES.get();
    for i in 0..N {
        // SAFETY: unregistering an entry Asterisk does not know is a harmless -1.
        unsafe {
            sys::ast_custom_function_unregister(&raw mut (*entries)[i]);
        }
    }
}

/// The text inside the parentheses, split on commas. None when there were no parentheses.
unsafe fn arguments(data: *const c_char) -> Option<Vec<String>> {
    if data.is_null() {
        return None;
    }
    // SAFETY: Asterisk passes a NUL-terminated string valid for the call.
    let text = unsafe { CStr::from_ptr(data) }
        .to_string_lossy()
        .into_owned();
    Some(text.split(',').map(|s| s.trim().to_owned()).collect())
}

/// An address as a dialplan writer has it: `203.0.113.5`, `203.0.113.5:5060`,
/// `[2001:db8::5]:5060`, `2001:db8::5`.
fn parse_address(text: &str) -> Option<IpAddr> {
    let host = match text.strip_prefix('[') {
        // `[address]` or `[address]:port`
        Some(rest) => rest.split(']').next()?,
        None => match text.parse::<SocketAddr>() {
            Ok(sa) => return Some(crate::address::canonical_ip(sa.ip())),
            Err(_) => text,
        },
    };
    host.parse().ok().map(crate::address::canonical_ip)
}

/// Copies `value` into Asterisk's buffer of `len` bytes, NUL included, cut on a character
/// boundary if it does not fit.
unsafe fn answer(buf: *mut c_char, len: usize, value: &str) -> c_int {
    if buf.is_null() || len == 0 {
        return -1;
    }
    let mut end = value.len().min(len - 1);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    // SAFETY: buf holds len bytes; end < len leaves room for the NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(value.as_ptr(), buf.cast::<u8>(), end);
        *buf.add(end) = 0;
    }
    0
}

/// The one entry for every function: Asterisk names the function it is evaluating.
unsafe extern "C" fn read(
    _chan: *mut sys::ast_channel,
    function: *const c_char,
    data: *mut c_char,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    guarded("dialplan function", -1, || {
        if function.is_null() {
            return -1;
        }
        // SAFETY: Asterisk passes the function's name, NUL-terminated, valid for the call.
        let name = unsafe { CStr::from_ptr(function) };
        let Some(f) = FUNCTIONS.iter().find(|f| f.name == name) else {
            return -1;
        };
        let fname = f.name.to_string_lossy();
        // SAFETY: see arguments(); None means no parentheses at all.
        let Some(args) = (unsafe { arguments(data) }) else {
            host_log!(
                Level::Warning,
                "{fname} needs arguments: {}",
                f.syntax.to_string_lossy()
            );
            return -1;
        };
        match (f.value)(&args) {
            // SAFETY: buf/len come from Asterisk for this call.
            Ok(value) => unsafe { answer(buf, len, &value) },
            Err(why) => {
                host_log!(Level::Warning, "{fname}: {why}");
                -1
            }
        }
    })
}

fn address_argument(args: &[String]) -> Result<IpAddr, String> {
    let text = args.first().map(String::as_str).unwrap_or("");
    parse_address(text).ok_or_else(|| format!("'{}' is not an IP address", for_log(text)))
}

fn geo(args: &[String]) -> Result<String, String> {
    let ip = address_argument(args)?;
    let field = args
        .get(1)
        .map(String::as_str)
        .filter(|f| !f.is_empty())
        .unwrap_or("country");
    if !GEO_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(field))
        && !field.eq_ignore_ascii_case("region")
    {
        return Err(format!(
            "unknown field '{}' (one of {})",
            for_log(field),
            GEO_FIELDS.join(", ")
        ));
    }
    Ok(runtime::with_shared(|s| {
        s.lookups()
            .geo_db
            .as_ref()
            .and_then(|db| db.lookup(ip))
            .and_then(|info| info.field(field))
    })
    .flatten()
    .unwrap_or_default())
}

fn risk(args: &[String]) -> Result<String, String> {
    let ip = address_argument(args)?;
    runtime::with_shared(|s| s.engine().risk_of(ip, s.now()).to_string())
        .ok_or_else(|| "res_secast is not running".to_owned())
}
