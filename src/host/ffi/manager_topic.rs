//! When to audit: Asterisk's FullyBooted and Reload announcements on the manager topic, and
//! whether start-up is already over.
//!
//! At start-up our load runs before the dialplan and other modules are loaded, so the first
//! audit waits for FullyBooted; every finished reload (`module reload X`, `core reload`) is
//! announced as Reload with the module's name. The callback only queues a request for the
//! audit thread (never waits) and returns.

use std::ffi::{CStr, c_void};
use std::sync::Arc;

use super::entry::asterisk_entry;
use super::sys;
use crate::audit::AuditDesk;
use crate::audit::desk::Trigger;

struct CallbackState {
    desk: Arc<AuditDesk>,
    generic_type: *mut sys::stasis_message_type,
}

pub struct Subscription {
    sub: *mut sys::stasis_subscription,
    state: *mut CallbackState,
}

// SAFETY: the raw pointers are only used by close(), which the loader serialises.
unsafe impl Send for Subscription {}

/// Whether Asterisk has finished starting (`ast_fully_booted`).
pub fn fully_booted() -> bool {
    // SAFETY: ast_options is exported by the asterisk binary; a racy read of a flag word is
    // what Asterisk's own ast_fully_booted macro does.
    let flags = unsafe { std::ptr::read_volatile(&raw const sys::ast_options.flags) };
    flags & sys::secast_option_flag::SECAST_OPT_FLAG_FULLY_BOOTED as u64 != 0
}

impl Subscription {
    pub fn open(desk: Arc<AuditDesk>) -> Option<Subscription> {
        // SAFETY: the manager topic and its generic message type exist from core start-up,
        // before any module loads, for the life of the process.
        let (topic, generic_type) = unsafe {
            (
                sys::ast_manager_get_topic(),
                sys::ast_manager_get_generic_type(),
            )
        };
        if topic.is_null() || generic_type.is_null() {
            return None;
        }
        let state = Box::into_raw(Box::new(CallbackState { desk, generic_type }));
        // SAFETY: state lives until close() has joined the subscription; strings are static.
        let sub = unsafe {
            sys::__stasis_subscribe(
                topic,
                Some(on_manager_message),
                state.cast(),
                c"res_secast".as_ptr(),
                line!() as i32,
                c"manager_topic".as_ptr(),
            )
        };
        if sub.is_null() {
            // SAFETY: never handed to Asterisk.
            drop(unsafe { Box::from_raw(state) });
            return None;
        }
        // SAFETY: sub is live. The manager topic also carries every channel event; the
        // selective filter drops them before they are queued for our callback.
        unsafe {
            sys::stasis_subscription_accept_message_type(sub, generic_type);
            sys::stasis_subscription_set_filter(
                sub,
                sys::stasis_subscription_message_filter::STASIS_SUBSCRIPTION_FILTER_SELECTIVE,
            );
        }
        Some(Subscription { sub, state })
    }

    /// Unsubscribes and waits until the callback can no longer run, then frees its state.
    pub fn close(self) {
        // SAFETY: called on a loader thread, never from the callback's own thread.
        unsafe {
            sys::stasis_unsubscribe_and_join(self.sub);
            drop(Box::from_raw(self.state));
        }
    }
}

/// A string member of a JSON object, copied; None if absent or not a string.
unsafe fn member(json: *mut sys::ast_json, key: &CStr) -> Option<String> {
    // SAFETY: json is a live object for the caller's callback; both calls accept NULL.
    unsafe {
        let value = sys::ast_json_object_get(json, key.as_ptr());
        let text = sys::ast_json_string_get(value);
        (!text.is_null()).then(|| CStr::from_ptr(text).to_string_lossy().into_owned())
    }
}

asterisk_entry! {
    fn on_manager_message(
        data: *mut c_void,
        _sub: *mut sys::stasis_subscription,
        message: *mut sys::stasis_message,
    ),
    on_panic = (),
    {
        if data.is_null() || message.is_null() {
            return;
        }
        // SAFETY: data is the CallbackState we registered; it outlives the subscription.
        let state = unsafe { &*(data as *const CallbackState) };
        // SAFETY: message is valid for the callback; generic manager messages carry an
        // ast_json_payload, read and copied before returning.
        unsafe {
            if sys::stasis_message_type(message) != state.generic_type {
                return;
            }
            let payload = sys::stasis_message_data(message) as *const sys::ast_json_payload;
            if payload.is_null() || (*payload).json.is_null() {
                return;
            }
            let json = (*payload).json;
            match member(json, c"type").as_deref() {
                Some("FullyBooted") => {
                    state.desk.request(Trigger::Boot);
                }
                Some("Reload") => {
                    let event = sys::ast_json_object_get(json, c"event".as_ptr());
                    let module = if event.is_null() {
                        None
                    } else {
                        member(event, c"Module")
                    };
                    state
                        .desk
                        .request(Trigger::Reload(module.unwrap_or_else(|| "All".to_owned())));
                }
                _ => {}
            }
        }
    }
}
