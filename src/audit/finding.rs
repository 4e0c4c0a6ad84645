//! One thing the audit found: which check, how bad, where (file, section, key, line) and what
//! to change. Findings never carry a password or secret, only which rule it breaks.

use crate::decision::{AuditCheck, Severity};

/// Where a finding points: the object as an admin finds it in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Place {
    /// The config file (`pjsip.conf`, an `#include`d path), or what else holds the object
    /// (`secast.conf`, `dialplan` for contexts added at run time).
    pub file: String,
    /// The section, object or context name: what an `ignore = CHECK:OBJECT` line names.
    pub section: String,
    /// The key (or extension) in the section, when the finding is about one.
    pub key: Option<String>,
    /// The line in `file`, when known.
    pub line: Option<u32>,
}

impl Place {
    pub fn new(file: &str, section: &str) -> Place {
        Place {
            file: file.to_owned(),
            section: section.to_owned(),
            key: None,
            line: None,
        }
    }

    pub fn key(mut self, key: &str) -> Place {
        self.key = Some(key.to_owned());
        self
    }

    pub fn line(mut self, line: Option<u32>) -> Place {
        self.line = line.filter(|l| *l > 0);
        self
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, " [{}]", self.section)?;
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: AuditCheck,
    pub severity: Severity,
    pub place: Place,
    /// What is wrong, in one sentence.
    pub problem: String,
    /// What to change.
    pub fix: String,
}

impl Finding {
    pub fn new(
        check: AuditCheck,
        severity: Severity,
        place: Place,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            severity,
            place,
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}
