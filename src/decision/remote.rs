//! What the other servers of a cluster report, as the cluster's link hands it to the engine:
//! everything here has already been validated (addresses parsed, names checked, text
//! escaped), and the receiving engine still applies its own whitelist.

use std::net::IpAddr;

use ipnet::IpNet;

use super::ban::Ban;
use crate::util::time::Millis;

/// Failures another server counted for one source since its last batch (50–100 ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFailures {
    pub ip: IpAddr,
    /// Authentication failures outside AMI (`brute_force`, `slow_attack`).
    pub failures: u32,
    /// Failed AMI logins (`ami`, `slow_attack`).
    pub ami_failures: u32,
    /// Hashes of unknown AccountIDs tried (`enumeration`), the engine's own 32-bit hash.
    pub accounts: Vec<u32>,
}

/// The cluster's bans as read from Redis when the link (re)connects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterBans {
    /// Bans in force, each with its origin node.
    pub bans: Vec<Ban>,
    /// Bans lifted by hand on some server, and when.
    pub lifted: Vec<(IpNet, Millis)>,
    /// Offence history: the highest offence number of each source, and when it happened.
    pub offences: Vec<(IpNet, u32, Millis)>,
    /// The networks whose ban in Redis this server wrote: any other ban of its own in force
    /// is missing from the cluster and is published again.
    pub ours: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Remote {
    /// A ban decided on another server (origin `Remote`), with its remaining length.
    Ban(Ban),
    /// A ban lifted by hand on another server at `at`.
    Unban {
        net: IpNet,
        at: Millis,
        node: String,
    },
    /// A batch of failure counts from another server.
    Failures {
        node: String,
        sources: Vec<RemoteFailures>,
    },
    /// What the cluster holds, after a (re)connect: the engine converges to it and says which
    /// of its own bans the cluster is missing.
    Snapshot(ClusterBans),
}
