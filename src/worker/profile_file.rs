//! The device profiles' own file, `profiles.tsv` in the ledger's directory: written by the
//! worker at most every [`SAVE_EVERY`] while profiles change and at shutdown, crash-safe
//! (a temporary file, fsync, rename over the old one, fsync of the directory), read back at
//! load. A failed write is logged and tried again at the next save.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engine::Engine;
use crate::engine::profile_text::{from_text, to_text};
use crate::util::log::{Level, LogSink};

pub const FILE_NAME: &str = "profiles.tsv";
pub const SAVE_EVERY: Duration = Duration::from_secs(10);

pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// Writes `text` to `path` so that a crash leaves either the old file or the new one.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tsv.tmp");
    {
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

/// Reads the profiles into the engine, within the configured bounds. Missing file: nothing.
pub fn load(path: &Path, engine: &mut Engine, log: &dyn LogSink) {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(e) => {
            log.log(
                Level::Warning,
                &format!(
                    "device profiles {}: not read ({e}); starting without them",
                    path.display()
                ),
            );
            return;
        }
    };
    let (profiles, bad) = from_text(&text);
    if !bad.is_empty() {
        log.log(
            Level::Warning,
            &format!(
                "device profiles {}: {} unreadable lines skipped (first: line {})",
                path.display(),
                bad.len(),
                bad[0]
            ),
        );
    }
    let cfg = engine.config().sensor.clone();
    let mut profiles = profiles;
    // The most recently seen accounts first, within the bound.
    profiles.sort_by_key(|(_, p)| std::cmp::Reverse(p.last_seen));
    let n = profiles.len().min(cfg.profile_accounts);
    for (account, mut p) in profiles.into_iter().take(n) {
        p.agents.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
        p.agents.truncate(cfg.profile_entries);
        p.networks.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
        p.networks.truncate(cfg.profile_entries);
        engine.restore_profile(&account, p);
    }
}

/// The profiles' text if they changed since the last save (taken under the engine's lock).
pub fn changed_text(engine: &mut Engine) -> Option<String> {
    engine
        .profiles_changed()
        .then(|| to_text(engine.device_profiles()))
}

/// Writes the text; on failure logs it and returns false (the caller marks them dirty again).
pub fn save(path: &Path, text: &str, log: &dyn LogSink) -> bool {
    match write_atomically(path, text) {
        Ok(()) => true,
        Err(e) => {
            log.log(
                Level::Warning,
                &format!(
                    "device profiles {}: not saved ({e}); will try again",
                    path.display()
                ),
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_behind() {
        let dir = std::env::temp_dir().join(format!("secast-profiles-{}", std::process::id()));
        let path = path_in(&dir);
        write_atomically(&path, "one\n").unwrap();
        write_atomically(&path, "two\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two\n");
        assert!(!path.with_extension("tsv.tmp").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
