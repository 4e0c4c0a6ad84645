//! What a call reached: a counter of a limit at a level, or a restriction; and how it is told
//! (the `FraudAlert` for AMI, the log and event handlers; the same text as SECAST_REASON).

use std::net::IpAddr;

use super::destination::Destination;
use super::policy::Counter;
use crate::decision::{FraudAlert, FraudLevel};
use crate::util::escape::for_log;
use crate::util::time::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The limit's name, or for a restriction what restricted it (stolen_credentials,
    /// distributed, account_risk, address_risk).
    pub rule: String,
    pub counter: Counter,
    pub value: u64,
    pub level: FraudLevel,
    /// The limit says `hangup = yes` (or a restriction with `restrict_hangup = yes`).
    pub hangup: bool,
}

impl Finding {
    /// Identifies the finding for the alert rate limit.
    pub fn gate_key(&self) -> u32 {
        let mut h = super::policy::rule_key(&self.rule);
        h ^= (self.counter as u32) << 8 | (self.level as u32);
        h.wrapping_mul(0x0100_0193)
    }
}

/// Who called what, for the alert.
pub struct CallFacts<'a> {
    pub account: &'a str,
    pub address: Option<IpAddr>,
    pub destination: &'a Destination,
}

pub fn alert(f: &Finding, call: &CallFacts, at: Millis, hang_up: Vec<String>) -> FraudAlert {
    FraudAlert {
        account: for_log(call.account),
        address: call.address,
        destination: call.destination.shown.clone(),
        e164: call.destination.e164().map(str::to_owned),
        country: call.destination.country(),
        class: Some(call.destination.class.clone()),
        counter: f.counter.name().to_owned(),
        value: f.value,
        level: f.level,
        rule: f.rule.clone(),
        at,
        hang_up,
    }
}

/// The most severe finding first (critical before warning; otherwise in limit order).
pub fn worst(findings: &[Finding]) -> Option<&Finding> {
    findings
        .iter()
        .find(|f| f.level == FraudLevel::Critical)
        .or_else(|| findings.first())
}
