//! Who this Asterisk is: its entity ID (`[options] entityid`, else the MAC of its first
//! ethernet interface) and its `systemname` — what the cluster names a node by.

use std::ffi::CStr;

use super::sys;

/// The entity ID's six bytes (all zero when Asterisk found none).
pub fn entity_id() -> [u8; 6] {
    // SAFETY: ast_eid_default is a 6-byte packed global Asterisk sets at start-up, before
    // modules load; an unaligned read copies it.
    unsafe { std::ptr::read_unaligned(&raw const sys::ast_eid_default).eid }
}

/// `systemname` from asterisk.conf; empty when unset.
pub fn system_name() -> String {
    // SAFETY: a pointer to a static buffer of Asterisk's config paths, set before modules
    // load and never freed.
    let p = unsafe { std::ptr::read_volatile(&raw const sys::ast_config_AST_SYSTEM_NAME) };
    if p.is_null() {
        return String::new();
    }
    // SAFETY: NUL-terminated, owned by Asterisk for the life of the process.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}
