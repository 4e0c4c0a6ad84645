//! What went wrong while reading a list file, in the words an admin needs to fix it.

use std::fmt;
use std::path::Path;

/// Most issues reported for one file: a feed that changed format (or a binary file under the
/// list's name) would otherwise produce one message per line, flooding Asterisk's log.
pub(crate) const MAX_ISSUES_PER_FILE: usize = 50;

/// One bad line, or a file that could not be used at all (`line` 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListIssue {
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file (missing, unreadable, not JSON).
    pub line: usize,
    pub message: String,
}

impl ListIssue {
    pub(crate) fn at(file: &str, line: usize, message: impl Into<String>) -> ListIssue {
        ListIssue {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn whole_file(file: &str, message: impl Into<String>) -> ListIssue {
        ListIssue::at(file, 0, message)
    }
}

impl fmt::Display for ListIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// The name a file goes by in issues: its path as configured.
pub(crate) fn file_label(path: &Path) -> String {
    path.display().to_string()
}

/// Collects one file's issues, keeping the first [`MAX_ISSUES_PER_FILE`] and counting the rest.
pub(crate) struct IssueSink {
    file: String,
    kept: Vec<ListIssue>,
    dropped: usize,
}

impl IssueSink {
    pub(crate) fn new(file: &str) -> IssueSink {
        IssueSink {
            file: file.to_string(),
            kept: Vec::new(),
            dropped: 0,
        }
    }

    pub(crate) fn report(&mut self, line: usize, message: impl Into<String>) {
        if self.kept.len() < MAX_ISSUES_PER_FILE {
            self.kept.push(ListIssue::at(&self.file, line, message));
        } else {
            self.dropped += 1;
        }
    }

    pub(crate) fn finish(mut self) -> Vec<ListIssue> {
        if self.dropped > 0 {
            let more = format!(
                "{} more bad lines not shown (only the first {MAX_ISSUES_PER_FILE} are)",
                self.dropped
            );
            self.kept.push(ListIssue::whole_file(&self.file, more));
        }
        self.kept
    }
}
