//! Who is told about decisions once they are durable: the host layer logs them and sends AMI
//! events; tests use [`NoNotifier`].

use crate::decision::{Alert, Ban, UnbanReason};

/// Told about every ban, unban and alert once it is on disk (AMI events, log lines).
pub trait Notifier: Send + Sync {
    fn banned(&self, ban: &Ban);
    fn unbanned(&self, ban: &Ban, why: UnbanReason);
    fn alert(&self, alert: &Alert);
}

pub struct NoNotifier;

impl Notifier for NoNotifier {
    fn banned(&self, _: &Ban) {}
    fn unbanned(&self, _: &Ban, _: UnbanReason) {}
    fn alert(&self, _: &Alert) {}
}
