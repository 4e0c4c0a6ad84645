//! Our `struct ast_module *` (AST_MODULE_SELF), passed to registrations so that Asterisk can
//! tie CLI commands and functions to this module.

use super::sys;

#[derive(Clone, Copy)]
pub struct ModuleHandle(pub(super) *mut sys::ast_module);

// SAFETY: the pointer is an opaque handle Asterisk owns for the life of the process; we never
// dereference it, only hand it back to Asterisk.
unsafe impl Send for ModuleHandle {}
