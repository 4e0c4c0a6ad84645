//! The outcome of a configuration audit (`secast audit`): what the AMI event `SecAstAudit`,
//! the log and event handlers are told after each run.

use crate::util::time::Millis;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        })
    }
}

/// The counts of one audit run, by severity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditSummary {
    pub critical: u32,
    pub warning: u32,
    pub info: u32,
    pub at: Millis,
}
