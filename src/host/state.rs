//! The running module's shared state, as the query side (CLI, dialplan functions) reaches it:
//! an `Arc` clone under a read lock, nothing more.

use std::sync::{Arc, RwLock};

use crate::util::lock::RwLockExt;
use crate::worker::Shared;

static SHARED: RwLock<Option<Arc<Shared>>> = RwLock::new(None);

/// Runs `f` on the running module's shared state; None when not running.
pub fn with_shared<R>(f: impl FnOnce(&Shared) -> R) -> Option<R> {
    let shared = SHARED.read_locked().clone()?;
    Some(f(&shared))
}

/// Runs `f` with the shared state, or with None when the module is not running.
pub fn with_shared_opt<R>(f: impl FnOnce(Option<&Shared>) -> R) -> R {
    let shared = SHARED.read_locked().clone();
    f(shared.as_deref())
}

pub fn set(value: Option<Arc<Shared>>) {
    *SHARED.write_locked() = value;
}
