//! The manager interface (AMI): our events in the `security` class, and the `SecAst*` actions
//! of [`crate::admin::ami_actions`], registered with one guarded entry that renders their
//! answers on the session.
//!
//! Every text reaching the wire is one line: events and answers blank control characters, so
//! no CR/LF can split the manager protocol. Every printf-style call gets the constant "%s".

use std::ffi::{CStr, CString, c_int};
use std::fmt::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::entry::asterisk_entry;
use super::module_handle::ModuleHandle;
use super::sys;
use crate::admin::ami_actions::{AmiAnswer, AmiPrivilege, actions, ami_value, find};
use crate::host::state;

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

fn authority(p: AmiPrivilege) -> c_int {
    let security = sys::secast_manager_event_flag::SECAST_EVENT_FLAG_SECURITY as c_int;
    match p {
        AmiPrivilege::Change => security,
        AmiPrivilege::Query => {
            security | sys::secast_manager_event_flag::SECAST_EVENT_FLAG_REPORTING as c_int
        }
    }
}

/// Registers every action. Asterisk keeps the name pointers (static C strings) and copies the
/// help texts; a non-empty synopsis keeps it from looking for XML documentation.
pub fn register_actions(module: ModuleHandle) -> bool {
    let mut ok = true;
    for a in actions() {
        // SAFETY: the name, synopsis and description are 'static C strings; `action` is a
        // guarded entry with the signature Asterisk calls; the module handle is ours.
        let rc = unsafe {
            sys::ast_manager_register2(
                a.name.as_ptr(),
                authority(a.privilege),
                Some(action),
                module.0,
                a.synopsis.as_ptr(),
                a.description.as_ptr(),
            )
        };
        ok &= rc == 0;
    }
    ok
}

/// Unregisters every action. Asterisk does not wait for one in progress; it finds the module
/// stopped and answers so.
pub fn unregister_actions() {
    for a in actions() {
        // SAFETY: unregistering a name Asterisk does not know is a harmless no-op.
        unsafe {
            sys::ast_manager_unregister(a.name.as_ptr());
        }
    }
}

/// One header of the request ("" when absent).
///
/// # Safety
/// `m` is the message Asterisk passed to the running action.
unsafe fn header(m: *const sys::message, name: &str) -> String {
    let Ok(name) = CString::new(name) else {
        return String::new();
    };
    // SAFETY: per the caller; astman_get_header only reads `var` and never returns NULL, the
    // result pointing into the message for the duration of the action.
    let value = unsafe { sys::astman_get_header(m, name.as_ptr().cast_mut()) };
    if value.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated header value, valid during the action.
    unsafe { CStr::from_ptr(value) }
        .to_string_lossy()
        .into_owned()
}

fn c_text(text: &str) -> CString {
    CString::new(ami_value(text)).unwrap_or_default()
}

/// Appends one complete block (ends with the blank line) with the constant format "%s".
///
/// # Safety
/// `s` is the live session of the running action.
unsafe fn append(s: *mut sys::mansession, block: &str) {
    let text = CString::new(block.replace('\0', " ")).unwrap_or_default();
    // SAFETY: per the caller; constant "%s" with one valid string.
    unsafe { sys::astman_append(s, c"%s".as_ptr(), text.as_ptr()) };
}

fn headers_text(headers: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in headers {
        let _ = write!(out, "{k}: {}\r\n", ami_value(v));
    }
    out
}

/// Writes `answer` on the session: exactly one response (and, for a list, its events).
///
/// # Safety
/// `s` and `m` are the session and message of the running action.
unsafe fn send(s: *mut sys::mansession, m: *const sys::message, answer: &AmiAnswer) {
    // SAFETY: per the caller.
    let action_id = ami_value(&unsafe { header(m, "ActionID") });
    let id_line = if action_id.is_empty() {
        String::new()
    } else {
        format!("ActionID: {action_id}\r\n")
    };
    match answer {
        AmiAnswer::Error(text) => {
            let text = c_text(text);
            // SAFETY: per the caller; Asterisk prints `error` as data (`Message: %s`).
            unsafe { sys::astman_send_error(s, m, text.as_ptr().cast_mut()) };
        }
        AmiAnswer::Success { message, headers } if headers.is_empty() => {
            let text = c_text(message);
            // SAFETY: as above.
            unsafe { sys::astman_send_ack(s, m, text.as_ptr().cast_mut()) };
        }
        AmiAnswer::Success { message, headers } => {
            let block = format!(
                "Response: Success\r\n{id_line}Message: {}\r\n{}\r\n",
                ami_value(message),
                headers_text(headers)
            );
            // SAFETY: per the caller.
            unsafe { append(s, &block) };
        }
        AmiAnswer::List {
            message,
            event,
            items,
            complete,
        } => {
            let message = c_text(message);
            let complete = c_text(complete);
            // SAFETY: per the caller; the strings outlive the calls, which only read them.
            unsafe {
                sys::astman_send_listack(
                    s,
                    m,
                    message.as_ptr().cast_mut(),
                    c"start".as_ptr().cast_mut(),
                );
                for item in items {
                    // Asterisk adds the ActionID only to the first and last message of a
                    // list; every item carries it too, so a client can tell lists apart.
                    let block = format!("Event: {event}\r\n{id_line}{}\r\n", headers_text(item));
                    append(s, &block);
                }
                let count = c_int::try_from(items.len()).unwrap_or(c_int::MAX);
                sys::astman_send_list_complete_start(s, m, complete.as_ptr(), count);
                sys::astman_send_list_complete_end(s);
            }
        }
    }
}

asterisk_entry! {
    /// Every SecAst* action: Asterisk names the action in the request's `Action` header. Runs
    /// on the AMI session's own thread; ban and unban wait (bounded) for the ledger there.
    fn action(s: *mut sys::mansession, m: *const sys::message) -> c_int,
    on_panic = 0,
    {
        // SAFETY: s and m are the live session and message of this call.
        let get = |name: &str| unsafe { header(m, name) };
        let answer = match find(&get("Action")) {
            None => AmiAnswer::Error("unknown res_secast action".to_owned()),
            // A panic in an action still answers the client, which would otherwise wait.
            Some(a) => catch_unwind(AssertUnwindSafe(|| {
                state::with_shared_opt(|shared| (a.run)(&get, shared))
            }))
            .unwrap_or_else(|_| AmiAnswer::Error("internal error (see the log)".to_owned())),
        };
        // SAFETY: as above; nothing of s or m is kept after this returns.
        unsafe { send(s, m, &answer) };
        0
    }
}
