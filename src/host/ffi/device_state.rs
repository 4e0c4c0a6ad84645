//! Asterisk's distributed device state, the mechanism res_corosync and res_xmpp use:
//!
//! - this server's own device state changes are read from `devicestate:all` (messages whose
//!   entity ID is ours; the aggregate has none, other servers' have theirs) and queued for
//!   the cluster — the callback only copies and queues;
//! - other servers' states are published with *their* entity ID, and Asterisk aggregates
//!   them with ours into what hints and `DEVICE_STATE()` show;
//! - a server that leaves has every state published for its entity ID cleared.
//!
//! Publishing and clearing run on the cluster thread, never on an Asterisk thread.

use std::ffi::{CStr, CString, c_int, c_void};
use std::sync::Arc;

use super::entry::asterisk_entry;
use super::node_identity::entity_id;
use super::sys;
use crate::cluster::{DeviceState, Hub};

/// The subscription to `devicestate:all`; [`DeviceStateFeed::close`] joins it.
pub struct DeviceStateFeed {
    sub: *mut sys::stasis_subscription,
    hub: *mut Arc<Hub>,
}

// SAFETY: the raw pointers are only used by close(), on a loader thread.
unsafe impl Send for DeviceStateFeed {}

impl DeviceStateFeed {
    pub fn open(hub: Arc<Hub>) -> Option<DeviceStateFeed> {
        // SAFETY: the device-state topic and message type exist from core start-up on.
        let (topic, kind) = unsafe {
            (
                sys::ast_device_state_topic_all(),
                sys::ast_device_state_message_type(),
            )
        };
        if topic.is_null() || kind.is_null() {
            return None;
        }
        let data = Box::into_raw(Box::new(hub));
        // SAFETY: `data` lives until close() has joined the subscription.
        let sub = unsafe {
            sys::__stasis_subscribe(
                topic,
                Some(on_device_state),
                data.cast(),
                c"res_secast".as_ptr(),
                line!() as i32,
                c"device_state".as_ptr(),
            )
        };
        if sub.is_null() {
            // SAFETY: never handed to Asterisk.
            drop(unsafe { Box::from_raw(data) });
            return None;
        }
        // SAFETY: sub is live; only device-state messages reach the callback.
        unsafe {
            sys::stasis_subscription_accept_message_type(sub, kind);
            sys::stasis_subscription_set_filter(
                sub,
                sys::stasis_subscription_message_filter::STASIS_SUBSCRIPTION_FILTER_SELECTIVE,
            );
        }
        Some(DeviceStateFeed { sub, hub: data })
    }

    pub fn close(self) {
        // SAFETY: not the callback's thread; after the join Asterisk no longer uses `hub`.
        unsafe {
            sys::stasis_unsubscribe_and_join(self.sub);
            drop(Box::from_raw(self.hub));
        }
    }
}

asterisk_entry! {
    fn on_device_state(
        data: *mut c_void,
        _sub: *mut sys::stasis_subscription,
        message: *mut sys::stasis_message,
    ),
    on_panic = (),
    {
        if data.is_null() || message.is_null() {
            return;
        }
        // SAFETY: data is the Arc<Hub> registered with the subscription, alive until close().
        let hub = unsafe { &*(data as *const Arc<Hub>) };
        // SAFETY: the message is valid for the callback; its type is checked before its data
        // is read as a device-state message.
        let Some((device, state)) = (unsafe { local_change(message) }) else {
            return;
        };
        hub.device_state(device, state);
    }
}

/// The device and state of a message about *this* server's device (cachable), or None.
unsafe fn local_change(message: *mut sys::stasis_message) -> Option<(String, DeviceState)> {
    // SAFETY: see the caller; every pointer is checked before use.
    unsafe {
        if sys::stasis_message_type(message) != sys::ast_device_state_message_type() {
            return None;
        }
        let ds = sys::stasis_message_data(message) as *const sys::ast_device_state_message;
        if ds.is_null() || (*ds).eid.is_null() || (*ds).device.is_null() {
            return None; // the aggregate
        }
        if std::ptr::read_unaligned((*ds).eid).eid != entity_id() {
            return None; // another server's, published here by the cluster: never sent back
        }
        if (*ds).cachable != sys::ast_devstate_cache::AST_DEVSTATE_CACHABLE {
            return None;
        }
        let state = DeviceState::from_code((*ds).state as i64)?;
        let device = CStr::from_ptr((*ds).device).to_str().ok()?;
        crate::cluster::device_state::valid_device(device).then(|| (device.to_owned(), state))
    }
}

