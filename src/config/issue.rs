//! Something in the file that was not applied as written, in the words an admin needs.

use std::fmt;

use super::entry::ConfigEntry;
use crate::util::escape::for_log;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigIssue {
    UnknownSection {
        section: String,
        file: String,
        line: u32,
    },
    UnknownKey {
        entry: ConfigEntry,
    },
    BadValue {
        entry: ConfigEntry,
        expected: String,
        kept: String,
    },
    /// A section as a whole cannot be used as written (a handler without a program, a bad
    /// section name).
    Section {
        section: String,
        file: String,
        line: u32,
        problem: String,
    },
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigIssue::UnknownSection {
                section,
                file,
                line,
            } => write!(
                f,
                "{}:{line}: unknown section [{}], ignored",
                for_log(file),
                for_log(section)
            ),
            ConfigIssue::UnknownKey { entry: e } => write!(
                f,
                "{}:{}: unknown key '{}' in [{}], ignored",
                for_log(&e.file),
                e.line,
                for_log(&e.key),
                for_log(&e.section)
            ),
            ConfigIssue::BadValue {
                entry: e,
                expected,
                kept,
            } => write!(
                f,
                "{}:{}: bad value '{}' for '{}' in [{}]: expected {expected}; keeping {kept}",
                for_log(&e.file),
                e.line,
                for_log(&e.value),
                for_log(&e.key),
                for_log(&e.section)
            ),
            ConfigIssue::Section {
                section,
                file,
                line,
                problem,
            } => write!(
                f,
                "{}:{line}: [{}]: {problem}",
                for_log(file),
                for_log(section)
            ),
        }
    }
}
