//! The durable record of bans and offence history: the source of truth, of which the kernel's
//! sets are a cache.
//!
//! An append-only text file, one record per line, synced to disk before a ban is acknowledged
//! (CLI, AMI), so a `kill -9` of Asterisk loses nothing that was reported. A line torn by a
//! crash is skipped with a warning. When dead records outnumber live ones the file is rewritten
//! (to a temporary file, synced, renamed over the old one).
//!
//! ```text
//! secast-ledger 1
//! B <since-ms> <net> <until-ms|-> <origin> <offence> <reason…>
//! U <at-ms> <net> <manual|expired>
//! ```

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use ipnet::IpNet;

mod record;

pub use record::Record;

use crate::decision::Ban;
use crate::util::time::Millis;

const HEADER: &str = "secast-ledger 1";
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
    /// Line numbers that could not be read.
    pub skipped: Vec<usize>,
    /// Sources whose last ban has ended (expired or lifted), not re-applied.
    pub ended: usize,
}

pub struct Ledger {
    path: PathBuf,
    file: File,
    /// Every ban within the history window, with `until` cut short by a later unban.
    bans: Vec<Ban>,
    lines: usize,
    history_ms: Millis,
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

impl Ledger {
    /// Opens (or creates) the ledger in `dir` and replays it as of `now`.
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
        std::fs::create_dir_all(dir).map_err(err)?;
        let mut restored = Restored::default();
        let mut bans: Vec<Ban> = Vec::new();
        let mut latest: HashMap<IpNet, usize> = HashMap::new();
        let mut lines = 0;
        match File::open(&path) {
            Ok(f) => {
                for (i, line) in BufReader::new(f).split(b'\n').enumerate() {
                    let line = line.map_err(err)?;
                    lines += 1;
                    let text = String::from_utf8_lossy(&line);
                    if i == 0 && text == HEADER {
                        continue;
                    }
                    match Record::from_line(&text) {
                        Some(Record::Ban(b)) => {
                            latest.insert(b.net, bans.len());
                            bans.push(b);
                        }
                        Some(Record::Unban { net, at, .. }) => {
                            if let Some(&idx) = latest.get(&net) {
                                let b = &mut bans[idx];
                                if b.is_active(at) {
                                    b.until = Some(at);
                                }
                            }
                        }
                        None if text.is_empty() => {}
                        None => restored.skipped.push(i + 1),
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(e)),
        }
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
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(err)?;
        let mut ledger = Ledger {
            path: path.clone(),
            file,
            bans,
            lines,
            history_ms,
        };
        if lines == 0 {
            ledger.write_and_sync(&format!("{HEADER}\n")).map_err(err)?;
            ledger.lines = 1;
        }
        if ledger.lines > ledger.bans.len() * 2 + COMPACT_SLACK || !restored.skipped.is_empty() {
            ledger.compact(now).map_err(err)?;
        }
        Ok((ledger, restored))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_and_sync(&mut self, text: &str) -> io::Result<()> {
        self.file.write_all(text.as_bytes())?;
        // Data only: the file's size change is covered by fdatasync for appends.
        self.file.sync_data()
    }

    /// Appends records and waits until they are on disk.
    pub fn append(&mut self, records: &[Record], now: Millis) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for r in records {
            match r {
                Record::Ban(b) => {
                    text.push_str(&r.to_line());
                    self.bans.push(b.clone());
                }
                Record::Unban { net, at, .. } => {
                    text.push_str(&r.to_line());
                    if let Some(b) = self.bans.iter_mut().rev().find(|b| b.net == *net)
                        && b.is_active(*at)
                    {
                        b.until = Some(*at);
                    }
                }
            }
        }
        self.write_and_sync(&text)?;
        self.lines += records.len();
        if self.lines > self.bans.len() * 2 + COMPACT_SLACK {
            self.compact(now)?;
        }
        Ok(())
    }

    /// Rewrites the file with only what is still remembered.
    pub fn compact(&mut self, now: Millis) -> io::Result<()> {
        let keep_from = now - self.history_ms;
        self.bans
            .retain(|b| b.since >= keep_from || b.is_active(now));
        let tmp = self.path.with_extension("ledger.tmp");
        {
            let mut f = File::create(&tmp)?;
            let mut text = String::with_capacity(64 * (self.bans.len() + 1));
            text.push_str(HEADER);
            text.push('\n');
            for b in &self.bans {
                text.push_str(&record::format_ban(b));
            }
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            // The rename itself must survive a crash too.
            File::open(dir)?.sync_all()?;
        }
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        self.lines = self.bans.len() + 1;
        Ok(())
    }

    pub fn remembered(&self) -> usize {
        self.bans.len()
    }
}