fn sys_state(s: DeviceState) -> sys::ast_device_state {
    use sys::ast_device_state as A;
    match s {
        DeviceState::Unknown => A::AST_DEVICE_UNKNOWN,
        DeviceState::NotInUse => A::AST_DEVICE_NOT_INUSE,
        DeviceState::InUse => A::AST_DEVICE_INUSE,
        DeviceState::Busy => A::AST_DEVICE_BUSY,
        DeviceState::Invalid => A::AST_DEVICE_INVALID,
        DeviceState::Unavailable => A::AST_DEVICE_UNAVAILABLE,
        DeviceState::Ringing => A::AST_DEVICE_RINGING,
        DeviceState::RingInUse => A::AST_DEVICE_RINGINUSE,
        DeviceState::OnHold => A::AST_DEVICE_ONHOLD,
    }
}

/// Sets `device` to `state` as the server `eid` reports it (cachable, so DEVICE_STATE()
/// sees it). The caller has checked the device name and the state.
pub fn publish_remote(device: &str, state: DeviceState, eid: [u8; 6]) -> bool {
    let Ok(device) = CString::new(device) else {
        return false;
    };
    let mut eid = sys::ast_eid { eid };
    // SAFETY: both pointers are valid for the call; Asterisk copies the device and the EID.
    unsafe {
        sys::ast_publish_device_state_full(
            device.as_ptr(),
            sys_state(state),
            sys::ast_devstate_cache::AST_DEVSTATE_CACHABLE,
            &mut eid,
        ) == 0
    }
}

/// Every cached device-state message of `eid`, handed to `each` (borrowed for the call).
fn for_each_cached(eid: [u8; 6], each: &mut dyn FnMut(*mut sys::stasis_message)) {
    let eid = sys::ast_eid { eid };
    // SAFETY: the cache and type exist from core start-up; the container is ours until the
    // unref below, and the callback only runs during __ao2_callback.
    unsafe {
        let cache = sys::ast_device_state_cache();
        let kind = sys::ast_device_state_message_type();
        if cache.is_null() || kind.is_null() {
            return;
        }
        let all = sys::stasis_cache_dump_by_eid(cache, kind, &eid);
        if all.is_null() {
            return;
        }
        let mut each = each;
        let arg: *mut &mut dyn FnMut(*mut sys::stasis_message) = &mut each;
        sys::__ao2_callback(
            all,
            sys::search_flags::OBJ_NODATA,
            Some(visit_message),
            arg.cast(),
            std::ptr::null(),
            c"res_secast".as_ptr(),
            line!() as c_int,
            c"device_state".as_ptr(),
        );
        sys::__ao2_ref(
            all.cast(),
            -1,
            std::ptr::null(),
            c"res_secast".as_ptr(),
            line!() as c_int,
            c"device_state".as_ptr(),
        );
    }
}

asterisk_entry! {
    fn visit_message(obj: *mut c_void, arg: *mut c_void, _flags: c_int) -> c_int,
    on_panic = 0,
    {
        if !obj.is_null() && !arg.is_null() {
            // SAFETY: arg is the closure reference for_each_cached passed for this walk.
            let each = unsafe { &mut *(arg as *mut &mut dyn FnMut(*mut sys::stasis_message)) };
            each(obj.cast());
        }
        0
    }
}

/// Clears every state published for `eid`; returns how many.
pub fn clear_remote(eid: [u8; 6]) -> usize {
    if eid == entity_id() || eid == [0; 6] {
        return 0;
    }
    let mut cleared = 0;
    for_each_cached(eid, &mut |msg| {
        // SAFETY: msg is a live cached message during the walk; the clear message is ours
        // until the unref after publishing it.
        unsafe {
            let clear = sys::stasis_cache_clear_create(msg);
            if !clear.is_null() {
                sys::stasis_publish(sys::ast_device_state_topic_all(), clear);
                sys::__ao2_ref(
                    clear.cast(),
                    -1,
                    std::ptr::null(),
                    c"res_secast".as_ptr(),
                    line!() as c_int,
                    c"device_state".as_ptr(),
                );
                cleared += 1;
            }
        }
    });
    cleared
}

/// This server's own cached device states.
pub fn local_states() -> Vec<(String, DeviceState)> {
    let mut out = Vec::new();
    for_each_cached(entity_id(), &mut |msg| {
        // SAFETY: msg is a live device-state message during the walk.
        unsafe {
            let ds = sys::stasis_message_data(msg) as *const sys::ast_device_state_message;
            if ds.is_null() || (*ds).device.is_null() {
                return;
            }
            if let (Some(state), Ok(device)) = (
                DeviceState::from_code((*ds).state as i64),
                CStr::from_ptr((*ds).device).to_str(),
            ) && crate::cluster::device_state::valid_device(device)
            {
                out.push((device.to_owned(), state));
            }
        }
    });
    out
}
