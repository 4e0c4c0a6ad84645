//! The channel a dialplan function runs on ([`AsteriskChannel`], the admin layer's
//! `ChannelContext`), the datastore that keeps a call's slot on it, and hanging a channel up
//! from our own thread.
//!
//! The slot's datastore: Asterisk frees a channel's datastores when the channel is destroyed,
//! however the call ended (answered, busy, cancelled, failed, no BYE at all), and calls its
//! `destroy` exactly once, with the channel locked, on whichever thread drops the channel's
//! last reference. `destroy` only drops the slot (a few microseconds under one shard lock of
//! the call guard); it never touches the channel or waits for anything. The datastore holds a
//! reference on our module, so the module cannot be unloaded under a live call.

use std::ffi::{CStr, CString, c_char, c_void};
use std::net::IpAddr;
use std::sync::atomic::{AtomicPtr, Ordering};

use super::entry::asterisk_entry;
use super::module_handle::ModuleHandle;
use super::owned_static::AsteriskOwned;
use super::sys;
use crate::admin::channel_context::ChannelContext;
use crate::calls::Slot;
use crate::calls::legs::endpoint_of;
use crate::util::net::parse_host_address;

/// Our module, for the datastores' module reference (set at registration).
static MODULE: AtomicPtr<sys::ast_module> = AtomicPtr::new(std::ptr::null_mut());

pub fn set_module(module: ModuleHandle) {
    MODULE.store(module.0, Ordering::Release);
}

static SLOT_INFO: AsteriskOwned<sys::ast_datastore_info> =
    AsteriskOwned::new(sys::ast_datastore_info {
        type_: c"secast-call-slot".as_ptr(),
        duplicate: None,
        destroy: Some(slot_destroy),
        chan_fixup: None,
        chan_breakdown: None,
    });

asterisk_entry! {
    /// The channel went (or a newer check replaced the slot): release it, exactly once.
    fn slot_destroy(data: *mut c_void),
    on_panic = (),
    {
        if !data.is_null() {
            // SAFETY: data is the Box<Slot> hold_slot leaked into this datastore; Asterisk
            // calls destroy once per datastore, so it is taken back once.
            drop(unsafe { Box::from_raw(data.cast::<Slot>()) });
        }
    }
}

