//! The outcome of one audit: findings worst first, what was ignored or could not be checked,
//! and its three forms: the text of `secast audit`, the JSON of `secast audit json`, and the
//! one-line summary for the log (and its counts for the AMI event and handlers).

use std::fmt::Write;

use serde_json::json;

use super::finding::Finding;
use crate::decision::{AuditSummary, Severity};
use crate::util::time::{Millis, format_utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub at: Millis,
    /// Worst first, then by check and object.
    pub findings: Vec<Finding>,
    /// Findings an `ignore` line covered.
    pub ignored: usize,
    /// Checks that could not be made, and why.
    pub not_checked: Vec<String>,
    /// What could not be read while gathering.
    pub notes: Vec<String>,
    /// How long gathering and checking took, when the host measured it.
    pub took: Option<std::time::Duration>,
}

impl Report {
    pub fn new(
        at: Millis,
        mut findings: Vec<Finding>,
        ignored: usize,
        not_checked: Vec<String>,
        notes: Vec<String>,
    ) -> Report {
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.check.cmp(&b.check))
                .then(a.place.cmp(&b.place))
        });
        Report {
            at,
            findings,
            ignored,
            not_checked,
            notes,
            took: None,
        }
    }

    pub fn count(&self, severity: Severity) -> u32 {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count() as u32
    }

    pub fn summary(&self) -> AuditSummary {
        AuditSummary {
            critical: self.count(Severity::Critical),
            warning: self.count(Severity::Warning),
            info: self.count(Severity::Info),
            at: self.at,
        }
    }

    /// `3 critical, 5 warning, 1 info (2 ignored)`.
    pub fn counts_text(&self) -> String {
        let mut t = format!(
            "{} critical, {} warning, {} info",
            self.count(Severity::Critical),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        );
        if self.ignored > 0 {
            let _ = write!(t, " ({} ignored)", self.ignored);
        }
        t
    }

    /// The log line after each run.
    pub fn summary_line(&self) -> String {
        format!(
            "configuration audit: {}; `secast audit` lists them",
            self.counts_text()
        )
    }

    /// `secast audit`.
    pub fn text(&self) -> String {
        let mut out = format!(
            "Configuration audit at {}: {}\n",
            format_utc(self.at),
            self.counts_text()
        );
        if let Some(took) = self.took {
            let _ = writeln!(
                out,
                "Gathered and checked in {:.1} ms",
                took.as_secs_f64() * 1000.0
            );
        }
        if self.findings.is_empty() {
            out.push_str("\nNothing found.\n");
        }
        for f in &self.findings {
            let _ = write!(
                out,
                "\n{:<8} {}  {}\n  {}\n  fix: {}\n",
                f.severity.to_string().to_uppercase(),
                f.check,
                f.place,
                f.problem,
                f.fix
            );
        }
        if !self.not_checked.is_empty() || !self.notes.is_empty() {
            out.push_str("\nNot checked:\n");
            for n in self.not_checked.iter().chain(&self.notes) {
                let _ = writeln!(out, "  {n}");
            }
        }
        out
    }

    /// `secast audit json`: the same, for monitoring tools.
    pub fn json(&self) -> String {
        let findings: Vec<serde_json::Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "check": f.check.name(),
                    "severity": f.severity.to_string(),
                    "file": f.place.file,
                    "section": f.place.section,
                    "key": f.place.key,
                    "line": f.place.line,
                    "problem": f.problem,
                    "fix": f.fix,
                })
            })
            .collect();
        let value = json!({
            "at": format_utc(self.at),
            "critical": self.count(Severity::Critical),
            "warning": self.count(Severity::Warning),
            "info": self.count(Severity::Info),
            "ignored": self.ignored,
            "took_ms": self.took.map(|t| t.as_secs_f64() * 1000.0),
            "findings": findings,
            "not_checked": self.not_checked.iter().chain(&self.notes).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned());
        text.push('\n');
        text
    }
}
