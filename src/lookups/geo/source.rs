//! A geo database file that may be replaced while Asterisk runs: the open database plus what
//! the file looked like when it was opened, so a poll can tell whether to reopen it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::database::{GeoDb, Residency};
use super::error::GeoError;

/// What identifies one version of the file. Size and mtime alone miss a replacement by a file
/// of the same size with a preserved mtime (npm packages carry a fixed 1985 mtime on every
/// file), so the inode is compared too: a rename or reinstall always changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: u64,
    mtime: Option<SystemTime>,
    dev: u64,
    ino: u64,
}

fn fingerprint(path: &Path) -> Result<Fingerprint, GeoError> {
    let meta = std::fs::metadata(path).map_err(|source| GeoError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(Fingerprint {
        len: meta.len(),
        mtime: meta.modified().ok(),
        dev: meta.dev(),
        ino: meta.ino(),
    })
}

/// The configured database: its path, the database opened from it, and the file's identity
/// at that time. Opening and [`refresh_if_changed`] read the file, so the caller runs them on
/// its own thread and hands [`current`] to the lookups.
///
/// [`refresh_if_changed`]: GeoSource::refresh_if_changed
/// [`current`]: GeoSource::current
#[derive(Debug)]
pub struct GeoSource {
    path: PathBuf,
    residency: Residency,
    db: Arc<GeoDb>,
    /// The file version last tried, whether it opened or not: a broken version is reported
    /// once, not on every poll.
    seen: Option<Fingerprint>,
}

impl GeoSource {
    /// Opens `path` read into memory (the default [`Residency`]).
    pub fn open(path: &Path) -> Result<GeoSource, GeoError> {
        GeoSource::open_as(path, Residency::InMemory)
    }

    /// Opens `path` with the given [`Residency`]; reloads keep it.
    pub fn open_as(path: &Path, residency: Residency) -> Result<GeoSource, GeoError> {
        // Stat before opening: if the file is swapped in between, the next poll sees a
        // different fingerprint and reopens, rather than missing the new file.
        let seen = fingerprint(path)?;
        let db = GeoDb::open_as(path, residency)?;
        Ok(GeoSource {
            path: path.to_owned(),
            residency,
            db: Arc::new(db),
            seen: Some(seen),
        })
    }

    /// The database to look up in; stays valid after a reload replaces it here.
    pub fn current(&self) -> Arc<GeoDb> {
        Arc::clone(&self.db)
    }

    /// The configured path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reopens the file if its size, mtime or inode changed since it was last tried.
    /// `Ok(true)`: a new database is current. `Ok(false)`: nothing changed. `Err`: the changed
    /// (or vanished) file could not be opened, and the previous database stays current; the
    /// same broken version then reads as `Ok(false)` until the file changes again, so a caller
    /// that logs each error logs each bad version once.
    pub fn refresh_if_changed(&mut self) -> Result<bool, GeoError> {
        let now = match fingerprint(&self.path) {
            Ok(fp) => fp,
            // Already reported as gone: quiet until it comes back.
            Err(_) if self.seen.is_none() => return Ok(false),
            Err(e) => {
                self.seen = None;
                return Err(e);
            }
        };
        if self.seen == Some(now) {
            return Ok(false);
        }
        self.seen = Some(now);
        let db = GeoDb::open_as(&self.path, self.residency)?;
        self.db = Arc::new(db);
        Ok(true)
    }

    /// Reopens the file whether or not it changed (`module reload`); on error the previous
    /// database stays current.
    pub fn reload(&mut self) -> Result<(), GeoError> {
        let seen = fingerprint(&self.path)?;
        let db = GeoDb::open_as(&self.path, self.residency)?;
        self.db = Arc::new(db);
        self.seen = Some(seen);
        Ok(())
    }
}
