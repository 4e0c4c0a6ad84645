//! The hand-over from Asterisk's threads to the engine worker.
//!
//! Asterisk's stasis thread calls [`Ingress::submit`], which never blocks: if the bounded queue
//! is full the event is dropped and counted. Blocking there would back up Asterisk's
//! taskprocessor, and at 500 queued messages Asterisk raises a global overload alert that makes
//! PJSIP ignore new requests — a denial of service of our own making.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crossbeam_channel::Sender;

use super::envelope::Envelope;
use super::ingress_counters::IngressCounters;
use super::shared::Shared;
use crate::intake::RawEvent;

/// The sending side, owned by the stasis subscription.
pub struct Ingress {
    pub(super) tx: Sender<Envelope>,
    pub(super) shared: Arc<Shared>,
}

impl Ingress {
    /// Queues an event without waiting. Returns false when it was dropped.
    pub fn submit(&self, raw: RawEvent, received: Instant) -> bool {
        let shared = &self.shared;
        let counters = &shared.ingress;
        // The bound is ours rather than the channel's: a bounded channel reserves all its slots
        // up front, and glibc keeps such a block cached per malloc arena after unload, which
        // reads as memory growth across module reloads. The stasis thread is the only producer,
        // so nothing can slip in between the check and the send.
        if shared.queue_depth() >= shared.queue_capacity as u64 {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        counters.submitted.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(Envelope::Event { raw, received }).is_err() {
            // The worker is gone (module stopping): the event was not queued after all.
            counters.submitted.fetch_sub(1, Ordering::Relaxed);
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    pub fn counters(&self) -> &IngressCounters {
        &self.shared.ingress
    }
}
