//! Asterisk's SIGCHLD handler reaps every child process; a handler's program must be waited
//! for by us, so the handler is replaced while one runs (see `enforce::handlers::ChildReaping`).

use super::sys;
use crate::enforce::handlers::ChildReaping;

pub struct AsteriskReaping;

impl ChildReaping for AsteriskReaping {
    fn suspend(&self) {
        // SAFETY: no arguments; Asterisk counts nested replacements under its own lock.
        unsafe { sys::ast_replace_sigchld() }
    }

    fn resume(&self) {
        // SAFETY: paired with one earlier suspend, as the contract of ast_replace_sigchld asks.
        unsafe { sys::ast_unreplace_sigchld() }
    }
}
