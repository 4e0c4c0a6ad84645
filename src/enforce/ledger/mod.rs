//! The durable record of bans and offence history: the source of truth, of which the kernel's
//! sets are a cache.
//!
//! An append-only text file, one numbered record per line, synced to disk before a ban is
//! acknowledged as durable (CLI, AMI), so a `kill -9` of Asterisk loses nothing that was
//! reported durable.
//!
//! Nothing here gives up on the bans in force because the disk misbehaves:
//! - opening replays whatever can be read, whether or not the file can be written (full or
//!   read-only disk); the caller re-applies what was restored in every case;
//! - a record that cannot be written stays queued here ([`Ledger::unwritten`]) and is written
//!   by the next [`Ledger::flush`] or [`Ledger::append`], with the sequence number it was
//!   given first: a retry after a write that failed half-way is read back once, never as a
//!   second ban (which would count as a second offence);
//! - a torn tail (a crash mid-write) is cut off at the last whole record;
//! - compaction writes a temporary file, syncs it, renames it over the ledger and syncs the
//!   directory; a ledger created anew syncs its directory too.
//!
//! ```text
//! secast-ledger 2
//! B <seq> <since-ms> <net> <until-ms|-> <origin> <offence> <reason…>
//! U <seq> <at-ms> <net> <manual|expired>
//! ```
//! Text fields are escaped reversibly ([`record::encode`]). Format 1 (the same without
//! `<seq>`, written before sequence numbers) is read, and rewritten as format 2 at the next
//! compaction.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use ipnet::IpNet;

mod record;

pub use record::{REASON_MAX_BYTES, Record, decode, encode};

use crate::decision::Ban;
use crate::util::time::Millis;

const HEADER: &str = "secast-ledger 2";
const HEADER_V1: &str = "secast-ledger 1";
const FILE_NAME: &str = "bans.ledger";
/// Records beyond the live ones before a rewrite is worth it.
const COMPACT_SLACK: usize = 10_000;

/// What a ledger held when opened.
#[derive(Debug, Default)]
pub struct Restored {
    /// Bans still in force at the time of opening.
    pub active: Vec<Ban>,
    /// Every remembered ban, as (source, time), for escalation.
    pub offences: Vec<(IpNet, Millis)>,
    /// Line numbers that could not be read (torn or foreign), not counting a torn last line.
    pub skipped: Vec<usize>,
    /// Sources whose last ban has ended (expired or lifted), not re-applied.
    pub ended: usize,
    /// Records read a second time (a retried write), ignored.
    pub duplicates: usize,
    /// Bytes of a torn last record, cut off (or to be cut off once the file can be written).
    pub torn_tail: u64,
    /// The file was written in format 1.
    pub old_format: bool,
}

pub struct Ledger {
    path: PathBuf,
    /// Open for appending; None while it cannot be opened (read-only or missing directory).
    file: Option<File>,
    /// Bytes of the file that hold whole records; anything after is a failed write's debris,
    /// cut before the next write.
    good_len: u64,
    /// The header still has to be written (a new or emptied file).
    needs_header: bool,
    /// A rewrite is owed (skipped lines, format 1, too many dead records) but failed.
    needs_compact: bool,
    /// Records accepted but not yet on disk, with their sequence numbers.
    unwritten: Vec<(u64, Record)>,
    next_seq: u64,
    /// Every ban within the history window, with `until` cut short by a later unban.
    bans: Vec<Ban>,
    lines: usize,
    history_ms: Millis,
    /// Why the last write failed; None once one succeeds.
    trouble: Option<String>,
}

#[derive(Debug)]
pub struct LedgerError {
    pub path: PathBuf,
    pub error: io::Error,
}

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ledger {}: {}", self.path.display(), self.error)
    }
}

/// What one pass over the file found.
struct Replay {
    bans: Vec<Ban>,
    latest: HashMap<IpNet, usize>,
    lines: usize,
    max_seq: u64,
    /// Offset just past the last whole line.
    good_len: u64,
    restored: Restored,
}

fn replay(path: &Path) -> io::Result<Replay> {
    let mut r = Replay {
        bans: Vec::new(),
        latest: HashMap::new(),
        lines: 0,
        max_seq: 0,
        good_len: 0,
        restored: Restored::default(),
    };
    let f = match File::open(path) {
        Ok(f) => f,
        // No file, or no directory to hold one (something else in its way): nothing to replay.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(r);
        }
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::new(f);
    let mut line = Vec::new();
    let mut offset: u64 = 0;
    let mut number = 0;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        number += 1;
        let whole = line.last() == Some(&b'\n');
        if whole {
            line.pop();
        }
        let text = String::from_utf8_lossy(&line);
        let parsed = if number == 1 && (text == HEADER || text == HEADER_V1) {
            r.restored.old_format = text == HEADER_V1;
            None
        } else {
            record::parse_line(&text)
        };
        if !whole {
            // A last line without its newline is a write cut short: never trusted, cut off.
            r.restored.torn_tail = n as u64;
            break;
        }
        offset += n as u64;
        r.good_len = offset;
        r.lines += 1;
        let Some((seq, rec)) = parsed else {
            if number > 1 && !text.is_empty() {
                r.restored.skipped.push(number);
            }
            continue;
        };
        if let Some(seq) = seq {
            if seq <= r.max_seq {
                r.restored.duplicates += 1;
                continue;
            }
            r.max_seq = seq;
        }
        match rec {
            Record::Ban(b) => {
                if let Some(&idx) = r.latest.get(&b.net) {
                    supersede(&mut r.bans[idx], b.since);
                }
                r.latest.insert(b.net, r.bans.len());
                r.bans.push(b);
            }
            Record::Unban { net, at, .. } => {
                if let Some(&idx) = r.latest.get(&net) {
                    let b = &mut r.bans[idx];
                    if b.is_active(at) {
                        b.until = Some(at);
                    }
                }
            }
        }
    }
    Ok(r)
}

