//! PJSIP's configuration objects, copied out of Asterisk's sorcery: transports, outbound
//! registrations, AORs and identifies, with only the fields that name addresses
//! (research-audit §1).
//!
//! res_pjsip is optional: its sorcery handle comes from `ast_sip_get_sorcery`, looked up
//! with `dlsym(RTLD_DEFAULT, …)` at every read (res_pjsip may load after us, or not at all;
//! the function returns NULL until res_pjsip has loaded). Without it there is nothing to
//! read and `read` says so with None. Our module record names res_pjsip in
//! `optional_modules`, so while we are loaded res_pjsip (whose code frees these objects)
//! cannot be unloaded under a walk.
//!
//! Called on res_secast's protection thread, never on one of Asterisk's: a walk of 25 objects
//! was measured at under a millisecond. Sorcery objects are immutable snapshots, so no object
//! lock is needed. Every object and list is released before the next.

use std::ffi::{CStr, c_char, c_void};

use super::sys;
use crate::intake::{PjsipKind, PjsipObject};

const FILE: &CStr = c"host/ffi/pjsip_objects.rs";
const FUNC: &CStr = c"read";
/// Objects read per type at most (a bound whatever the configuration holds).
const MAX_OBJECTS_PER_TYPE: usize = 100_000;
/// Longest field value copied; an address never needs more.
const MAX_VALUE: usize = 1024;

type GetSorcery = unsafe extern "C" fn() -> *mut sys::ast_sorcery;

fn owned(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated string owned by the object or variable list, alive until we
    // release them, which happens after this copy.
    let s = unsafe { CStr::from_ptr(p) }.to_bytes();
    String::from_utf8_lossy(&s[..s.len().min(MAX_VALUE)]).into_owned()
}

/// res_pjsip's sorcery, if res_pjsip is running.
fn sorcery() -> Option<*mut sys::ast_sorcery> {
    // SAFETY: dlsym with RTLD_DEFAULT searches the global scope (res_pjsip is loaded with
    // GLOBAL_SYMBOLS); the name is NUL-terminated.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"ast_sip_get_sorcery".as_ptr()) };
    if sym.is_null() {
        return None;
    }
    // SAFETY: res_pjsip.h declares `struct ast_sorcery *ast_sip_get_sorcery(void)`.
    let get = unsafe { std::mem::transmute::<*mut c_void, GetSorcery>(sym) };
    // SAFETY: takes nothing, returns a static pointer (NULL before res_pjsip's load).
    let s = unsafe { get() };
    (!s.is_null()).then_some(s)
}

/// Every registration, AOR and identify, with the fields that name addresses; None when
/// res_pjsip is not running.
pub fn read() -> Option<Vec<PjsipObject>> {
    let sorcery = sorcery()?;
    let mut out = Vec::new();
    for kind in PjsipKind::ALL {
        read_type(sorcery, kind, &mut out);
    }
    Some(out)
}

fn read_type(sorcery: *mut sys::ast_sorcery, kind: PjsipKind, out: &mut Vec<PjsipObject>) {
    let type_name = match kind {
        PjsipKind::Transport => c"transport",
        PjsipKind::Registration => c"registration",
        PjsipKind::Aor => c"aor",
        PjsipKind::Identify => c"identify",
    };
    let flags = sys::ast_sorcery_retrieve_flags::AST_RETRIEVE_FLAG_MULTIPLE as u32
        | sys::ast_sorcery_retrieve_flags::AST_RETRIEVE_FLAG_ALL as u32;
    // SAFETY: a live sorcery, a NUL-terminated type name, no field filter. The result is a
    // new container we own one reference to, or NULL for a type no module registered (its
    // module is not loaded).
    let container = unsafe {
        sys::ast_sorcery_retrieve_by_fields(
            sorcery,
            type_name.as_ptr(),
            flags,
            std::ptr::null_mut(),
        )
    } as *mut sys::ao2_container;
    if container.is_null() {
        return;
    }
    // SAFETY: the container is live; the iterator takes its own reference.
    let mut it = unsafe { sys::ao2_iterator_init(container, 0) };
    let mut n = 0;
    loop {
        // SAFETY: a live iterator; each object returned carries a reference we release below.
        let obj = unsafe {
            sys::__ao2_iterator_next(
                &mut it,
                std::ptr::null(),
                FILE.as_ptr(),
                line!() as i32,
                FUNC.as_ptr(),
            )
        };
        if obj.is_null() {
            break;
        }
        if n < MAX_OBJECTS_PER_TYPE {
            out.push(copy_object(sorcery, kind, obj));
            n += 1;
        }
        // SAFETY: releases the reference the iterator gave us.
        unsafe {
            sys::__ao2_ref(
                obj,
                -1,
                std::ptr::null(),
                FILE.as_ptr(),
                line!() as i32,
                FUNC.as_ptr(),
            )
        };
    }
    // SAFETY: the iterator is destroyed once (releasing its container reference), then our
    // own reference to the container is released.
    unsafe {
        sys::ao2_iterator_destroy(&mut it);
        sys::__ao2_ref(
            container as *mut c_void,
            -1,
            std::ptr::null(),
            FILE.as_ptr(),
            line!() as i32,
            FUNC.as_ptr(),
        );
    }
}

fn copy_object(sorcery: *mut sys::ast_sorcery, kind: PjsipKind, obj: *mut c_void) -> PjsipObject {
    // SAFETY: obj is a live sorcery object (we hold a reference); the id belongs to it.
    let id = owned(unsafe { sys::ast_sorcery_object_get_id(obj) });
    let mut fields = Vec::new();
    // SAFETY: a live sorcery and object; the list is new, ours to destroy.
    let vars = unsafe {
        sys::ast_sorcery_objectset_create2(
            sorcery,
            obj,
            sys::ast_sorcery_field_handler_flags::AST_HANDLER_PREFER_LIST,
        )
    };
    let mut v = vars;
    while !v.is_null() {
        // SAFETY: a node of the list we own, read before it is destroyed below.
        let var = unsafe { &*v };
        let name = owned(var.name);
        // Only the fields that name addresses are copied: the rest (some objects hold
        // secrets) never leaves Asterisk.
        if kind.wanted_fields().contains(&name.as_str()) {
            fields.push((name, owned(var.value)));
        }
        v = var.next;
    }
    if !vars.is_null() {
        // SAFETY: destroys the list created above, once.
        unsafe { sys::ast_variables_destroy(vars) };
    }
    PjsipObject { kind, id, fields }
}
