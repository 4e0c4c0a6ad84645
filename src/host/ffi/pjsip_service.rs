//! The sensor's PJSIP service: a `pjsip_module` registered with `ast_sip_register_service`
//! that sees every incoming request before the distributor, and drops what the sensor says.
//!
//! Priority [`PRIORITY`] = 3: after PJSIP's logger and history (0) and res_pjsip_acl (1), so
//! `pjsip set logger on` still shows what we drop and an admin's static ACL answers first,
//! exactly as without us; before PJSIP's transport-layer modules (8) and Asterisk's
//! distributor (10), so a dropped request never reaches a serializer, the endpoint lookup or
//! any digest work.
//!
//! Threads: `on_rx_request` runs on PJSIP's single monitor thread (UDP, TCP, TLS) or a
//! websocket serializer. It reads the request in place, asks [`Sensor::inspect`] (lock-free,
//! no allocation on the pass path) and returns. The sensor is reached through an atomic
//! pointer, never a lock: unload can never wait on something the callback holds.
//!
//! Unregistering: PJSIP takes its module write lock; once a module has been (un)registered
//! during operation every distribution holds the read lock, and the first time it sleeps
//! 100 ms for distributions in flight. So when `ast_sip_unregister_service` returns no
//! callback runs or will run; only then is our reference to the sensor dropped.

use std::ffi::c_int;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use super::entry::asterisk_entry;
use super::log::host_log;
use super::owned_static::AsteriskOwned;
use super::pjsip_symbols::PjsipApi;
use super::rx_request;
use super::sys;
use crate::sensor::{Sensor, SipTransport, Verdict};
use crate::util::log::Level;
use crate::util::time::wall_clock_ms;

/// Where in PJSIP's module chain the sensor sits (see the module docs).
pub const PRIORITY: i32 = 3;

const NAME: &[u8] = b"mod-secast-sensor";

/// PJSIP links modules through prev/next and writes id: writable static memory.
static MODULE: AsteriskOwned<sys::pjsip_module> = AsteriskOwned::new(sys::pjsip_module {
    prev: std::ptr::null_mut(),
    next: std::ptr::null_mut(),
    name: sys::pj_str_t {
        ptr: NAME.as_ptr() as *mut _,
        slen: NAME.len() as _,
    },
    id: -1,
    priority: PRIORITY,
    load: None,
    start: None,
    stop: None,
    unload: None,
    on_rx_request: Some(on_rx_request),
    on_rx_response: None,
    on_tx_request: None,
    on_tx_response: None,
    on_tsx_state: None,
});

/// The sensor the callback asks (from `Arc::into_raw`), NULL while detached.
static SENSOR: AtomicPtr<Sensor> = AtomicPtr::new(std::ptr::null_mut());
/// res_pjsip's functions while registered (for the 403 on streams).
static API: AtomicPtr<PjsipApi> = AtomicPtr::new(std::ptr::null_mut());
/// Panics caught in the callback; the first one is logged.
static PANICS: AtomicU64 = AtomicU64::new(0);
static PANIC_LOGGED: AtomicBool = AtomicBool::new(false);

asterisk_entry! {
    fn on_rx_request(rdata: *mut sys::pjsip_rx_data) -> sys::pj_bool_t,
    on_panic = caught_panic(),
    quiet,
    {
        let sensor = SENSOR.load(Ordering::Acquire);
        if sensor.is_null() {
            return 0;
        }
        // SAFETY: PJSIP's rdata for this callback.
        let Some(received) = (unsafe { rx_request::read(rdata) }) else {
            return 0;
        };
        // SAFETY: the pointer stays valid until detach() has unregistered the service (no
        // callback runs after that) and only then drops it.
        let verdict = unsafe { &*sensor }.inspect(&received.request, wall_clock_ms());
        match verdict {
            Verdict::Pass => 0,
            Verdict::Drop(_) => {
                if !matches!(received.request.transport, SipTransport::Udp) && !received.is_ack {
                    refuse(rdata);
                }
                1
            }
        }
    }
}

/// On a stream the client waits for an answer: a stateless 403, as res_pjsip_acl gives.
fn refuse(rdata: *mut sys::pjsip_rx_data) {
    let api = API.load(Ordering::Acquire);
    if api.is_null() {
        return;
    }
    // SAFETY: API is set before registration and cleared after unregistration; we are on a
    // PJSIP thread, and the rdata is the one being processed.
    unsafe {
        let api = &*api;
        (api.respond_stateless)(
            api.endpoint,
            rdata,
            403,
            std::ptr::null(),
            std::ptr::null(),
            std::ptr::null(),
        );
    }
}

/// A panic in the callback passes the request on, and is logged once (a flood of the same
/// bug must not flood the log).
fn caught_panic() -> sys::pj_bool_t {
    PANICS.fetch_add(1, Ordering::Relaxed);
    if !PANIC_LOGGED.swap(true, Ordering::Relaxed) {
        host_log!(
            Level::Error,
            "PJSIP sensor: internal error while reading a request (logged once); requests are passed on"
        );
    }
    0
}

/// Registers the service; the sensor is asked from now on.
pub fn attach(api: PjsipApi, sensor: Arc<Sensor>) -> Result<(), String> {
    PANIC_LOGGED.store(false, Ordering::Relaxed);
    let old = API.swap(Box::into_raw(Box::new(api)), Ordering::AcqRel);
    drop_api(old);
    let old = SENSOR.swap(Arc::into_raw(sensor) as *mut Sensor, Ordering::AcqRel);
    drop_sensor(old);
    // SAFETY: MODULE is a static that outlives its registration; it is not registered now.
    let rc: c_int = unsafe { (api.register_service)(MODULE.get()) };
    if rc != 0 {
        drop_sensor(SENSOR.swap(std::ptr::null_mut(), Ordering::AcqRel));
        drop_api(API.swap(std::ptr::null_mut(), Ordering::AcqRel));
        return Err("ast_sip_register_service refused the sensor".to_owned());
    }
    Ok(())
}

/// Unregisters the service (waits for PJSIP), then lets go of the sensor.
pub fn detach() {
    let api = API.load(Ordering::Acquire);
    if api.is_null() {
        return;
    }
    // Requests still in flight pass from here on.
    let sensor = SENSOR.swap(std::ptr::null_mut(), Ordering::AcqRel);
    // SAFETY: registered by attach with these functions; res_pjsip is still loaded (our load
    // reference pins it). Nothing we hold is needed by the callback.
    unsafe { ((*api).unregister_service)(MODULE.get()) };
    drop_sensor(sensor);
    drop_api(API.swap(std::ptr::null_mut(), Ordering::AcqRel));
}

fn drop_sensor(p: *mut Sensor) {
    if !p.is_null() {
        // SAFETY: p came from Arc::into_raw in attach and is dropped once.
        drop(unsafe { Arc::from_raw(p as *const Sensor) });
    }
}

fn drop_api(p: *mut PjsipApi) {
    if !p.is_null() {
        // SAFETY: p came from Box::into_raw in attach and is dropped once.
        drop(unsafe { Box::from_raw(p) });
    }
}
