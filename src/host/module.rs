//! The module as Asterisk's loader sees it: the info record, its registration at dlopen, and
//! the load / unload / reload entries.

use std::ffi::c_int;

use super::cell::AsteriskOwned;
use super::guard::{guarded, install_panic_hook};
use super::logger::host_log;
use super::runtime;
use super::sys::{self, ast_module_load_result as LoadResult};
use crate::license_key::ASTERISK_GPL_KEY;
use crate::log::Level;

/// The loader writes `self` into this record at registration, so it lives in writable memory.
static MODULE_INFO: AsteriskOwned<sys::ast_module_info> =
    AsteriskOwned::new(sys::ast_module_info {
        self_: std::ptr::null_mut(),
        load: Some(load_module),
        reload: Some(reload_module),
        unload: Some(unload_module),
        name: c"res_secast".as_ptr(),
        description: c"SecAst intrusion detection and prevention".as_ptr(),
        key: ASTERISK_GPL_KEY.as_ptr(),
        flags: sys::ast_module_flags::AST_MODFLAG_LOAD_ORDER as u32,
        // All zero: no build-options check (we are not built from Asterisk's tree).
        buildopt_sum: [0; 33],
        load_pri: 128, // AST_MODPRI_DEFAULT
        requires: std::ptr::null(),
        optional_modules: std::ptr::null(),
        enhances: std::ptr::null(),
        reserved1: std::ptr::null_mut(),
        reserved2: std::ptr::null_mut(),
        reserved3: std::ptr::null_mut(),
        reserved4: std::ptr::null_mut(),
        support_level: sys::ast_module_support_level::AST_MODULE_SUPPORT_EXTENDED,
    });

/// Asterisk's loader expects the module to register itself while it is being dlopened.
#[used]
#[unsafe(link_section = ".init_array")]
static REGISTER_AT_DLOPEN: extern "C" fn() = register_with_loader;

#[used]
#[unsafe(link_section = ".fini_array")]
static UNREGISTER_AT_EXIT: extern "C" fn() = unregister_from_loader;

extern "C" fn register_with_loader() {
    // SAFETY: MODULE_INFO is a static that outlives the process's use of it. Nothing else is
    // done here: the loader holds its module-list lock while constructors run.
    unsafe { sys::ast_module_register(MODULE_INFO.get()) };
}

extern "C" fn unregister_from_loader() {
    // SAFETY: as above; runs at process exit since the image is never unmapped earlier.
    unsafe { sys::ast_module_unregister(MODULE_INFO.get()) };
}

/// Our `struct ast_module *`, as the loader stored it (AST_MODULE_SELF).
pub fn module_self() -> *mut sys::ast_module {
    // SAFETY: a plain pointer read of a field the loader wrote before calling load.
    unsafe { std::ptr::read_volatile(&raw const (*MODULE_INFO.get()).self_) }
}

unsafe extern "C" fn load_module() -> LoadResult {
    guarded("module load", LoadResult::AST_MODULE_LOAD_DECLINE, || {
        install_panic_hook();
        match runtime::start(module_self()) {
            Ok(()) => {
                host_log!(
                    Level::Verbose,
                    "res_secast {} running",
                    crate::status::VERSION
                );
                LoadResult::AST_MODULE_LOAD_SUCCESS
            }
            Err(why) => {
                // DECLINE, not FAILURE: FAILURE at start-up makes Asterisk exit.
                host_log!(Level::Error, "res_secast not started: {why}");
                LoadResult::AST_MODULE_LOAD_DECLINE
            }
        }
    })
}

unsafe extern "C" fn unload_module() -> c_int {
    guarded("module unload", -1, || {
        runtime::stop();
        0
    })
}

unsafe extern "C" fn reload_module() -> c_int {
    guarded(
        "module reload",
        -1,
        || if runtime::reload() { 0 } else { -1 },
    )
}
