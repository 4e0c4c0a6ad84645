//! What the hand-over from Asterisk's threads counts: atomics only, since Asterisk's threads
//! touch them.

use std::sync::atomic::AtomicU64;

use crate::util::histogram::Histogram;

/// Counters touched on Asterisk's threads: atomics only.
#[derive(Default)]
pub struct IngressCounters {
    pub submitted: AtomicU64,
    pub dropped: AtomicU64,
    /// Messages the callback could not read at all (no payload, no event number).
    pub unreadable: AtomicU64,
    /// Taken off the queue by the worker; `submitted - taken` is the queue depth.
    pub taken: AtomicU64,
    /// Time spent inside the stasis callback, on Asterisk's thread.
    pub callback_cost: Histogram,
}