fn owned(p: *const c_char) -> Option<String> {
    // SAFETY: Asterisk's channel accessors return NUL-terminated strings owned by the channel,
    // valid while the channel is (the function's caller holds it for the call).
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// A channel handed to a dialplan function; NULL or a channel without technology (the dummy
/// of an AMI Getvar) reads as no channel.
pub struct AsteriskChannel {
    chan: *mut sys::ast_channel,
}

impl AsteriskChannel {
    pub fn new(chan: *mut sys::ast_channel) -> AsteriskChannel {
        AsteriskChannel { chan }
    }

    fn tech(&self) -> Option<String> {
        if self.chan.is_null() {
            return None;
        }
        // SAFETY: chan is the live channel Asterisk passed to the function.
        let tech = unsafe { sys::ast_channel_tech(self.chan) };
        if tech.is_null() {
            return None;
        }
        // SAFETY: a channel technology is a static struct whose first field is its name.
        owned(unsafe { (*tech).type_ })
    }

    fn name(&self) -> Option<String> {
        if self.chan.is_null() {
            return None;
        }
        // SAFETY: as above.
        owned(unsafe { sys::ast_channel_name(self.chan) }).filter(|n| !n.is_empty())
    }

    fn is_pjsip(&self) -> bool {
        self.tech().as_deref() == Some("PJSIP")
    }

    fn lock(&self) {
        // SAFETY: chan is a live ao2 object; the macro ast_channel_lock expands to this call.
        unsafe {
            sys::__ao2_lock(
                self.chan.cast(),
                sys::ao2_lock_req::AO2_LOCK_REQ_MUTEX,
                c"channel.rs".as_ptr(),
                c"secast".as_ptr(),
                line!() as i32,
                c"chan".as_ptr(),
            );
        }
    }

    fn unlock(&self) {
        // SAFETY: we hold the lock taken in lock().
        unsafe {
            sys::__ao2_unlock(
                self.chan.cast(),
                c"channel.rs".as_ptr(),
                c"secast".as_ptr(),
                line!() as i32,
                c"chan".as_ptr(),
            );
        }
    }

    /// `CHANNEL(…)` read through Asterisk, on this (the channel's PBX) thread, unlocked: for
    /// PJSIP it waits for the session's serializer, as the dialplan's own CHANNEL() does.
    fn func_read(&self, expression: &CStr) -> Option<String> {
        let mut buf = [0 as c_char; 256];
        // SAFETY: chan is live and unlocked; buf holds len bytes and Asterisk NUL-terminates.
        let rc = unsafe {
            sys::ast_func_read(self.chan, expression.as_ptr(), buf.as_mut_ptr(), buf.len())
        };
        (rc == 0).then(|| owned(buf.as_ptr())).flatten()
    }
}

impl ChannelContext for AsteriskChannel {
    fn uniqueid(&self) -> Option<String> {
        self.tech()?;
        // SAFETY: chan is live (tech() checked it is not NULL).
        owned(unsafe { sys::ast_channel_uniqueid(self.chan) }).filter(|u| !u.is_empty())
    }

    /// From the channel's name (`PJSIP/1001-0000002a`: chan_pjsip names channels after their
    /// endpoint): nanoseconds, and no CHANNEL(endpoint) warning on other technologies.
    fn endpoint(&mut self) -> Option<String> {
        if !self.is_pjsip() {
            return None;
        }
        self.name()
            .as_deref()
            .and_then(endpoint_of)
            .map(str::to_owned)
    }

    fn remote_address(&mut self) -> Option<IpAddr> {
        if !self.is_pjsip() {
            return None;
        }
        self.func_read(c"CHANNEL(pjsip,remote_addr)")
            .as_deref()
            .and_then(parse_host_address)
    }

    fn set_variable(&mut self, name: &str, value: &str) {
        if self.tech().is_none() {
            return;
        }
        let (Ok(name), Ok(value)) = (CString::new(name), CString::new(value.replace('\0', "")))
        else {
            return;
        };
        // SAFETY: chan is live; both strings are NUL-terminated and copied by Asterisk.
        unsafe {
            sys::pbx_builtin_setvar_helper(self.chan, name.as_ptr(), value.as_ptr());
        }
    }

    fn drop_slot(&mut self) {
        if self.tech().is_none() {
            return;
        }
        self.lock();
        // SAFETY: the channel is locked, as the datastore functions require.
        let ds = unsafe {
            let ds = sys::ast_channel_datastore_find(self.chan, SLOT_INFO.get(), std::ptr::null());
            if !ds.is_null() {
                sys::ast_channel_datastore_remove(self.chan, ds);
            }
            ds
        };
        self.unlock();
        if !ds.is_null() {
            // SAFETY: removed from the channel above, so ours alone; freeing it runs destroy
            // (the old slot is released here, once).
            unsafe { sys::ast_datastore_free(ds) };
        }
    }

    fn hold_slot(&mut self, slot: Slot) -> Result<(), Slot> {
        if self.tech().is_none() {
            return Err(slot);
        }
        // SAFETY: SLOT_INFO is static; the module pointer is ours (or NULL before load, which
        // Asterisk accepts).
        let ds = unsafe {
            sys::__ast_datastore_alloc(
                SLOT_INFO.get(),
                std::ptr::null(),
                MODULE.load(Ordering::Acquire),
                c"channel.rs".as_ptr(),
                line!() as i32,
                c"hold_slot".as_ptr(),
            )
        };
        if ds.is_null() {
            return Err(slot);
        }
        let data = Box::into_raw(Box::new(slot));
        // SAFETY: ds is ours until added; data is set before the add (destroy runs only with
        // data set), and the channel is locked around the add.
        let added = unsafe {
            (*ds).data = data.cast();
            self.lock();
            let rc = sys::ast_channel_datastore_add(self.chan, ds);
            self.unlock();
            rc == 0
        };
        if added {
            return Ok(());
        }
        // SAFETY: not added: take the slot back before freeing the datastore without it.
        unsafe {
            (*ds).data = std::ptr::null_mut();
            sys::ast_datastore_free(ds);
            Err(*Box::from_raw(data))
        }
    }
}

/// Finds a channel by uniqueid; runs `f` on it while our reference is held (microseconds).
fn with_channel<R>(uniqueid: &str, f: impl FnOnce(*mut sys::ast_channel) -> R) -> Option<R> {
    let id = CString::new(uniqueid).ok()?;
    // SAFETY: id is NUL-terminated; a non-NULL result is a new reference we release below.
    let chan = unsafe { sys::ast_channel_get_by_uniqueid(id.as_ptr()) };
    if chan.is_null() {
        return None;
    }
    let r = f(chan);
    // SAFETY: releases the reference taken above (ast_channel_unref). This may run the
    // channel's destructor here, datastores included: callers hold none of our locks.
    unsafe {
        sys::__ao2_ref(
            chan.cast(),
            -1,
            std::ptr::null(),
            c"channel.rs".as_ptr(),
            line!() as i32,
            c"with_channel".as_ptr(),
        );
    }
    Some(r)
}

/// Hangs a channel up (as `channel request hangup` does). Runs on our own threads, never on
/// one of Asterisk's that something waits for. Whether the channel was there.
pub fn hang_up(uniqueid: &str) -> bool {
    with_channel(uniqueid, |chan| {
        // SAFETY: chan is live while we hold the reference; ast_softhangup locks it itself.
        unsafe {
            sys::ast_softhangup(
                chan,
                sys::secast_softhangup::SECAST_SOFTHANGUP_EXPLICIT as i32,
            );
        }
    })
    .is_some()
}

/// Whether a channel with this uniqueid still exists (the call guard's sweep).
pub fn exists(uniqueid: &str) -> bool {
    with_channel(uniqueid, |_| ()).is_some()
}
