//! Where the engine's messages go. The host layer sends them to Asterisk's logger; tests keep
//! them in memory. Messages are complete text: no caller ever supplies a format string to C.

use std::sync::Mutex;

use crate::util::lock::LockExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Verbose,
    Notice,
    Warning,
    Error,
}

pub trait LogSink: Send + Sync {
    fn log(&self, level: Level, message: &str);

    /// Lets callers skip formatting a message nobody will see (Asterisk's debug level is off
    /// unless the admin raises it).
    fn enabled(&self, _level: Level) -> bool {
        true
    }
}

/// Keeps every message; for tests.
#[derive(Default)]
pub struct MemoryLog {
    lines: Mutex<Vec<(Level, String)>>,
}

impl MemoryLog {
    pub fn lines(&self) -> Vec<(Level, String)> {
        self.lines.locked().clone()
    }
}

impl LogSink for MemoryLog {
    fn log(&self, level: Level, message: &str) {
        self.lines.locked().push((level, message.to_owned()));
    }
}
