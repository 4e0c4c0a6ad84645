//! Who is told about decisions once they are durable: the host layer logs them and sends AMI
//! events; tests use [`NoNotifier`].

use std::net::IpAddr;

use crate::decision::{Alert, AuditSummary, Ban, FraudAlert, UnbanReason};

/// Told about every ban, unban and alert once it is on disk (AMI events, log lines).
pub trait Notifier: Send + Sync {
    fn banned(&self, ban: &Ban);
    /// A ban in force whose record is not on disk yet (the ledger cannot be written): told
    /// now rather than when the disk comes back, so that it can say so (AMI `Durable: no`).
    fn banned_not_durable(&self, ban: &Ban) {
        self.banned(ban);
    }
    fn unbanned(&self, ban: &Ban, why: UnbanReason);
    fn alert(&self, alert: &Alert);
    fn fraud(&self, _fraud: &FraudAlert) {}
    fn audit(&self, _summary: &AuditSummary) {}
    /// Remove the contacts `account` registered from `source` (the host does it on an
    /// Asterisk thread).
    fn remove_contacts(&self, _account: &str, _source: IpAddr) {}
}

pub struct NoNotifier;

impl Notifier for NoNotifier {
    fn banned(&self, _: &Ban) {}
    fn unbanned(&self, _: &Ban, _: UnbanReason) {}
    fn alert(&self, _: &Alert) {}
}

/// Tells every notifier in turn: the log and AMI, event handlers, the cluster each add one.
pub struct Fanout(pub Vec<std::sync::Arc<dyn Notifier>>);

impl Notifier for Fanout {
    fn banned(&self, ban: &Ban) {
        self.0.iter().for_each(|n| n.banned(ban));
    }
    fn banned_not_durable(&self, ban: &Ban) {
        self.0.iter().for_each(|n| n.banned_not_durable(ban));
    }
    fn unbanned(&self, ban: &Ban, why: UnbanReason) {
        self.0.iter().for_each(|n| n.unbanned(ban, why));
    }
    fn alert(&self, alert: &Alert) {
        self.0.iter().for_each(|n| n.alert(alert));
    }
    fn fraud(&self, fraud: &FraudAlert) {
        self.0.iter().for_each(|n| n.fraud(fraud));
    }
    fn audit(&self, summary: &AuditSummary) {
        self.0.iter().for_each(|n| n.audit(summary));
    }
    fn remove_contacts(&self, account: &str, source: IpAddr) {
        self.0
            .iter()
            .for_each(|n| n.remove_contacts(account, source));
    }
}
