//! Which modules are loaded and running, for the audit ("where loaded" checks).
//!
//! `ast_module_check` says yes for a module that declined to load, so the loader's module
//! list is read instead, with each entry's status. Asterisk holds its module-list lock while
//! it calls back: the callback only copies a name. Never called from load or unload (they run
//! under that lock).

use std::collections::BTreeSet;
use std::ffi::{CStr, c_char, c_int, c_void};

use super::entry::asterisk_entry;
use super::sys;

asterisk_entry! {
    fn on_module(
        module: *const c_char,
        _description: *const c_char,
        _usecnt: c_int,
        status: *const c_char,
        _like: *const c_char,
        _support_level: sys::ast_module_support_level,
        data: *mut c_void,
    ) -> c_int,
    on_panic = 0,
    {
        if module.is_null() || status.is_null() || data.is_null() {
            return 0;
        }
        // SAFETY: data is the set running() passes; the strings are the loader's, valid
        // during the call.
        unsafe {
            if CStr::from_ptr(status).to_bytes() == b"Running" {
                let name = CStr::from_ptr(module).to_string_lossy().to_ascii_lowercase();
                let set = &mut *(data as *mut BTreeSet<String>);
                set.insert(name.trim_end_matches(".so").to_owned());
            }
        }
        0
    }
}

/// The running modules' names, lowercase, without `.so`.
pub fn running() -> BTreeSet<String> {
    let mut set: BTreeSet<String> = BTreeSet::new();
    // SAFETY: the callback only touches `set`, which outlives the call.
    unsafe {
        sys::ast_update_module_list_data(
            Some(on_module),
            c"".as_ptr(),
            (&raw mut set).cast::<c_void>(),
        );
    }
    set
}
