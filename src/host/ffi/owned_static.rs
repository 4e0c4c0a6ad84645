//! Statics that Asterisk writes to.

use std::cell::UnsafeCell;

/// Memory handed to Asterisk for as long as the module is loaded (module info, CLI entries,
/// dialplan functions). Asterisk writes into it (the `self` pointer, CLI bookkeeping), so it
/// must be a writable static, and Rust must not assume it knows the contents.
pub struct AsteriskOwned<T>(UnsafeCell<T>);

// SAFETY: the contents are only touched by Asterisk's loader and CLI under their own locks, and
// by our load/unload, which the loader serialises.
unsafe impl<T> Sync for AsteriskOwned<T> {}

impl<T> AsteriskOwned<T> {
    pub const fn new(value: T) -> Self {
        AsteriskOwned(UnsafeCell::new(value))
    }

    pub fn get(&self) -> *mut T {
        self.0.get()
    }
}
