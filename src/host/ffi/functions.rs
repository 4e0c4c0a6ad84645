//! The `SECAST_*` dialplan functions as Asterisk sees them: one registration per entry of
//! [`crate::admin::dialplan_functions::functions`], one guarded read callback.

use std::ffi::{CStr, c_char, c_int};

use super::channel::{AsteriskChannel, set_module};
use super::entry::asterisk_entry;
use super::log::host_log;
use super::module_handle::ModuleHandle;
use super::owned_static::AsteriskOwned;
use super::sys;
use crate::admin::dialplan_functions::{MAX_FUNCTIONS, functions};
use crate::host::state;
use crate::util::log::Level;

// SAFETY: all-zero is a valid ast_custom_function before registration.
static ENTRIES: AsteriskOwned<[sys::ast_custom_function; MAX_FUNCTIONS]> =
    AsteriskOwned::new(unsafe { std::mem::zeroed() });

/// Registers every function; the entries are rebuilt first because the same image serves
/// every load (Asterisk left its list pointers in them).
pub fn register(module: ModuleHandle) -> bool {
    set_module(module);
    let entries = ENTRIES.get();
    let all = functions();
    let mut ok = all.len() <= MAX_FUNCTIONS;
    for (i, f) in all.iter().take(MAX_FUNCTIONS).enumerate() {
        // SAFETY: not registered now (load runs under the loader lock after any unregister);
        // the strings are static, and a non-empty synopsis keeps Asterisk from filling the
        // string fields from XML documentation it does not have for us.
        unsafe {
            let mut e: sys::ast_custom_function = std::mem::zeroed();
            e.name = f.name.as_ptr();
            e.synopsis = f.synopsis.as_ptr();
            e.syntax = f.syntax.as_ptr();
            e.desc = f.description.as_ptr();
            if f.value.is_some() {
                e.read = Some(read);
            }
            if f.write.is_some() {
                e.write = Some(write);
            }
            (*entries)[i] = e;
            ok &= sys::__ast_custom_function_register(&raw mut (*entries)[i], module.0) == 0;
        }
    }
    ok
}

pub fn unregister() {
    let entries = ENTRIES.get();
    for i in 0..functions().len().min(MAX_FUNCTIONS) {
        // SAFETY: unregistering an entry Asterisk does not know is a harmless -1.
        unsafe {
            sys::ast_custom_function_unregister(&raw mut (*entries)[i]);
        }
    }
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

asterisk_entry! {
    /// The one read callback of every function: Asterisk names the function it evaluates.
    fn read(
        chan: *mut sys::ast_channel,
        function: *const c_char,
        data: *mut c_char,
        buf: *mut c_char,
        len: usize,
    ) -> c_int,
    on_panic = -1,
    {
        if function.is_null() {
            return -1;
        }
        // SAFETY: Asterisk passes the function's name, NUL-terminated, valid for the call.
        let name = unsafe { CStr::from_ptr(function) };
        let Some(f) = functions().iter().find(|f| f.name == name) else {
            return -1;
        };
        // SAFETY: data, when set, is the NUL-terminated text inside the parentheses.
        let arguments = (!data.is_null())
            .then(|| unsafe { CStr::from_ptr(data) }.to_string_lossy().into_owned());
        let mut channel = AsteriskChannel::new(chan);
        match state::with_shared_opt(|s| f.read(arguments.as_deref(), s, &mut channel)) {
            // SAFETY: buf/len come from Asterisk for this call.
            Ok(value) => unsafe { answer(buf, len, &value) },
            Err(why) => {
                host_log!(Level::Warning, "{}: {why}", f.name.to_string_lossy());
                -1
            }
        }
    }
}

asterisk_entry! {
    /// The one write callback: `Set(FUNC(arguments)=value)`.
    fn write(
        _chan: *mut sys::ast_channel,
        function: *const c_char,
        data: *mut c_char,
        value: *const c_char,
    ) -> c_int,
    on_panic = -1,
    {
        if function.is_null() {
            return -1;
        }
        // SAFETY: Asterisk passes the function's name, NUL-terminated, valid for the call.
        let name = unsafe { CStr::from_ptr(function) };
        let Some(f) = functions().iter().find(|f| f.name == name) else {
            return -1;
        };
        // SAFETY: data and value, when set, are NUL-terminated and valid for the call.
        let arguments = (!data.is_null())
            .then(|| unsafe { CStr::from_ptr(data) }.to_string_lossy().into_owned());
        let value = if value.is_null() {
            String::new()
        } else {
            // SAFETY: as above.
            unsafe { CStr::from_ptr(value) }.to_string_lossy().into_owned()
        };
        match state::with_shared_opt(|s| f.write(arguments.as_deref(), &value, s)) {
            Ok(()) => 0,
            Err(why) => {
                host_log!(Level::Warning, "{}: {why}", f.name.to_string_lossy());
                -1
            }
        }
    }
}
