//! What the engine asks the enforcer to do.

use super::alert::Alert;
use super::ban::Ban;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Ban(Ban),
    Unban { ban: Ban, why: UnbanReason },
    Alert(Alert),
}

/// Why a ban ended before or at its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnbanReason {
    Manual,
    Expired,
}

impl UnbanReason {
    pub fn label(self) -> &'static str {
        match self {
            UnbanReason::Manual => "manual",
            UnbanReason::Expired => "expired",
        }
    }
}

impl std::fmt::Display for UnbanReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
