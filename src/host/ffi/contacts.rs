//! PJSIP registrations as they happen, for the Extension Finder: a sorcery observer on the
//! `contact` type (created on REGISTER, updated on refresh, deleted on unregister and on
//! expiry), and a snapshot of every contact (contacts restored at start-up raise no event).
//!
//! PJSIP's sorcery instance is found by its module name, so res_secast does not link against
//! res_pjsip.so and still loads without PJSIP (registrations are then not shared). The
//! observer runs on sorcery's serializer thread: it copies the contact's fields and queues
//! them.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::{Arc, Mutex, RwLock};

use super::entry::asterisk_entry;
use super::owned_static::AsteriskOwned;
use super::sys;
use crate::cluster::hub::ContactFields;
use crate::cluster::{ContactChange, Hub};
use crate::util::lock::{LockExt, RwLockExt};

/// Fields and bytes copied from one contact (a contact has about 20 short fields).
const MAX_FIELDS: usize = 64;
const MAX_VALUE: usize = 1024;

static OBSERVER: AsteriskOwned<sys::ast_sorcery_observer> =
    AsteriskOwned::new(sys::ast_sorcery_observer {
        created: Some(contact_created),
        updated: Some(contact_updated),
        deleted: Some(contact_deleted),
        loaded: None,
    });

/// Where the observer's callbacks queue (None once closed).
static HUB: RwLock<Option<Arc<Hub>>> = RwLock::new(None);
/// PJSIP's sorcery instance while observed (a reference we hold), as an address.
static SORCERY: Mutex<usize> = Mutex::new(0);

fn sorcery() -> *const sys::ast_sorcery {
    *SORCERY.locked() as *const sys::ast_sorcery
}

/// The observer on PJSIP's contacts; [`ContactFeed::close`] removes it.
pub struct ContactFeed;

impl ContactFeed {
    pub fn open(hub: Arc<Hub>) -> Result<ContactFeed, String> {
        // SAFETY: a plain lookup; the reference it returns is released in close().
        let s = unsafe { sys::ast_sorcery_retrieve_by_module_name(c"res_pjsip".as_ptr()) };
        if s.is_null() {
            return Err("res_pjsip is not loaded: registrations are not shared".to_owned());
        }
        *HUB.write_locked() = Some(hub);
        *SORCERY.locked() = s as usize;
        // SAFETY: OBSERVER is a static that outlives its registration.
        let rc = unsafe { sys::ast_sorcery_observer_add(s, c"contact".as_ptr(), OBSERVER.get()) };
        if rc != 0 {
            release();
            return Err("cannot observe PJSIP contacts: registrations are not shared".to_owned());
        }
        Ok(ContactFeed)
    }

    pub fn close(self) {
        let s = sorcery();
        if !s.is_null() {
            // SAFETY: the same sorcery and observer that were added.
            unsafe { sys::ast_sorcery_observer_remove(s, c"contact".as_ptr(), OBSERVER.get()) };
        }
        release();
    }
}

fn release() {
    *HUB.write_locked() = None;
    let s = std::mem::take(&mut *SORCERY.locked());
    if s != 0 {
        // SAFETY: the reference ast_sorcery_retrieve_by_module_name gave us.
        unsafe {
            sys::__ao2_ref(
                s as *mut c_void,
                -1,
                std::ptr::null(),
                c"res_secast".as_ptr(),
                line!() as c_int,
                c"contacts".as_ptr(),
            );
        }
    }
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated string owned by Asterisk, valid during the call.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_VALUE)]).into_owned()
}

/// The id and fields of a contact object.
unsafe fn copy_contact(
    s: *const sys::ast_sorcery,
    object: *const c_void,
) -> (String, ContactFields) {
    // SAFETY: the object is a live sorcery contact for the duration of the call; the variable
    // list is ours until destroyed here.
    unsafe {
        let id = text(sys::ast_sorcery_object_get_id(object));
        let vars = sys::ast_sorcery_objectset_create2(
            s,
            object,
            sys::ast_sorcery_field_handler_flags::AST_HANDLER_ONLY_STRING,
        );
        let mut fields = Vec::new();
        let mut v = vars;
        while !v.is_null() && fields.len() < MAX_FIELDS {
            fields.push((text((*v).name), text((*v).value)));
            v = (*v).next;
        }
        if !vars.is_null() {
            sys::ast_variables_destroy(vars);
        }
        (id, fields)
    }
}

fn changed(change: ContactChange, object: *const c_void) {
    let Some(hub) = HUB.read_locked().clone() else {
        return;
    };
    let s = sorcery();
    if object.is_null() || s.is_null() {
        return;
    }
    // SAFETY: sorcery hands us a live contact for the callback's duration.
    let (id, fields) = unsafe { copy_contact(s, object) };
    hub.contact(change, id, fields);
}

asterisk_entry! {
    fn contact_created(object: *const c_void), on_panic = (), {
        changed(ContactChange::Created, object);
    }
}

asterisk_entry! {
    fn contact_updated(object: *const c_void), on_panic = (), {
        changed(ContactChange::Updated, object);
    }
}

asterisk_entry! {
    fn contact_deleted(object: *const c_void), on_panic = (), {
        changed(ContactChange::Deleted, object);
    }
}

/// Whether the observer is in place.
pub fn observing() -> bool {
    !sorcery().is_null()
}

/// Every contact PJSIP holds now (called on the cluster thread).
pub fn all_contacts() -> Vec<(String, ContactFields)> {
    let s = sorcery();
    if s.is_null() {
        return Vec::new();
    }
    let mut out: Vec<(String, ContactFields)> = Vec::new();
    // SAFETY: a container we own until the unref; objects are borrowed during the walk.
    unsafe {
        let flags = sys::ast_sorcery_retrieve_flags::AST_RETRIEVE_FLAG_MULTIPLE as u32
            | sys::ast_sorcery_retrieve_flags::AST_RETRIEVE_FLAG_ALL as u32;
        let all = sys::ast_sorcery_retrieve_by_fields(
            s,
            c"contact".as_ptr(),
            flags,
            std::ptr::null_mut(),
        );
        if all.is_null() {
            return out;
        }
        let arg: *mut Vec<(String, ContactFields)> = &mut out;
        sys::__ao2_callback(
            all.cast(),
            sys::search_flags::OBJ_NODATA,
            Some(collect_contact),
            arg.cast(),
            std::ptr::null(),
            c"res_secast".as_ptr(),
            line!() as c_int,
            c"contacts".as_ptr(),
        );
        sys::__ao2_ref(
            all,
            -1,
            std::ptr::null(),
            c"res_secast".as_ptr(),
            line!() as c_int,
            c"contacts".as_ptr(),
        );
    }
    out
}

asterisk_entry! {
    fn collect_contact(obj: *mut c_void, arg: *mut c_void, _flags: c_int) -> c_int,
    on_panic = 0,
    {
        let s = sorcery();
        if obj.is_null() || arg.is_null() || s.is_null() {
            return 0;
        }
        // SAFETY: arg is the Vec all_contacts passed for this walk; obj a live contact.
        unsafe {
            let out = &mut *(arg as *mut Vec<(String, ContactFields)>);
            out.push(copy_contact(s, obj));
        }
        0
    }
}
