//! Events on the manager interface (AMI), in the `security` class.

use std::ffi::{CStr, CString, c_int};
use std::fmt::Write;

use super::sys;

/// Sends one AMI event. Attacker-supplied text in the values was escaped when the ban or alert
/// was made; control characters are blanked here as well so that no CR/LF can ever split the
/// manager protocol. The format string is the constant "%s".
pub fn manager_event(name: &CStr, fields: &[(&str, String)]) {
    let mut body = String::new();
    for (k, v) in fields {
        let clean: String = v
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = write!(body, "{k}: {clean}\r\n");
    }
    let Ok(body) = CString::new(body) else { return };
    // SAFETY: constant format with one valid string; no channels.
    unsafe {
        sys::__ast_manager_event_multichan(
            sys::secast_manager_event_flag::SECAST_EVENT_FLAG_SECURITY as c_int,
            name.as_ptr(),
            0,
            std::ptr::null_mut(),
            c"res_secast".as_ptr(),
            0,
            c"notifier".as_ptr(),
            c"%s".as_ptr(),
            body.as_ptr(),
        );
    }
}
