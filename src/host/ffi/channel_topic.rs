//! The passive watch's subscription to Asterisk's channel topic (`ast_channel_topic_all`):
//! Dial messages (begin, progress, end with status) and channel snapshots (a new channel; the
//! last snapshot of a destroyed one, flagged dead, with its hangup cause).
//!
//! The subscription has its own taskprocessor thread, separate from the security topic's. A
//! selective filter keeps everything else (variable sets, bridges…) from ever being queued to
//! us. Per message the callback reads a few struct fields and the Dial blob's small JSON (no
//! JSON text is built: that costs tens of microseconds), updates the call guard under its own
//! short locks, and hands any finding to the enforcer's queue without waiting.

use std::ffi::{CStr, c_char, c_void};
use std::sync::Arc;
use std::time::Instant;

use super::entry::asterisk_entry;
use super::sys;
use crate::calls::{ChannelRef, Dial};
use crate::worker::Shared;

struct WatchState {
    shared: Arc<Shared>,
    dial: *mut sys::stasis_message_type,
    snapshot: *mut sys::stasis_message_type,
}

pub struct ChannelWatch {
    sub: *mut sys::stasis_subscription,
    state: *mut WatchState,
}

// SAFETY: the raw pointers are only used by close(), which the loader serialises.
unsafe impl Send for ChannelWatch {}

impl ChannelWatch {
    pub fn open(shared: Arc<Shared>) -> Option<ChannelWatch> {
        // SAFETY: the channel topic and message types are created in Asterisk's core init,
        // before modules load, and live for the process.
        let (topic, dial, snapshot) = unsafe {
            (
                sys::ast_channel_topic_all(),
                sys::ast_channel_dial_type(),
                sys::ast_channel_snapshot_type(),
            )
        };
        if topic.is_null() || dial.is_null() || snapshot.is_null() {
            return None;
        }
        let state = Box::into_raw(Box::new(WatchState {
            shared,
            dial,
            snapshot,
        }));
        // SAFETY: state stays alive until close() has joined the subscription.
        let sub = unsafe {
            sys::__stasis_subscribe(
                topic,
                Some(on_channel_message),
                state.cast(),
                c"res_secast".as_ptr(),
                line!() as i32,
                c"channel_topic".as_ptr(),
            )
        };
        if sub.is_null() {
            // SAFETY: never handed to Asterisk.
            drop(unsafe { Box::from_raw(state) });
            return None;
        }
        // SAFETY: sub is live; the filter runs on the publisher's thread, so messages of other
        // types are never queued for us.
        unsafe {
            sys::stasis_subscription_accept_message_type(sub, dial);
            sys::stasis_subscription_accept_message_type(sub, snapshot);
            sys::stasis_subscription_set_filter(
                sub,
                sys::stasis_subscription_message_filter::STASIS_SUBSCRIPTION_FILTER_SELECTIVE,
            );
        }
        Some(ChannelWatch { sub, state })
    }

    /// Unsubscribes and waits for the callback to be done, then frees its state.
    pub fn close(self) {
        // SAFETY: a loader thread, never the callback's; after the join nothing references
        // state.
        unsafe {
            sys::stasis_unsubscribe_and_join(self.sub);
            drop(Box::from_raw(self.state));
        }
    }
}

fn text<'a>(p: *const c_char) -> &'a str {
    if p.is_null() {
        return "";
    }
    // SAFETY: strings in snapshots and JSON are NUL-terminated and immutable while the
    // message is being delivered, which outlasts every use here.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("")
}

/// A snapshot's identity, borrowed for the callback.
///
/// # Safety
/// `snap` is a live snapshot of the message being delivered.
unsafe fn channel_ref<'a>(snap: *const sys::ast_channel_snapshot) -> Option<ChannelRef<'a>> {
    // SAFETY: per the contract; base and peer are never NULL in a published snapshot, checked
    // anyway.
    unsafe {
        let base = (*snap).base;
        let peer = (*snap).peer;
        if base.is_null() {
            return None;
        }
        Some(ChannelRef {
            uniqueid: text((*base).uniqueid),
            name: text((*base).name),
            tech: text((*base).type_),
            linkedid: if peer.is_null() {
                ""
            } else {
                text((*peer).linkedid)
            },
            accountcode: text((*base).accountcode),
        })
    }
}

/// A string member of a borrowed JSON object ("" when missing).
///
/// # Safety
/// `json` is NULL or a live JSON object.
unsafe fn json_text<'a>(json: *mut sys::ast_json, key: &CStr) -> &'a str {
    if json.is_null() {
        return "";
    }
    // SAFETY: per the contract; both accessors are NULL-safe and borrow.
    text(unsafe { sys::ast_json_string_get(sys::ast_json_object_get(json, key.as_ptr())) })
}

asterisk_entry! {
    fn on_channel_message(
        data: *mut c_void,
        _sub: *mut sys::stasis_subscription,
        message: *mut sys::stasis_message,
    ),
    on_panic = (),
    {
        if data.is_null() || message.is_null() {
            return;
        }
        let started = Instant::now();
        // SAFETY: data is the WatchState we registered; it outlives the subscription.
        let state = unsafe { &*(data as *const WatchState) };
        // SAFETY: message is valid for the callback.
        let kind = unsafe { sys::stasis_message_type(message) };
        let calls = &state.shared.calls;
        if kind == state.dial {
            // SAFETY: a Dial message's payload is an ast_multi_channel_blob; everything read
            // from it is borrowed for this callback only.
            unsafe {
                let blob = sys::stasis_message_data(message).cast::<sys::ast_multi_channel_blob>();
                if blob.is_null() {
                    return;
                }
                let json = sys::ast_multi_channel_blob_get_json(blob);
                let caller = sys::ast_multi_channel_blob_get_channel(blob, c"caller".as_ptr());
                let peer = sys::ast_multi_channel_blob_get_channel(blob, c"peer".as_ptr());
                if peer.is_null() {
                    return;
                }
                let Some(peer) = channel_ref(peer) else { return };
                let caller = if caller.is_null() { None } else { channel_ref(caller) };
                state.shared.call_dial(&Dial {
                    status: json_text(json, c"dialstatus"),
                    dialstring: json_text(json, c"dialstring"),
                    caller,
                    peer,
                });
            }
        } else if kind == state.snapshot {
            // SAFETY: a snapshot message's payload is an ast_channel_snapshot_update.
            unsafe {
                let update = sys::stasis_message_data(message)
                    .cast::<sys::ast_channel_snapshot_update>();
                if update.is_null() || (*update).new_snapshot.is_null() {
                    return;
                }
                let snap = (*update).new_snapshot;
                let flags = (*snap).flags.flags;
                let dead = flags & sys::secast_channel_flag::SECAST_FLAG_DEAD as u32 != 0;
                let new = (*update).old_snapshot.is_null();
                if !dead && !new {
                    // Most snapshots (state and dialplan steps): nothing to do.
                    return;
                }
                let Some(ch) = channel_ref(snap) else { return };
                if dead {
                    let hangup = (*snap).hangup;
                    let cause = if hangup.is_null() { 0 } else { (*hangup).cause };
                    calls.on_channel_gone(ch.uniqueid, cause);
                } else {
                    let outgoing =
                        flags & sys::secast_channel_flag::SECAST_FLAG_OUTGOING as u32 != 0;
                    calls.on_channel_created(&ch, outgoing, state.shared.now());
                }
            }
        } else {
            return;
        }
        calls.stats().watch_cost.record(started.elapsed());
    }
}
