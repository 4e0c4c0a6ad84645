//! The module as Asterisk's loader sees it: the info record, its registration at dlopen, and
//! the load / unload / reload entries.

use std::ffi::c_int;

use super::entry::{asterisk_entry, install_panic_hook};
use super::log::host_log;
use super::module_handle::ModuleHandle;
use super::owned_static::AsteriskOwned;
use super::sys::{self, ast_module_load_result as LoadResult};
use crate::host::runtime;
use crate::util::asterisk_license_key::ASTERISK_GPL_KEY;
use crate::util::log::Level;

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
        // Not required (the module works without PJSIP), but while both are loaded our
        // reference keeps res_pjsip from being unloaded under a read of its objects.
        optional_modules: c"res_pjsip".as_ptr(),
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
static REGISTER_AT_DLOPEN: unsafe extern "C" fn() = register_with_loader;

#[used]
#[unsafe(link_section = ".fini_array")]
static UNREGISTER_AT_EXIT: unsafe extern "C" fn() = unregister_from_loader;

asterisk_entry! {
    fn register_with_loader(), on_panic = (), {
        // SAFETY: MODULE_INFO is a static that outlives the process's use of it. Nothing else
        // is done here: the loader holds its module-list lock while constructors run.
        unsafe { sys::ast_module_register(MODULE_INFO.get()) };
    }
}

asterisk_entry! {
    fn unregister_from_loader(), on_panic = (), {
        // SAFETY: as above; runs at process exit since the image is never unmapped earlier.
        unsafe { sys::ast_module_unregister(MODULE_INFO.get()) };
    }
}

/// Our module, as the loader stored it (AST_MODULE_SELF).
fn module_self() -> ModuleHandle {
    // SAFETY: a plain pointer read of a field the loader wrote before calling load.
    ModuleHandle(unsafe { std::ptr::read_volatile(&raw const (*MODULE_INFO.get()).self_) })
}

asterisk_entry! {
    fn load_module() -> LoadResult, on_panic = LoadResult::AST_MODULE_LOAD_DECLINE, {
        install_panic_hook();
        match runtime::start(module_self()) {
            Ok(()) => {
                host_log!(
                    Level::Verbose,
                    "res_secast {} running",
                    crate::admin::version::VERSION
                );
                LoadResult::AST_MODULE_LOAD_SUCCESS
            }
            Err(why) => {
                // DECLINE, not FAILURE: FAILURE at start-up makes Asterisk exit.
                host_log!(Level::Error, "res_secast not started: {why}");
                LoadResult::AST_MODULE_LOAD_DECLINE
            }
        }
    }
}

asterisk_entry! {
    fn unload_module() -> c_int, on_panic = -1, {
        runtime::stop();
        0
    }
}

asterisk_entry! {
    fn reload_module() -> c_int, on_panic = -1, {
        if runtime::reload() { 0 } else { -1 }
    }
}
