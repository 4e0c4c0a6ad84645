//! Messages into Asterisk's logger. The format string handed to `ast_log` is always the
//! constant "%s": message text (which may quote attacker-controlled values, escaped) is data.

use std::ffi::{CStr, CString, c_int};

use super::sys;
use crate::util::log::{Level, LogSink};

fn level_number(level: Level) -> c_int {
    (match level {
        Level::Debug => sys::secast_log_level::SECAST_LOG_DEBUG,
        Level::Verbose => sys::secast_log_level::SECAST_LOG_VERBOSE,
        Level::Notice => sys::secast_log_level::SECAST_LOG_NOTICE,
        Level::Warning => sys::secast_log_level::SECAST_LOG_WARNING,
        Level::Error => sys::secast_log_level::SECAST_LOG_ERROR,
    }) as c_int
}

/// Asterisk logs DEBUG unconditionally when asked to; its own `ast_debug` checks the core
/// debug level first, and so do we.
pub fn debug_enabled() -> bool {
    // SAFETY: option_debug is an int exported by the asterisk binary; a racy read is what
    // Asterisk's own macros do.
    unsafe { std::ptr::read_volatile(&raw const sys::option_debug) > 0 }
}

/// Logs `message` at `level`, attributed to `file:line function`.
pub fn log_at(level: Level, file: &CStr, line: u32, function: &CStr, message: &str) {
    if level == Level::Debug && !debug_enabled() {
        return;
    }
    // Interior NULs would cut the line short; show them instead.
    let text = CString::new(message.replace('\0', "\\x00")).unwrap_or_default();
    // SAFETY: all pointers are valid NUL-terminated strings for the duration of the call, and
    // the format is the constant "%s" with exactly one string argument.
    unsafe {
        sys::ast_log(
            level_number(level),
            file.as_ptr(),
            line as c_int,
            function.as_ptr(),
            c"%s".as_ptr(),
            text.as_ptr(),
        );
    }
}

/// Logs from host code with the caller's file and line.
macro_rules! host_log {
    ($level:expr, $($arg:tt)+) => {
        $crate::host::ffi::log::log_at(
            $level,
            // SAFETY-free: both literals are NUL-terminated by construction.
            match ::std::ffi::CStr::from_bytes_with_nul(concat!(file!(), "\0").as_bytes()) {
                Ok(f) => f,
                Err(_) => c"res_secast",
            },
            line!(),
            c"res_secast",
            &format!($($arg)+),
        )
    };
}
pub(crate) use host_log;

/// The engine's log, routed to Asterisk.
pub struct AsteriskLog;

impl LogSink for AsteriskLog {
    fn log(&self, level: Level, message: &str) {
        log_at(level, c"engine", 0, c"res_secast", message);
    }

    fn enabled(&self, level: Level) -> bool {
        level != Level::Debug || debug_enabled()
    }
}
