//! Why a geo database could not be opened.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Opening or reloading a database failed; the message names the file.
#[derive(Debug)]
pub enum GeoError {
    /// The file could not be read or mapped (missing, permissions).
    Io { path: PathBuf, source: io::Error },
    /// The file is not a usable MaxMind DB (truncated, corrupt, not an .mmdb at all).
    Invalid { path: PathBuf, message: String },
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoError::Io { path, source } => {
                write!(f, "geo database {}: {source}", path.display())
            }
            GeoError::Invalid { path, message } => write!(
                f,
                "geo database {}: not a valid MaxMind DB file: {message}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for GeoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GeoError::Io { source, .. } => Some(source),
            GeoError::Invalid { .. } => None,
        }
    }
}
