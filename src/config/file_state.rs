//! What to do with what the file reader found, at load and at reload. A file that is missing
//! or unreadable at reload keeps the running configuration (its whitelist above all): an
//! admin who moved the file away, or a permission mistake, must not silently reset the
//! module to its defaults and unprotect the networks the file named.

use super::{Config, ConfigEntry};
use crate::util::log::Level;

/// What reading `secast.conf` gave.
pub enum FileState {
    Entries(Vec<ConfigEntry>),
    /// Not there (or, for Asterisk's parser, not readable).
    Missing,
    /// There, but Asterisk's parser refused it.
    Invalid,
}

/// When the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Module load: nothing runs yet, defaults are all there is to keep.
    Load,
    /// `module reload`: a configuration runs, and is kept unless the file replaces it.
    Reload,
}

/// The configuration to run (None: keep the running one) and the lines to log.
pub fn outcome(
    file: FileState,
    previous: &Config,
    reading: Reading,
    file_name: &str,
) -> (Option<Config>, Vec<(Level, String)>) {
    match (file, reading) {
        (FileState::Missing, Reading::Load) => (
            Some(Config::default()),
            vec![(
                Level::Notice,
                format!("{file_name} not found; using defaults"),
            )],
        ),
        (FileState::Missing, Reading::Reload) => (
            None,
            vec![(
                Level::Warning,
                format!(
                    "{file_name} is missing or unreadable; keeping the running configuration (whitelist included) until it can be read"
                ),
            )],
        ),
        (FileState::Invalid, _) => (
            None,
            vec![(
                Level::Error,
                format!("{file_name} could not be parsed; keeping the current configuration"),
            )],
        ),
        (FileState::Entries(entries), _) => {
            let (cfg, issues) = Config::from_entries(&entries, previous);
            let lines = issues
                .into_iter()
                .map(|i| (Level::Warning, i.to_string()))
                .collect();
            (Some(cfg), lines)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whitelisted() -> Config {
        let entries = vec![ConfigEntry::new("whitelist", "network", "198.51.100.0/24")];
        Config::from_entries(&entries, &Config::default()).0
    }

    #[test]
    fn a_missing_file_at_reload_keeps_the_running_whitelist_and_warns() {
        let running = whitelisted();
        assert_ne!(running, Config::default(), "the fixture sets something");
        let (cfg, lines) = outcome(FileState::Missing, &running, Reading::Reload, "secast.conf");
        assert!(cfg.is_none(), "keep the running configuration");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].0, Level::Warning);
        assert!(lines[0].1.contains("keeping the running configuration"));
    }

    #[test]
    fn a_missing_file_at_load_means_defaults() {
        let (cfg, lines) = outcome(
            FileState::Missing,
            &Config::default(),
            Reading::Load,
            "secast.conf",
        );
        assert_eq!(cfg, Some(Config::default()));
        assert_eq!(lines[0].0, Level::Notice);
    }

    #[test]
    fn an_unparsable_file_keeps_the_running_configuration() {
        let (cfg, _) = outcome(
            FileState::Invalid,
            &whitelisted(),
            Reading::Reload,
            "secast.conf",
        );
        assert!(cfg.is_none());
    }

    #[test]
    fn a_readable_file_replaces_it() {
        let (cfg, _) = outcome(
            FileState::Entries(Vec::new()),
            &whitelisted(),
            Reading::Reload,
            "secast.conf",
        );
        assert_eq!(cfg, Some(Config::default()));
    }
}
