//! The one guard every entry from Asterisk passes through. Rust panics must never unwind into
//! C (that aborts the PBX): a panic is caught, reported in Asterisk's log, and the entry
//! returns the value that tells Asterisk "that did not work".

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use super::logger::log_at;
use crate::log::Level;

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

/// Sends panic messages to Asterisk's log instead of Asterisk's stderr, where nobody looks.
/// The image is never unmapped (NODELETE), so the hook stays valid for the process's life.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
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
                    crate::escape::untrusted(what.as_bytes(), 512)
                ),
            );
        }));
    });
}