/// A later ban of the same source replaces `old` from `at` on. Cut here, in the data, so that
/// a compaction, which drops the records older than the history, can never leave the older
/// ban behind as if it were still in force (found by fuzzing the replay).
fn supersede(old: &mut Ban, at: Millis) {
    if old.until.is_none_or(|u| u > at) {
        old.until = Some(at);
    }
}

/// Syncs a directory, so that a file created or renamed in it survives a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Ledger {
    /// Opens (or creates) the ledger in `dir` and replays it as of `now`.
    ///
    /// Fails only when an existing file cannot be read. A file that cannot be written (full
    /// or read-only disk, a directory that cannot be created) still opens: what it holds is
    /// restored, [`Ledger::trouble`] says why it cannot be written, and writes are retried.
    pub fn open(
        dir: &Path,
        now: Millis,
        history_ms: Millis,
    ) -> Result<(Ledger, Restored), LedgerError> {
        let path = dir.join(FILE_NAME);
        let err = |error| LedgerError {
            path: path.clone(),
            error,
        };
        let created_dir = !dir.exists();
        let dir_result = std::fs::create_dir_all(dir);
        let Replay {
            mut bans,
            latest,
            lines,
            max_seq,
            good_len,
            mut restored,
        } = replay(&path).map_err(err)?;
        // Only the latest ban of a source can still be in force.
        for idx in latest.values() {
            let b = &bans[*idx];
            if b.is_active(now) {
                restored.active.push(b.clone());
            } else if b.until.is_some_and(|u| u > b.since) {
                restored.ended += 1;
            }
        }
        restored.active.sort_by_key(|b| b.since);
        let keep_from = now - history_ms;
        bans.retain(|b| b.since >= keep_from || b.is_active(now));
        restored.offences = bans.iter().map(|b| (b.net, b.since)).collect();
        let mut ledger = Ledger {
            path,
            file: None,
            good_len,
            needs_header: lines == 0,
            needs_compact: !restored.skipped.is_empty()
                || restored.old_format
                || restored.duplicates > 0,
            unwritten: Vec::new(),
            next_seq: max_seq + 1,
            bans,
            lines,
            history_ms,
            trouble: None,
        };
        if let Err(e) = dir_result {
            ledger.note_trouble(&e);
            return Ok((ledger, restored));
        }
        if created_dir && let Some(parent) = dir.parent() {
            // The new directory's entry must survive a crash too.
            let _ = sync_dir(parent);
        }
        if ledger.lines > ledger.bans.len() * 2 + COMPACT_SLACK {
            ledger.needs_compact = true;
        }
        // Cuts a torn tail, writes the header of a new file, or compacts; a failure here is
        // remembered and retried, never a reason to drop what was read.
        let _ = ledger.flush(now);
        Ok((ledger, restored))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the ledger cannot be written right now (None: everything accepted is on disk).
    pub fn trouble(&self) -> Option<&str> {
        self.trouble.as_deref()
    }

    /// Records accepted but not yet on disk.
    pub fn unwritten(&self) -> usize {
        self.unwritten.len()
    }

    /// Everything accepted is on disk.
    pub fn is_durable(&self) -> bool {
        self.unwritten.is_empty() && !self.needs_header
    }

    fn note_trouble(&mut self, e: &io::Error) {
        self.trouble = Some(e.to_string());
    }

    /// The file open for appending, with its length cut back to the whole records and its
    /// header in place. A new file's directory is synced so that the file itself survives.
    fn prepared_file(&mut self) -> io::Result<&mut File> {
        if self.file.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let existed = self.path.exists();
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            if !existed && let Some(dir) = self.path.parent() {
                sync_dir(dir)?;
            }
            self.file = Some(f);
        }
        let file = self.file.as_mut().expect("opened above");
        let len = file.metadata()?.len();
        if len > self.good_len {
            // Debris of a failed write or a torn tail: cut, so that the retry starts clean.
            file.set_len(self.good_len)?;
        } else if len < self.good_len {
            // Shorter than we wrote: someone else truncated it; what is left is whole records.
            self.good_len = len;
        }
        if self.needs_header || self.good_len == 0 {
            let text = format!("{HEADER}\n");
            file.write_all(text.as_bytes())?;
            file.sync_data()?;
            self.good_len += text.len() as u64;
            self.needs_header = false;
            self.lines += 1;
        }
        Ok(self.file.as_mut().expect("opened above"))
    }

    /// Writes what is owed (unwritten records, a cut, a compaction) and waits until it is on
    /// disk. On failure everything stays owed for the next call.
    pub fn flush(&mut self, now: Millis) -> io::Result<()> {
        let result = self.try_flush(now);
        match &result {
            Ok(()) => self.trouble = None,
            Err(e) => {
                self.note_trouble(e);
                // A handle in an unknown state is reopened next time.
                self.file = None;
            }
        }
        result
    }

    fn try_flush(&mut self, now: Millis) -> io::Result<()> {
        if self.needs_compact {
            return self.compact(now);
        }
        if self.unwritten.is_empty() && self.trouble.is_none() && self.file.is_some() {
            return Ok(());
        }
        let mut text = String::new();
        for (seq, r) in &self.unwritten {
            text.push_str(&r.to_line_numbered(*seq));
        }
        let file = self.prepared_file()?;
        if !text.is_empty() {
            file.write_all(text.as_bytes())?;
            // Data only: the file's size change is covered by fdatasync for appends.
            file.sync_data()?;
        }
        self.good_len += text.len() as u64;
        self.lines += self.unwritten.len();
        self.unwritten.clear();
        if self.lines > self.bans.len() * 2 + COMPACT_SLACK {
            self.compact(now)?;
        }
        Ok(())
    }

    /// Accepts records (numbered in order), then writes everything owed and waits until it is
    /// on disk. On failure the records are still accepted: they count for the bans in memory
    /// and are written by a later [`flush`](Ledger::flush) or `append`.
    pub fn append(&mut self, records: &[Record], now: Millis) -> io::Result<()> {
        for r in records {
            match r {
                Record::Ban(b) => {
                    if let Some(old) = self.bans.iter_mut().rev().find(|o| o.net == b.net) {
                        supersede(old, b.since);
                    }
                    self.bans.push(b.clone());
                }
                Record::Unban { net, at, .. } => {
                    if let Some(b) = self.bans.iter_mut().rev().find(|b| b.net == *net)
                        && b.is_active(*at)
                    {
                        b.until = Some(*at);
                    }
                }
            }
            self.unwritten.push((self.next_seq, r.clone()));
            self.next_seq += 1;
        }
        if records.is_empty() && self.is_durable() && !self.needs_compact {
            return Ok(());
        }
        self.flush(now)
    }

    /// Rewrites the file with only what is still remembered (which includes every record not
    /// yet written): a temporary file, synced, renamed over the ledger, the directory synced.
    pub fn compact(&mut self, now: Millis) -> io::Result<()> {
        // Owed until the rename is done and synced, whatever fails on the way.
        self.needs_compact = true;
        let keep_from = now - self.history_ms;
        self.bans
            .retain(|b| b.since >= keep_from || b.is_active(now));
        let tmp = self.path.with_extension("ledger.tmp");
        let mut text = String::with_capacity(64 * (self.bans.len() + 1));
        text.push_str(HEADER);
        text.push('\n');
        // Renumbered from 1: the new file replaces the old one whole.
        for (i, b) in self.bans.iter().enumerate() {
            text.push_str(&record::format_ban(i as u64 + 1, b));
        }
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            // The rename itself must survive a crash too.
            sync_dir(dir)?;
        }
        self.file = Some(OpenOptions::new().append(true).open(&self.path)?);
        self.next_seq = self.bans.len() as u64 + 1;
        self.good_len = text.len() as u64;
        self.lines = self.bans.len() + 1;
        self.unwritten.clear();
        self.needs_header = false;
        self.needs_compact = false;
        self.trouble = None;
        Ok(())
    }

    /// The ledger read again from disk (after the enforcer thread panicked, when this one's
    /// memory may be half-updated), keeping the records it had not written yet. On a read
    /// error the ledger is handed back as it was.
    #[allow(clippy::result_large_err)]
    pub fn reopened(mut self, now: Millis) -> Result<(Ledger, Restored), (Ledger, LedgerError)> {
        let Some(dir) = self.path.parent().map(Path::to_owned) else {
            let error = io::Error::other("no directory");
            let path = self.path.clone();
            return Err((self, LedgerError { path, error }));
        };
        let owed: Vec<Record> = self.unwritten.drain(..).map(|(_, r)| r).collect();
        match Ledger::open(&dir, now, self.history_ms) {
            Ok((mut fresh, mut restored)) => {
                // Bans not yet on disk are in force too.
                for r in &owed {
                    if let Record::Ban(b) = r
                        && b.is_active(now)
                    {
                        restored.active.push(b.clone());
                    }
                }
                let _ = fresh.append(&owed, now);
                Ok((fresh, restored))
            }
            Err(e) => {
                for r in owed {
                    self.unwritten.push((self.next_seq, r));
                    self.next_seq += 1;
                }
                Err((self, e))
            }
        }
    }

    pub fn remembered(&self) -> usize {
        self.bans.len()
    }
}
