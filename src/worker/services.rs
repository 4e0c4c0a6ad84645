//! What the engine worker starts with besides its configuration.

use std::net::IpAddr;
use std::sync::Arc;

use crossbeam_channel::Sender;
use ipnet::IpNet;

use super::protection_refresh::ProtectionReaders;
use crate::audit::AuditDesk;
use crate::cluster::Hub;
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
    /// Where `secast audit` asks for a report; None when nothing audits (tests).
    pub audit: Option<Arc<AuditDesk>>,
    /// The cluster's hub when `[cluster]` may run: failures and logins go there, and what the
    /// cluster reports comes back as commands.
    pub cluster: Option<Arc<Hub>>,
    /// What is read again and again to protect what the PBX depends on (host addresses,
    /// resolvers, gateways, PJSIP peers); None: nothing is (tests).
    pub protection: Option<ProtectionReaders>,
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
            audit: None,
            cluster: None,
            protection: None,
        }
    }
}
