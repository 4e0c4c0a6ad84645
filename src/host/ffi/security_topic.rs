//! The subscription to Asterisk's security topic ("security:all").
//!
//! The callback runs on the subscription's own taskprocessor thread. It copies the event's
//! strings and queues them; it never waits, so Asterisk's mailbox never backs up because of us.

use std::ffi::{CStr, c_void};
use std::time::Instant;

use super::entry::asterisk_entry;
use super::sys;
use crate::intake::{Field, RawEvent};
use crate::worker::Ingress;

/// The subscription's taskprocessor queue may hold this many messages before Asterisk calls it
/// congested (the default is 500). A taskprocessor above its high-water mark puts Asterisk in
/// alert, and res_pjsip then turns away new requests until it drains: at 10,000 events/s
/// a scheduling hiccup of 50 ms on a busy 2-core PBX was enough (measured by scripts/soak.sh).
/// 10,000 is a second of a heavy flood; our callback only copies, so it drains as fast.
const CONGESTION_HIGH_WATER: std::ffi::c_long = 10_000;

/// What the callback needs, owned by the subscription through its `data` pointer.
struct CallbackState {
    ingress: Ingress,
    event_type: *mut sys::stasis_message_type,
}

/// A live subscription. Dropping it without [`Subscription::close`] would leak; close joins.
pub struct Subscription {
    sub: *mut sys::stasis_subscription,
    state: *mut CallbackState,
}

// SAFETY: the raw pointers are only used by close(), which the loader serialises.
unsafe impl Send for Subscription {}

impl Subscription {
    /// Subscribes; the ingress moves into the callback's state.
    pub fn open(ingress: Ingress) -> Result<Subscription, Ingress> {
        // SAFETY: the security topic and message type are created in Asterisk's core init,
        // before any module loads, and live for the process.
        let (topic, event_type) =
            unsafe { (sys::ast_security_topic(), sys::ast_security_event_type()) };
        if topic.is_null() || event_type.is_null() {
            return Err(ingress);
        }
        let state = Box::into_raw(Box::new(CallbackState {
            ingress,
            event_type,
        }));
        // SAFETY: state stays alive until close() has joined the subscription; the file/func
        // strings are static.
        let sub = unsafe {
            sys::__stasis_subscribe(
                topic,
                Some(on_security_message),
                state.cast(),
                c"res_secast".as_ptr(),
                line!() as i32,
                c"security_topic".as_ptr(),
            )
        };
        if sub.is_null() {
            // SAFETY: never handed to Asterisk.
            let state = unsafe { Box::from_raw(state) };
            return Err(state.ingress);
        }
        // SAFETY: sub is live. Filtering on the event type keeps named-ACL change messages
        // (also JSON payloads) away from the callback; it checks the type again anyway,
        // because the Subscribe message can arrive before the filter is in place.
        unsafe {
            sys::stasis_subscription_accept_message_type(sub, event_type);
            sys::stasis_subscription_set_filter(
                sub,
                sys::stasis_subscription_message_filter::STASIS_SUBSCRIPTION_FILTER_SELECTIVE,
            );
            // -1: the low-water mark is 90% of the high one. On failure the defaults stay,
            // which only means earlier congestion warnings.
            sys::stasis_subscription_set_congestion_limits(sub, -1, CONGESTION_HIGH_WATER);
        }
        Ok(Subscription { sub, state })
    }

    /// Unsubscribes and waits until the callback can no longer run, then frees its state
    /// (which drops the ingress and lets the engine worker drain and stop).
    pub fn close(self) {
        // SAFETY: called on a loader thread, never from the callback's own thread; after the
        // join Asterisk no longer references `state`.
        unsafe {
            sys::stasis_unsubscribe_and_join(self.sub);
            drop(Box::from_raw(self.state));
        }
    }
}

asterisk_entry! {
    fn on_security_message(
        data: *mut c_void,
        _sub: *mut sys::stasis_subscription,
        message: *mut sys::stasis_message,
    ),
    on_panic = (),
    {
        let started = Instant::now();
        if data.is_null() || message.is_null() {
            return;
        }
        // SAFETY: data is the CallbackState we registered; it outlives the subscription.
        let state = unsafe { &*(data as *const CallbackState) };
        // SAFETY: message is valid for the duration of the callback.
        if unsafe { sys::stasis_message_type(message) } != state.event_type {
            return;
        }
        let counters = state.ingress.counters();
        // SAFETY: security-event messages carry an ast_json_payload; everything read from it
        // is borrowed for the callback's duration and copied before returning.
        match unsafe { copy_event(message) } {
            Some(raw) => {
                state.ingress.submit(raw, started);
            }
            None => {
                counters
                    .unreadable
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        counters.callback_cost.record(started.elapsed());
    }
}

/// Copies the event number and every known string field. None if the message has no payload
/// or no integer event number.
unsafe fn copy_event(message: *mut sys::stasis_message) -> Option<RawEvent> {
    // SAFETY: the caller passes a live security-event message; every pointer read from it is
    // checked for NULL and borrowed only until this function returns.
    unsafe {
        let payload = sys::stasis_message_data(message) as *const sys::ast_json_payload;
        if payload.is_null() || (*payload).json.is_null() {
            return None;
        }
        let json = (*payload).json;
        let number = sys::ast_json_object_get(json, c"SecurityEvent".as_ptr());
        // ast_json_typeof crashes on NULL, and ast_json_integer_get reads a missing value as
        // 0 (FailedACL): check both before trusting the number.
        if number.is_null() || sys::ast_json_typeof(number) != sys::ast_json_type::AST_JSON_INTEGER
        {
            return None;
        }
        let mut raw = RawEvent::new(sys::ast_json_integer_get(number) as i64);
        for field in Field::ALL {
            let value = sys::ast_json_object_get(json, field.json_key().as_ptr());
            let text = sys::ast_json_string_get(value); // NULL-safe; NULL for non-strings
            if !text.is_null() {
                raw.set(field, CStr::from_ptr(text).to_bytes());
            }
        }
        Some(raw)
    }
}
