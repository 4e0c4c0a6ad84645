//! Reading a list file that something else (a cron job, a timer) downloads and rewrites, and
//! telling cheaply whether it changed since it was last read.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

/// Largest list file read. VoIPBL's full export and APIBAN's full list are a few MB; the cap
/// keeps a wrong path (a disk image, a log) from being read into Asterisk's memory.
pub(crate) const MAX_LIST_BYTES: u64 = 64 << 20;

/// What `stat` says about a file; a difference in any field means "read it again".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    modified: Option<SystemTime>,
    len: u64,
    /// Catches a list replaced by rename (the usual atomic download) whose new copy happens to
    /// carry the same size and modification time.
    inode: u64,
}

impl Fingerprint {
    fn of(meta: &Metadata) -> Fingerprint {
        Fingerprint {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode: inode(meta),
        }
    }
}

#[cfg(unix)]
fn inode(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_meta: &Metadata) -> u64 {
    0
}

/// The file's fingerprint now, or `None` when it cannot be stat'ed (missing, no permission).
pub(crate) fn fingerprint(path: &Path) -> Option<Fingerprint> {
    std::fs::metadata(path).ok().map(|m| Fingerprint::of(&m))
}

/// The file's text (invalid UTF-8 replaced, so that a bad byte spoils one line, not the file)
/// and its fingerprint taken *before* reading: if the file changes while it is read, the next
/// check sees a new fingerprint and reads it again.
pub(crate) fn read_list(path: &Path) -> Result<(String, Fingerprint), String> {
    // stat first: opening a FIFO for reading would block the reloading thread until a writer
    // appeared, and a directory or device is never a list.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the list: {e}"))?;
    if !meta.is_file() {
        return Err("expected a regular file".to_string());
    }
    if meta.len() > MAX_LIST_BYTES {
        return Err(too_big(meta.len()));
    }
    let fp = Fingerprint::of(&meta);
    let file = File::open(path).map_err(|e| format!("cannot open the list: {e}"))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow between stat and read: never read more than the cap.
    file.take(MAX_LIST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the list: {e}"))?;
    if bytes.len() as u64 > MAX_LIST_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok((text, fp))
}

fn too_big(len: u64) -> String {
    format!("the file has {len} bytes; a list may have at most {MAX_LIST_BYTES}")
}

/// The file's lines numbered from 1, without a leading byte-order mark (some Windows tools
/// write one, and it would make the first entry unparseable).
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().enumerate().map(|(i, l)| (i + 1, l))
}
