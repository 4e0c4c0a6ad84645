//! PJSIP's live objects, read through its sorcery instance: for the audit (every field) and
//! for the protection of what the PBX depends on (only the fields that name addresses).
//!
//! `ast_sip_get_sorcery` lives in res_pjsip.so, not in the asterisk binary, so it is looked up
//! at every read with `dlsym(RTLD_DEFAULT, …)`: res_secast then loads and runs without
//! res_pjsip, and notices a res_pjsip loaded later (the function returns NULL until res_pjsip
//! has started). Every object comes back with a reference that is dropped as soon as its
//! fields are copied. Sorcery objects are immutable snapshots (a reload replaces them), so no
//! object lock is needed. This runs on res_secast's own threads, never on Asterisk's.

use std::ffi::{CStr, c_char, c_void};

use super::sys;

type GetSorcery = unsafe extern "C" fn() -> *mut sys::ast_sorcery;

const FILE: &CStr = c"host/ffi/sorcery.rs";
const FUNC: &CStr = c"sorcery";
/// Objects read per type at most: a bound whatever the configuration holds.
const MAX_OBJECTS_PER_TYPE: usize = 100_000;
/// Longest field value copied.
const MAX_VALUE: usize = 4096;

/// One object: its id and the fields that were asked for, values as sorcery prints them
/// (lists one value per line).
pub struct SorceryObject {
    pub id: String,
    pub fields: Vec<(String, Vec<u8>)>,
}

/// res_pjsip's sorcery, if res_pjsip is running.
fn pjsip_sorcery() -> Option<*mut sys::ast_sorcery> {
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
    (!sorcery.is_null()).then_some(sorcery)
}

/// Every PJSIP object of type `kind`, with the fields `keep` wants. None when res_pjsip is
/// not running; `Some(None)` for a type no loaded module registered.
pub fn pjsip_objects(
    kind: &CStr,
    keep: &dyn Fn(&str) -> bool,
) -> Option<Option<Vec<SorceryObject>>> {
    let sorcery = pjsip_sorcery()?;
    // SAFETY: sorcery is live (res_pjsip holds it for as long as it is loaded, and our
    // optional_modules reference keeps it loaded); the type name is NUL-terminated.
    Some(unsafe { objects(sorcery, kind, keep) })
}

unsafe fn objects(
    sorcery: *mut sys::ast_sorcery,
    kind: &CStr,
    keep: &dyn Fn(&str) -> bool,
) -> Option<Vec<SorceryObject>> {
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
            if list.len() < MAX_OBJECTS_PER_TYPE {
                list.push(copy(sorcery, obj, keep));
            }
            unref(obj);
        }
        sys::ao2_iterator_destroy(&mut it);
        unref(container.cast());
    }
    Some(list)
}

/// The object's id and wanted fields. Fields not asked for (some objects hold secrets) are
/// never copied.
unsafe fn copy(
    sorcery: *mut sys::ast_sorcery,
    obj: *mut c_void,
    keep: &dyn Fn(&str) -> bool,
) -> SorceryObject {
    // SAFETY: a live object (we hold a reference) of a live sorcery; the variable list is
    // new, ours, read before it is destroyed once.
    unsafe {
        let id = text(sys::ast_sorcery_object_get_id(obj));
        let set = sys::ast_sorcery_objectset_create2(
            sorcery,
            obj,
            sys::ast_sorcery_field_handler_flags::AST_HANDLER_PREFER_LIST,
        );
        let mut fields = Vec::new();
        let mut var = set;
        while !var.is_null() {
            let v = &*var;
            let name = text(v.name);
            if keep(&name) {
                let value: &[u8] = if v.value.is_null() {
                    &[]
                } else {
                    CStr::from_ptr(v.value).to_bytes()
                };
                fields.push((name, value[..value.len().min(MAX_VALUE)].to_vec()));
            }
            var = v.next;
        }
        if !set.is_null() {
            sys::ast_variables_destroy(set);
        }
        SorceryObject { id, fields }
    }
}

/// Deletes the PJSIP object `kind`/`id` (a contact: what res_pjsip's own
/// `ast_sip_location_delete_contact` does). False when it is gone already or res_pjsip does
/// not run.
pub fn delete_pjsip_object(kind: &CStr, id: &str) -> bool {
    let Some(sorcery) = pjsip_sorcery() else {
        return false;
    };
    let Ok(id) = std::ffi::CString::new(id) else {
        return false;
    };
    // SAFETY: a live sorcery (see pjsip_objects); the object comes back with a reference we
    // drop after the delete.
    unsafe {
        let obj = sys::ast_sorcery_retrieve_by_id(sorcery, kind.as_ptr(), id.as_ptr());
        if obj.is_null() {
            return false;
        }
        let deleted = sys::ast_sorcery_delete(sorcery, obj) == 0;
        unref(obj);
        deleted
    }
}

/// Drops one reference we hold on an ao2 object.
unsafe fn unref(obj: *mut c_void) {
    // SAFETY: the caller holds the reference being given up.
    unsafe {
        sys::__ao2_ref(
            obj,
            -1,
            std::ptr::null(),
            FILE.as_ptr(),
            line!() as i32,
            FUNC.as_ptr(),
        );
    }
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated string owned by the object or variable being copied, alive
    // until after this copy.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}
