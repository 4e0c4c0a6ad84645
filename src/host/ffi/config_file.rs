//! Reading `secast.conf` through Asterisk's config API, so that `#include`, `#exec` policy and
//! templates behave as in every other Asterisk config file.

use std::ffi::{CStr, c_char};

use super::sys;
use crate::audit::raw::{RawFile, RawSection, RawVar};
use crate::config::ConfigEntry;

pub const FILE_NAME: &CStr = c"secast.conf";

/// What reading the file gave.
pub enum FileRead {
    Entries(Vec<ConfigEntry>),
    Missing,
    Invalid,
}

fn owned(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: Asterisk hands out NUL-terminated strings owned by the config, alive until
    // ast_config_destroy, which happens after we copy.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

pub fn read() -> FileRead {
    let flags = sys::ast_flags { flags: 0 };
    // SAFETY: both strings are static and NUL-terminated.
    let cfg = unsafe { sys::ast_config_load2(FILE_NAME.as_ptr(), c"res_secast".as_ptr(), flags) };
    // CONFIG_STATUS_FILEMISSING is NULL, CONFIG_STATUS_FILEINVALID is (void*)-2; with no
    // FILEUNCHANGED flag, (void*)-1 cannot come back, but treat it as invalid if it does.
    let addr = cfg as usize;
    if cfg.is_null() {
        return FileRead::Missing;
    }
    if addr == usize::MAX || addr == usize::MAX - 1 {
        return FileRead::Invalid;
    }
    let mut entries = Vec::new();
    // SAFETY: cfg is a valid config until destroyed below; category names are passed back to
    // ast_category_browse exactly as it returned them, as its contract requires.
    unsafe {
        let mut cat = sys::ast_category_browse(cfg, std::ptr::null());
        while !cat.is_null() {
            let section = owned(cat);
            let mut var = sys::ast_variable_browse(cfg, cat);
            while !var.is_null() {
                let v = &*var;
                entries.push(ConfigEntry {
                    section: section.clone(),
                    key: owned(v.name),
                    value: owned(v.value),
                    // Asterisk records the file only for some parse modes; name ours then.
                    file: Some(owned(v.file))
                        .filter(|f| !f.is_empty())
                        .unwrap_or_else(|| FILE_NAME.to_string_lossy().into_owned()),
                    line: u32::try_from(v.lineno).unwrap_or(0),
                });
                var = v.next;
            }
            cat = sys::ast_category_browse(cfg, cat);
        }
        sys::ast_config_destroy(cfg);
    }
    FileRead::Entries(entries)
}

/// CONFIG_FLAG_NOCACHE: an audit's read must not change what a module's next reload sees as
/// "unchanged".
const CONFIG_FLAG_NOCACHE: u32 = 1 << 2;

/// Another module's config file as Asterisk's parser reads it (`#include` and templates
/// resolved, templates themselves left out), for the audit. Values of secret keys are copied
/// straight into [`crate::audit::secret::Secret`]s, never into text.
pub fn read_sections(name: &CStr) -> RawFile {
    let flags = sys::ast_flags {
        flags: CONFIG_FLAG_NOCACHE,
    };
    // SAFETY: both strings are NUL-terminated and outlive the call.
    let cfg = unsafe { sys::ast_config_load2(name.as_ptr(), c"res_secast".as_ptr(), flags) };
    let addr = cfg as usize;
    if cfg.is_null() {
        return RawFile::Missing;
    }
    if addr == usize::MAX || addr == usize::MAX - 1 {
        return RawFile::Invalid;
    }
    let mut sections = Vec::new();
    // SAFETY: as in read(): cfg is valid until destroyed below, and category names go back to
    // ast_category_browse exactly as returned, which also makes ast_variable_browse pick the
    // right one of several same-named sections (pjsip.conf's [1001] endpoint, auth and aor).
    unsafe {
        let mut cat = sys::ast_category_browse(cfg, std::ptr::null());
        while !cat.is_null() {
            let mut section = RawSection::new(&owned(cat));
            let mut var = sys::ast_variable_browse(cfg, cat);
            while !var.is_null() {
                let v = &*var;
                let value: &[u8] = if v.value.is_null() {
                    &[]
                } else {
                    CStr::from_ptr(v.value).to_bytes()
                };
                section.vars.push(RawVar::new(
                    &owned(v.name),
                    value,
                    &owned(v.file),
                    u32::try_from(v.lineno).unwrap_or(0),
                ));
                var = v.next;
            }
            sections.push(section);
            cat = sys::ast_category_browse(cfg, cat);
        }
        sys::ast_config_destroy(cfg);
    }
    RawFile::Sections(sections)
}
