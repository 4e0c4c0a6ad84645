//! The PJSIP functions the sensor calls, looked up at run time. res_secast links none of them
//! (`nm -D --undefined-only res_secast.so | grep -E 'ast_sip|pj'` is empty): res_pjsip.so's
//! are there only while res_pjsip runs, and pjproject's come with it (libasteriskpj). So the
//! module loads and runs on an AMI-only box; only the sensor needs them, and it is off there.
//!
//! They are looked up only once `ast_module_check("res_pjsip.so")` says res_pjsip is loaded
//! and `ast_sip_get_pjsip_endpoint()` returns its endpoint (NULL until res_pjsip started).

use std::ffi::{CStr, c_char, c_void};

use super::sys;

type RegisterService = unsafe extern "C" fn(*mut sys::pjsip_module) -> i32;
type UnregisterService = unsafe extern "C" fn(*mut sys::pjsip_module);
type PushTaskWaitServant = unsafe extern "C" fn(
    *mut sys::ast_taskprocessor,
    Option<unsafe extern "C" fn(*mut c_void) -> i32>,
    *mut c_void,
    *const c_char,
    i32,
    *const c_char,
) -> i32;
type CreateRdata = unsafe extern "C" fn(
    *mut sys::pjsip_rx_data,
    *mut c_char,
    *const c_char,
    i32,
    *mut c_char,
    *const c_char,
    i32,
) -> i32;
type GetVersion = unsafe extern "C" fn() -> *const c_char;
type CreatePool = unsafe extern "C" fn(
    *mut sys::pjsip_endpoint,
    *const c_char,
    usize,
    usize,
) -> *mut sys::pj_pool_t;
type ReleasePool = unsafe extern "C" fn(*mut sys::pjsip_endpoint, *mut sys::pj_pool_t);
type RespondStateless = unsafe extern "C" fn(
    *mut sys::pjsip_endpoint,
    *mut sys::pjsip_rx_data,
    i32,
    *const sys::pj_str_t,
    *const sys::pjsip_hdr,
    *const sys::pjsip_msg_body,
) -> i32;
type GetEndpoint = unsafe extern "C" fn() -> *mut sys::pjsip_endpoint;

/// Function pointers into res_pjsip and Asterisk's pjproject.
#[derive(Clone, Copy)]
pub struct PjsipApi {
    pub register_service: RegisterService,
    pub unregister_service: UnregisterService,
    pub push_task_wait_servant: PushTaskWaitServant,
    pub create_rdata: CreateRdata,
    pub get_version: GetVersion,
    pub create_pool: CreatePool,
    pub release_pool: ReleasePool,
    pub respond_stateless: RespondStateless,
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

/// The function `name`, as the C type `F` (which tests/abi/probe_pjsip.c checks against
/// res_pjsip.h and pjproject's headers).
macro_rules! function {
    ($name:literal as $ty:ty) => {{
        let p = lookup($name)?;
        // SAFETY: p is the exported function of that name; its C type is $ty (see above), and a
        // function pointer has the size of a data pointer on this platform.
        unsafe { std::mem::transmute::<*mut c_void, $ty>(p) }
    }};
}

/// Every function the sensor needs, or why not.
pub fn resolve() -> Result<PjsipApi, String> {
    if !res_pjsip_loaded() {
        return Err("res_pjsip is not loaded".to_owned());
    }
    let get_endpoint = function!(c"ast_sip_get_pjsip_endpoint" as GetEndpoint);
    // SAFETY: takes nothing; returns res_pjsip's endpoint or NULL before it started.
    let endpoint = unsafe { get_endpoint() };
    if endpoint.is_null() {
        return Err("res_pjsip has no SIP endpoint (not started)".to_owned());
    }
    Ok(PjsipApi {
        register_service: function!(c"ast_sip_register_service" as RegisterService),
        unregister_service: function!(c"ast_sip_unregister_service" as UnregisterService),
        push_task_wait_servant: function!(
            c"__ast_sip_push_task_wait_servant" as PushTaskWaitServant
        ),
        create_rdata: function!(c"ast_sip_create_rdata" as CreateRdata),
        get_version: function!(c"pj_get_version" as GetVersion),
        create_pool: function!(c"pjsip_endpt_create_pool" as CreatePool),
        release_pool: function!(c"pjsip_endpt_release_pool" as ReleasePool),
        respond_stateless: function!(c"pjsip_endpt_respond_stateless" as RespondStateless),
        endpoint,
    })
}
