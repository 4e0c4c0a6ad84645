//! An administrator's request (CLI, AMI), and the channel its answer comes back on once it is
//! durable.

use std::time::Duration;

use crossbeam_channel::Sender;
use ipnet::IpNet;

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
}
