//! The cluster's place in the enforcer's notifier fan-out: told of every ban and unban once
//! it is in the kernel and on disk here, it queues this server's own decisions for the others
//! (never a ban or unban that came from the cluster: no echo between servers). It runs on the
//! enforcer thread, so it only queues.

use std::sync::Arc;

use super::hub::{Hub, Outbound};
use crate::decision::{Alert, Ban, UnbanReason};
use crate::enforce::Notifier;
use crate::util::time::wall_clock_ms;

pub struct BanPublisher(pub Arc<Hub>);

impl Notifier for BanPublisher {
    fn banned(&self, ban: &Ban) {
        if ban.origin.is_remote() || !self.0.shares().bans {
            return;
        }
        self.0.publish(Outbound::Ban {
            ban: ban.clone(),
            replay: false,
        });
    }

    fn unbanned(&self, ban: &Ban, why: UnbanReason) {
        // Expiry happens everywhere at the same time; a lift from the cluster is not ours.
        if why != UnbanReason::Manual || !self.0.shares().bans {
            return;
        }
        self.0.publish(Outbound::Unban {
            net: ban.net,
            at: wall_clock_ms(),
        });
    }

    fn alert(&self, _: &Alert) {}
}
