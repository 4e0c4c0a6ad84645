//! What the engine worker starts with besides its configuration.

use std::net::IpAddr;
use std::sync::Arc;

use crossbeam_channel::Sender;
use ipnet::IpNet;

use crate::decision::Ban;
use crate::enforce::handlers::HandlerBoard;
use crate::enforce::{EnforcerStats, Order};
use crate::util::time::{Millis, wall_clock_ms};

pub struct Services {
    /// This host's own addresses (whitelisted by default).
    pub host_addresses: Vec<IpAddr>,
    /// Bans in force and offence history from the ledger.
    pub restored_bans: Vec<Ban>,
    pub restored_offences: Vec<(IpNet, Millis)>,
    /// Where decisions go; None when nothing is enforced (counting only).
    pub enforcer: Option<Sender<Order>>,
    /// The enforcer's counters, for the status report.
    pub enforcer_stats: Option<Arc<EnforcerStats>>,
    /// The event handlers' state, for `secast show handlers`.
    pub handlers: Option<Arc<HandlerBoard>>,
    pub clock: fn() -> Millis,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            host_addresses: Vec::new(),
            restored_bans: Vec::new(),
            restored_offences: Vec::new(),
            enforcer: None,
            enforcer_stats: None,
            handlers: None,
            clock: wall_clock_ms,
        }
    }
}
