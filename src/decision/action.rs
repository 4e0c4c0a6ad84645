//! What the engine (and the call guard, and the audit) ask the enforcer to do.

use std::net::IpAddr;
use std::sync::Arc;

use super::alert::Alert;
use super::audit::AuditSummary;
use super::ban::Ban;
use super::fraud::FraudAlert;

/// What the enforcer is asked to carry out and tell.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Ban(Ban),
    Unban {
        ban: Ban,
        why: UnbanReason,
    },
    Alert(Alert),
    /// A call counter reached a level (the call guard).
    Fraud(FraudAlert),
    /// A configuration audit finished.
    Audit(AuditSummary),
    /// A source banned shortly after it logged in as `account`: the host removes the
    /// contacts that login registered from `source` (a stolen password's registration must not
    /// keep displacing the real phone's until it expires).
    RemoveContacts {
        account: Arc<str>,
        source: IpAddr,
    },
}

/// Why a ban ended before or at its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnbanReason {
    Manual,
    Expired,
    /// Lifted on another server of the cluster (never published again).
    Remote,
    /// The ban may not stand: it covers a protected address (loopback, this host, a trunk,
    /// a resolver…) or no firewall can apply it (a ban from an older ledger).
    Refused,
}

impl UnbanReason {
    pub fn label(self) -> &'static str {
        match self {
            UnbanReason::Manual => "manual",
            UnbanReason::Expired => "expired",
            UnbanReason::Remote => "remote",
            UnbanReason::Refused => "refused",
        }
    }
}

impl std::fmt::Display for UnbanReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
