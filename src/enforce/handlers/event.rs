//! What one handler run is about: a decision, copied with everything a handler is told about
//! it (the risk and country looked up when it was made), in a form the outbox keeps on disk
//! and reads back after a restart.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::config::HandlerAction;
use crate::decision::{Alert, AuditSummary, Ban, FraudAlert, UnbanReason};
use crate::util::time::Millis;

/// A ban, or the end of one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BanFacts {
    pub net: IpNet,
    pub since: Millis,
    /// None: permanent.
    pub until: Option<Millis>,
    pub rule: String,
    pub reason: String,
    pub offence: u32,
    pub risk: Option<u8>,
    pub country: Option<String>,
}

impl BanFacts {
    pub fn of(ban: &Ban, risk: Option<u8>, country: Option<String>) -> BanFacts {
        BanFacts {
            net: ban.net.trunc(),
            since: ban.since,
            until: ban.until,
            rule: ban.origin.label().to_owned(),
            reason: ban.reason.clone(),
            offence: ban.offence,
            risk,
            country,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertFacts {
    pub rule: String,
    pub ip: Option<IpAddr>,
    /// As res_secast shows it: printable ASCII, anything else as `\xNN`.
    pub account: Option<String>,
    pub message: String,
    pub at: Millis,
    pub risk: Option<u8>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FraudFacts {
    pub rule: String,
    pub account: String,
    pub ip: Option<IpAddr>,
    pub destination: String,
    pub e164: Option<String>,
    pub destination_country: Option<String>,
    pub class: Option<String>,
    pub counter: String,
    pub value: u64,
    pub level: String,
    pub at: Millis,
    pub risk: Option<u8>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFacts {
    pub critical: u32,
    pub warning: u32,
    pub info: u32,
    pub at: Millis,
}

/// Why a ban ended, as handlers are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    Manual,
    Expired,
    /// Lifted on another server of the cluster.
    Remote,
    /// Lifted because it may not stand (it covers a protected address).
    Refused,
    /// Found ended at load: it ended (expired or was lifted) while nothing could tell the
    /// handler, or the news was lost in a crash.
    WhileDown,
}

impl Ended {
    pub fn of(why: UnbanReason) -> Ended {
        match why {
            UnbanReason::Manual => Ended::Manual,
            UnbanReason::Expired => Ended::Expired,
            UnbanReason::Remote => Ended::Remote,
            UnbanReason::Refused => Ended::Refused,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Ended::Manual => "manual",
            Ended::Expired => "expired",
            Ended::Remote => "remote",
            Ended::Refused => "refused",
            Ended::WhileDown => "ended_while_down",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Ended::Manual => "ban lifted by the administrator",
            Ended::Expired => "ban expired",
            Ended::Remote => "ban lifted on another server of the cluster",
            Ended::Refused => "ban lifted: it covers an address that may not be banned",
            Ended::WhileDown => "ban ended while res_secast was not running",
        }
    }
}

/// One decision for a handler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HandlerEvent {
    Ban(BanFacts),
    Unban { ban: BanFacts, why: Ended },
    Alert(AlertFacts),
    Fraud(FraudFacts),
    Audit(AuditFacts),
}

impl HandlerEvent {
    pub fn action(&self) -> HandlerAction {
        match self {
            HandlerEvent::Ban(_) => HandlerAction::Ban,
            HandlerEvent::Unban { .. } => HandlerAction::Unban,
            HandlerEvent::Alert(_) => HandlerAction::Alert,
            HandlerEvent::Fraud(_) => HandlerAction::Fraud,
            HandlerEvent::Audit(_) => HandlerAction::Audit,
        }
    }

    /// The network the decision is about: runs about one network are done in order.
    pub fn net(&self) -> Option<IpNet> {
        match self {
            HandlerEvent::Ban(b) | HandlerEvent::Unban { ban: b, .. } => Some(b.net),
            HandlerEvent::Alert(a) => a.ip.map(IpNet::from),
            HandlerEvent::Fraud(f) => f.ip.map(IpNet::from),
            HandlerEvent::Audit(_) => None,
        }
    }

    pub fn rule(&self) -> &str {
        match self {
            HandlerEvent::Ban(b) | HandlerEvent::Unban { ban: b, .. } => &b.rule,
            HandlerEvent::Alert(a) => &a.rule,
            HandlerEvent::Fraud(f) => &f.rule,
            HandlerEvent::Audit(_) => "audit",
        }
    }

    pub fn risk(&self) -> Option<u8> {
        match self {
            HandlerEvent::Ban(b) | HandlerEvent::Unban { ban: b, .. } => b.risk,
            HandlerEvent::Alert(a) => a.risk,
            HandlerEvent::Fraud(f) => f.risk,
            HandlerEvent::Audit(_) => None,
        }
    }

    pub fn country(&self) -> Option<&str> {
        match self {
            HandlerEvent::Ban(b) | HandlerEvent::Unban { ban: b, .. } => b.country.as_deref(),
            HandlerEvent::Alert(a) => a.country.as_deref(),
            HandlerEvent::Fraud(f) => f.country.as_deref(),
            HandlerEvent::Audit(_) => None,
        }
    }

    /// A short description for the log and `secast show handlers`.
    pub fn summary(&self) -> String {
        match self {
            HandlerEvent::Ban(b) => format!("ban {}", b.net),
            HandlerEvent::Unban { ban, .. } => format!("unban {}", ban.net),
            HandlerEvent::Alert(a) => match a.ip {
                Some(ip) => format!("alert {} ({})", ip, a.rule),
                None => format!("alert ({})", a.rule),
            },
            HandlerEvent::Fraud(f) => format!("fraud {} ({})", f.account, f.counter),
            HandlerEvent::Audit(_) => "audit".to_owned(),
        }
    }
}

impl AlertFacts {
    pub fn of(alert: &Alert, risk: Option<u8>, country: Option<String>) -> AlertFacts {
        AlertFacts {
            rule: alert.rule.name().to_owned(),
            ip: alert.ip,
            account: alert.account.clone(),
            message: alert.message.clone(),
            at: alert.at,
            risk,
            country,
        }
    }
}

impl FraudFacts {
    pub fn of(f: &FraudAlert, risk: Option<u8>, country: Option<String>) -> FraudFacts {
        FraudFacts {
            rule: f.rule.clone(),
            account: f.account.clone(),
            ip: f.address,
            destination: f.destination.clone(),
            e164: f.e164.clone(),
            destination_country: f.country.clone(),
            class: f.class.clone(),
            counter: f.counter.clone(),
            value: f.value,
            level: f.level.to_string(),
            at: f.at,
            risk,
            country,
        }
    }
}

impl AuditFacts {
    pub fn of(s: &AuditSummary) -> AuditFacts {
        AuditFacts {
            critical: s.critical,
            warning: s.warning,
            info: s.info,
            at: s.at,
        }
    }
}
