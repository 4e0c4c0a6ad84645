//! What the engine side sends the enforcer.

use std::time::Instant;

use crate::decision::{Ack, Action, Ban};

pub enum Order {
    Act {
        actions: Vec<Action>,
        ack: Option<Ack>,
        /// When the engine decided, for the decision-to-kernel latency.
        decided: Instant,
    },
    /// Bans in force from the ledger, to put (back) into the kernel.
    Restore(Vec<Ban>),
    Shutdown,
}
