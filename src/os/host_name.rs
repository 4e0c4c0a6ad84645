//! This host's name, as event handlers are told it (`SECAST_NODE`).

use std::ffi::CStr;

/// This host's name (`uname` nodename), as handlers are told it in `SECAST_NODE`; works
/// without `/proc`, which a chrooted Asterisk may not have.
pub fn host_name() -> String {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return "localhost".to_owned();
    }
    buf[buf.len() - 1] = 0;
    // SAFETY: NUL-terminated above at the latest.
    let name = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if clean.is_empty() {
        "localhost".to_owned()
    } else {
        clean
    }
}
