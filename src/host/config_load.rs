//! Turning what Asterisk's parser read from `secast.conf` into a configuration, with every issue
//! in the log. What to do with a missing or broken file is decided in
//! [`crate::config::file_outcome`] (testable without Asterisk).

use super::ffi::config_file::{FILE_NAME, FileRead, read};
use super::ffi::log::host_log;
use crate::config::{Config, FileState, Reading, file_outcome};

/// Reads the file and builds the configuration, logging every issue. `previous` supplies the
/// values kept for bad lines; None means keep the running configuration (a file that cannot
/// be parsed, or one missing at reload).
pub fn load(previous: &Config, reading: Reading) -> Option<Config> {
    let state = match read() {
        FileRead::Missing => FileState::Missing,
        FileRead::Invalid => FileState::Invalid,
        FileRead::Entries(entries) => FileState::Entries(entries),
    };
    let (cfg, lines) = file_outcome(state, previous, reading, &FILE_NAME.to_string_lossy());
    for (level, line) in lines {
        host_log!(level, "{line}");
    }
    cfg
}
