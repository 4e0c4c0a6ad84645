//! PJSIP's live objects, read through its sorcery instance for the audit.
//!
//! `ast_sip_get_sorcery` lives in res_pjsip.so, not in the asterisk binary, so it is looked up
//! at every audit with `dlsym(RTLD_DEFAULT, …)`: res_secast then loads and runs without
//! res_pjsip, and notices a res_pjsip loaded later. Every object comes back with a reference
//! that is dropped as soon as its fields are copied. Sorcery objects are immutable snapshots
//! (a reload replaces them), so no object lock is needed; this runs on the audit thread.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString, c_void};

use super::sys;
use crate::audit::raw::{RawSection, RawVar};

type GetSorcery = unsafe extern "C" fn() -> *mut sys::ast_sorcery;

const FILE: &CStr = c"res_secast/sorcery";
const FUNC: &CStr = c"audit";

/// Objects by type (None for a type no loaded module registered); None when res_pjsip is not
/// loaded or not started.
pub fn pjsip_objects(types: &[&str]) -> Option<BTreeMap<String, Option<Vec<RawSection>>>> {
    // SAFETY: RTLD_DEFAULT searches the global scope, where the loader put res_pjsip's
    // exports (it is loaded with RTLD_GLOBAL); the name is NUL-terminated.
    let symbol = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"ast_sip_get_sorcery".as_ptr()) };
    if symbol.is_null() {
        return None;
    }
    // SAFETY: the symbol is res_pjsip's `struct ast_sorcery *ast_sip_get_sorcery(void)`.
    let get: GetSorcery = unsafe { std::mem::transmute::<*mut c_void, GetSorcery>(symbol) };
    // SAFETY: it takes nothing and returns a static pointer (NULL until res_pjsip started).
    let sorcery = unsafe { get() };
    if sorcery.is_null() {
        return None;
    }
    let mut out = BTreeMap::new();
    for kind in types {
        let Ok(name) = CString::new(*kind) else {
            continue;
        };
        // SAFETY: sorcery is live (res_pjsip holds it for as long as it is loaded, and our
        // optional_modules reference keeps it loaded); the type name is NUL-terminated.
        out.insert((*kind).to_owned(), unsafe { objects(sorcery, &name) });
    }
    Some(out)
}

/// Every object of a type, its fields as sorcery prints them (lists one value per line).
unsafe fn objects(sorcery: *mut sys::ast_sorcery, kind: &CStr) -> Option<Vec<RawSection>> {
    let flags = sys::ast_sorcery_retrieve_flags::AST_RETRIEVE_FLAG_MULTIPLE as u32
        | sys::ast_sorcery_retrieve_flags::AST_RETRIEVE_FLAG_ALL as u32;
    // SAFETY: the caller passes a live sorcery; a type nobody registered gives NULL, zero
    // objects an empty container that we own a reference to.
    let container = unsafe {
        sys::ast_sorcery_retrieve_by_fields(sorcery, kind.as_ptr(), flags, std::ptr::null_mut())
    } as *mut sys::ao2_container;
    if container.is_null() {
        return None;
    }
    let mut list = Vec::new();
    // SAFETY: the iterator takes its own reference on the container and is destroyed before
    // we drop ours; each object it returns carries a reference we drop after copying.
    unsafe {
        let mut it = sys::ao2_iterator_init(container, 0);
        loop {
            let obj = sys::__ao2_iterator_next(
                &mut it,
                std::ptr::null(),
                FILE.as_ptr(),
                line!() as i32,
                FUNC.as_ptr(),
            );
            if obj.is_null() {
                break;
            }
            let id = sys::ast_sorcery_object_get_id(obj);
            let mut section = RawSection::new(&text(id));
            let set = sys::ast_sorcery_objectset_create2(
                sorcery,
                obj,
                sys::ast_sorcery_field_handler_flags::AST_HANDLER_PREFER_LIST,
            );
            let mut var = set;
            while !var.is_null() {
                let v = &*var;
                let value: &[u8] = if v.value.is_null() {
                    &[]
                } else {
                    CStr::from_ptr(v.value).to_bytes()
                };
                section.vars.push(RawVar::new(&text(v.name), value, "", 0));
                var = v.next;
            }
            sys::ast_variables_destroy(set);
            sys::__ao2_ref(
                obj,
                -1,
                std::ptr::null(),
                FILE.as_ptr(),
                line!() as i32,
                FUNC.as_ptr(),
            );
            list.push(section);
        }
        sys::ao2_iterator_destroy(&mut it);
        sys::__ao2_ref(
            container.cast(),
            -1,
            std::ptr::null(),
            FILE.as_ptr(),
            line!() as i32,
            FUNC.as_ptr(),
        );
    }
    Some(list)
}

fn text(p: *const std::ffi::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated string owned by the object or variable being copied, alive
    // until after this copy.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}
