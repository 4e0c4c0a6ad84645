//! Turning what Asterisk's parser read from `secast.conf` into a configuration, with every issue
//! in the log.

use super::ffi::config_file::{FILE_NAME, FileRead, read};
use super::ffi::log::host_log;
use crate::config::Config;
use crate::util::log::Level;

/// Reads the file and builds the configuration, logging every issue. `previous` supplies the
/// values kept for bad lines; None means a file that cannot be parsed keeps everything.
pub fn load(previous: &Config) -> Option<Config> {
    match read() {
        FileRead::Missing => {
            host_log!(
                Level::Notice,
                "{} not found; using defaults",
                FILE_NAME.to_string_lossy()
            );
            Some(Config::default())
        }
        FileRead::Invalid => {
            host_log!(
                Level::Error,
                "{} could not be parsed; keeping the current configuration",
                FILE_NAME.to_string_lossy()
            );
            None
        }
        FileRead::Entries(entries) => {
            let (cfg, issues) = Config::from_entries(&entries, previous);
            for issue in issues {
                host_log!(Level::Warning, "{issue}");
            }
            Some(cfg)
        }
    }
}
