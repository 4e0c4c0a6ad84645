//! An administrator's request (CLI, AMI), and the channel its answer comes back on once it is
//! durable; or what the other servers of the cluster report ([`Remote`]).

use std::time::Duration;

use crossbeam_channel::Sender;
use ipnet::IpNet;

use super::remote::Remote;

/// Where the answer to a ban/unban goes once it is on disk (or has failed): the text to show.
pub type Ack = Sender<Result<String, String>>;

pub enum Command {
    Ban {
        net: IpNet,
        /// None: permanent.
        length: Option<Duration>,
        reason: String,
        ack: Ack,
    },
    Unban {
        net: IpNet,
        ack: Ack,
    },
    /// From the cluster's link: applied through the engine like a local decision (whitelist,
    /// offence history, ledger, firewall), never published again.
    Remote(Remote),
}
