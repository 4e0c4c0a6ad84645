//! Directories Asterisk was configured with.

use std::ffi::CStr;
use std::path::PathBuf;

use super::sys;

/// `astvarlibdir` (`/var/lib/asterisk` on Debian).
pub fn var_lib_dir() -> PathBuf {
    // SAFETY: set by Asterisk at start-up before modules load, never freed.
    let var = unsafe { sys::ast_config_AST_VAR_DIR };
    if var.is_null() {
        return PathBuf::from("/var/lib/asterisk");
    }
    // SAFETY: a NUL-terminated path owned by Asterisk.
    PathBuf::from(
        unsafe { CStr::from_ptr(var) }
            .to_string_lossy()
            .into_owned(),
    )
}
