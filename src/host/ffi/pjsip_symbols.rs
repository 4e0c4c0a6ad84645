//! The PJSIP functions the sensor calls, looked up at run time. res_secast links none of them
//! (`nm -D --undefined-only res_secast.so | grep -E 'ast_sip|pj'` is empty): res_pjsip.so's
//! are there only while res_pjsip runs, and pjproject's come with it (libasteriskpj). So the
//! module loads and runs on an AMI-only box; only the sensor needs them, and it is off there.
//!
//! They are looked up only once `ast_module_check("res_pjsip.so")` says res_pjsip is loaded
//! and `ast_sip_get_pjsip_endpoint()` returns its endpoint (NULL until res_pjsip started).

use std::ffi::{CStr, c_void};

use super::sys;

/// Function pointers into res_pjsip and Asterisk's pjproject.
#[derive(Clone, Copy)]
pub struct PjsipApi {
    pub register_service: unsafe extern "C" fn(*mut sys::pjsip_module) -> i32,
    pub unregister_service: unsafe extern "C" fn(*mut sys::pjsip_module),
    pub push_task_wait_servant: unsafe extern "C" fn(
        *mut sys::ast_taskprocessor,
        Option<unsafe extern "C" fn(*mut c_void) -> i32>,
        *mut c_void,
        *const std::ffi::c_char,
        i32,
        *const std::ffi::c_char,
    ) -> i32,
    pub create_rdata: unsafe extern "C" fn(
        *mut sys::pjsip_rx_data,
        *mut std::ffi::c_char,
        *const std::ffi::c_char,
        i32,
        *mut std::ffi::c_char,
        *const std::ffi::c_char,
        i32,
    ) -> i32,
    pub get_version: unsafe extern "C" fn() -> *const std::ffi::c_char,
    pub create_pool: unsafe extern "C" fn(
        *mut sys::pjsip_endpoint,
        *const std::ffi::c_char,
        usize,
        usize,
    ) -> *mut sys::pj_pool_t,
    pub release_pool: unsafe extern "C" fn(*mut sys::pjsip_endpoint, *mut sys::pj_pool_t),
    pub respond_stateless: unsafe extern "C" fn(
        *mut sys::pjsip_endpoint,
        *mut sys::pjsip_rx_data,
        i32,
        *const sys::pj_str_t,
        *const sys::pjsip_hdr,
        *const sys::pjsip_msg_body,
    ) -> i32,
    /// res_pjsip's endpoint (lives as long as res_pjsip, which our load reference pins).
    pub endpoint: *mut sys::pjsip_endpoint,
}

// SAFETY: plain function pointers and an endpoint pointer PJSIP owns for res_pjsip's life;
// which thread may call what is the caller's business (see pjsip_service).
unsafe impl Send for PjsipApi {}
// SAFETY: as above; nothing here is mutated after lookup.
unsafe impl Sync for PjsipApi {}

fn lookup(name: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: RTLD_DEFAULT searches the global scope, where the loader put res_pjsip's exports
    // (loaded RTLD_GLOBAL) and the asterisk binary's libasteriskpj; the name is NUL-terminated.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    if p.is_null() {
        Err(format!("{} not found", name.to_string_lossy()))
    } else {
        Ok(p)
    }
}

/// Whether res_pjsip is loaded (the loader's answer; it may not have started yet).
pub fn res_pjsip_loaded() -> bool {
    // SAFETY: a lookup in the loader's list by a NUL-terminated name.
    unsafe { sys::ast_module_check(c"res_pjsip.so".as_ptr()) != 0 }
}

/// Every function the sensor needs, or why not.
pub fn resolve() -> Result<PjsipApi, String> {
    if !res_pjsip_loaded() {
        return Err("res_pjsip is not loaded".to_owned());
    }
    type GetEndpoint = unsafe extern "C" fn() -> *mut sys::pjsip_endpoint;
    // SAFETY (all transmutes below): each symbol is the exported function of that name, whose
    // C type tests/abi/probe_pjsip.c checks against res_pjsip.h and pjproject's headers.
    unsafe {
        let get_endpoint: GetEndpoint =
            std::mem::transmute::<*mut c_void, GetEndpoint>(lookup(c"ast_sip_get_pjsip_endpoint")?);
        let endpoint = get_endpoint();
        if endpoint.is_null() {
            return Err("res_pjsip has no SIP endpoint (not started)".to_owned());
        }
        Ok(PjsipApi {
            register_service: std::mem::transmute(lookup(c"ast_sip_register_service")?),
            unregister_service: std::mem::transmute(lookup(c"ast_sip_unregister_service")?),
            push_task_wait_servant: std::mem::transmute(lookup(
                c"__ast_sip_push_task_wait_servant",
            )?),
            create_rdata: std::mem::transmute(lookup(c"ast_sip_create_rdata")?),
            get_version: std::mem::transmute(lookup(c"pj_get_version")?),
            create_pool: std::mem::transmute(lookup(c"pjsip_endpt_create_pool")?),
            release_pool: std::mem::transmute(lookup(c"pjsip_endpt_release_pool")?),
            respond_stateless: std::mem::transmute(lookup(c"pjsip_endpt_respond_stateless")?),
            endpoint,
        })
    }
}
