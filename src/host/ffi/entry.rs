//! The one way in from Asterisk. Rust panics must never unwind into C (that aborts the PBX):
//! every `extern "C"` function Asterisk can call is defined with [`asterisk_entry!`], which
//! wraps its body in [`guarded`]: a panic is caught, reported in Asterisk's log, and the entry
//! returns the value that tells Asterisk "that did not work". A test
//! (`tests/layout_rules.rs`) fails if an `extern "C" fn` is defined any other way.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use super::log::log_at;
use crate::util::log::Level;

/// Runs `body` for the Asterisk entry point `entry`; on panic logs and returns `on_panic`.
pub fn guarded<R>(entry: &str, on_panic: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(_) => {
            log_at(
                Level::Error,
                c"guard",
                0,
                c"res_secast",
                &format!("{entry} failed with an internal error (panic above); Asterisk continues"),
            );
            on_panic
        }
    }
}

thread_local! {
    /// Set while a `quiet` entry runs: its panics are reported by the entry itself, once.
    /// A plain Cell (no destructor), so no TLS destructor ties the image to the thread.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}
/// The panic hook reports the first panic of a quiet entry (where it happened), no other.
static QUIET_PANIC_REPORTED: AtomicBool = AtomicBool::new(false);

/// [`guarded`] for entries called per packet (the PJSIP sensor): a panic is not logged by the
/// guard but handed to `on_panic`, which decides (the sensor logs the first one only).
pub fn guarded_quiet<R>(on_panic: impl FnOnce() -> R, body: impl FnOnce() -> R) -> R {
    QUIET.with(|q| q.set(true));
    let result = catch_unwind(AssertUnwindSafe(body));
    QUIET.with(|q| q.set(false));
    match result {
        Ok(r) => r,
        Err(_) => on_panic(),
    }
}

/// Defines an `extern "C"` function Asterisk calls, its body run under [`guarded`]:
///
/// ```ignore
/// asterisk_entry! {
///     /// Docs.
///     fn unload_module() -> c_int, on_panic = -1, { runtime::stop(); 0 }
/// }
/// ```
///
/// The function is an `unsafe extern "C" fn`, what Asterisk's function pointer types expect.
macro_rules! asterisk_entry {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)?,
        on_panic = $fail:expr,
        quiet,
        $body:block
    ) => {
        $(#[$meta])*
        $vis unsafe extern "C" fn $name ($($arg: $ty),*) $(-> $ret)? {
            $crate::host::ffi::entry::guarded_quiet(|| $fail, || $body)
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)?,
        on_panic = $fail:expr,
        $body:block
    ) => {
        $(#[$meta])*
        $vis unsafe extern "C" fn $name ($($arg: $ty),*) $(-> $ret)? {
            $crate::host::ffi::entry::guarded(stringify!($name), $fail, || $body)
        }
    };
}
pub(crate) use asterisk_entry;

/// Sends panic messages to Asterisk's log instead of Asterisk's stderr, where nobody looks.
/// The image is never unmapped (NODELETE), so the hook stays valid for the process's life.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            if QUIET.with(|q| q.get()) && QUIET_PANIC_REPORTED.swap(true, Ordering::Relaxed) {
                return;
            }
            let what = if let Some(s) = info.payload().downcast_ref::<&str>() {
                (*s).to_owned()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "unknown panic".to_owned()
            };
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_else(|| "unknown place".to_owned());
            log_at(
                Level::Error,
                c"panic",
                0,
                c"res_secast",
                &format!(
                    "panic at {place}: {}",
                    crate::util::escape::untrusted(what.as_bytes(), 512)
                ),
            );
        }));
    });
}
