//! SECAST_CALLCHECK's answer.

use std::fmt;

use super::destination::Destination;
use super::slot::Slot;
use crate::decision::FraudAlert;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Warn,
    Deny,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Allow => "ALLOW",
            Verdict::Warn => "WARN",
            Verdict::Deny => "DENY",
        })
    }
}

#[derive(Debug)]
pub struct CheckOutcome {
    pub verdict: Verdict,
    /// Empty for ALLOW; otherwise the reason the AMI event gives too.
    pub reason: String,
    /// The concurrency slot reserved for an allowed call: attach it to the channel, whose end
    /// releases it. None for a refused call (nothing was counted).
    pub slot: Option<Slot>,
    /// What to tell the admin (rate-limited per account and finding).
    pub alerts: Vec<FraudAlert>,
    pub destination: Destination,
}

/// One call to check.
#[derive(Debug, Clone, Copy)]
pub struct CheckRequest<'a> {
    pub account: &'a str,
    pub address: Option<std::net::IpAddr>,
    pub dialled: &'a str,
    /// The caller channel's uniqueid: the passive watch then knows this call was counted.
    pub channel: Option<&'a str>,
}
