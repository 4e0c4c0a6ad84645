//! The handlers' outbox: every decision queued for a handler, kept on disk until its run
//! succeeded or was given up, so that a crash or a restart loses none and repeats none.
//!
//! An append-only text file next to the ban ledger (`handlers.outbox`), one record per line,
//! written and `fdatasync`ed before a run starts and again when it ends:
//!
//! ```text
//! secast-handler-outbox 1
//! H <handler> <since-ms>                     the handler was first configured then
//! Q <id> <handler> <event-json>               a decision queued for a handler
//! A <id> <attempts> <next-try-ms> <error…>    a run failed; the next try is due then
//! D <id>                                      delivered: the program exited 0
//! G <id> <reason…>                            given up after the last retry
//! S <handler> <ban-json>                      a ban the handler was sent (its unban is owed)
//! ```
//!
//! A line torn by a crash (the last one, without its newline) is cut off at open; any other
//! unreadable line is skipped and reported. The file is rewritten (temporary file, synced,
//! renamed, directory synced) at open and whenever finished records outnumber live ones.
//!
//! Delivery is exactly once except in one window: a crash after a program exited 0 and before
//! its `D` line reached the disk (microseconds) runs it again after the restart. The sample
//! handlers are idempotent for that reason.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use super::event::{BanFacts, HandlerEvent};
use crate::util::escape::untrusted;
use crate::util::time::Millis;

const HEADER: &str = "secast-handler-outbox 1";
pub const FILE_NAME: &str = "handlers.outbox";
/// Finished records tolerated beyond twice the live ones before a rewrite.
const COMPACT_SLACK: usize = 10_000;

/// A ban as sent to one handler: (handler, network, when the ban started).
pub type SentKey = (String, IpNet, Millis);

/// A decision waiting for (or being retried by) a handler.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    pub handler: String,
    pub event: HandlerEvent,
    /// Failed runs so far.
    pub attempts: u32,
    pub next_try: Millis,
    pub last_error: Option<String>,
}

/// What the outbox says is owed: the state the runner works from.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OutboxState {
    /// When each handler was first configured (decisions from before are not owed to it).
    pub registered: HashMap<String, Millis>,
    /// Pending decisions by id, oldest first.
    pub jobs: BTreeMap<u64, StoredJob>,
    /// The ids of `jobs` by handler, oldest first (what dispatch and the caps look at).
    pub by_handler: HashMap<String, BTreeSet<u64>>,
    /// Bans sent (or queued) to a handler whose unban has not been queued yet.
    pub sent: HashMap<SentKey, BanFacts>,
}

/// One record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Registered {
        handler: String,
        since: Millis,
    },
    Queued {
        id: u64,
        handler: String,
        event: HandlerEvent,
    },
    Attempted {
        id: u64,
        attempts: u32,
        next_try: Millis,
        error: String,
    },
    Delivered {
        id: u64,
    },
    GivenUp {
        id: u64,
        reason: String,
    },
    Sent {
        handler: String,
        ban: BanFacts,
    },
}

impl Record {
    fn to_line(&self) -> String {
        match self {
            Record::Registered { handler, since } => format!("H {handler} {since}\n"),
            Record::Queued { id, handler, event } => {
                // serde_json escapes every control character: the document is one line.
                let json = serde_json::to_string(event).unwrap_or_default();
                format!("Q {id} {handler} {json}\n")
            }
            Record::Attempted {
                id,
                attempts,
                next_try,
                error,
            } => format!(
                "A {id} {attempts} {next_try} {}\n",
                untrusted(error.as_bytes(), 300)
            ),
            Record::Delivered { id } => format!("D {id}\n"),
            Record::GivenUp { id, reason } => {
                format!("G {id} {}\n", untrusted(reason.as_bytes(), 300))
            }
            Record::Sent { handler, ban } => {
                let json = serde_json::to_string(ban).unwrap_or_default();
                format!("S {handler} {json}\n")
            }
        }
    }

    fn from_line(line: &str) -> Option<Record> {
        let (kind, rest) = line.split_once(' ')?;
        // The last field of each record may hold blanks (JSON, an error text).
        let fields = |n: usize| -> Vec<&str> { rest.splitn(n, ' ').collect() };
        Some(
            match (
                kind,
                fields(match kind {
                    "D" => 1,
                    "H" | "G" => 2,
                    "Q" => 3,
                    "S" => 2,
                    _ => 4,
                })
                .as_slice(),
            ) {
                ("H", [handler, since]) => Record::Registered {
                    handler: (*handler).to_owned(),
                    since: since.parse().ok()?,
                },
                ("Q", [id, handler, json]) => Record::Queued {
                    id: id.parse().ok()?,
                    handler: (*handler).to_owned(),
                    event: serde_json::from_str(json).ok()?,
                },
                ("A", [id, attempts, next_try, error]) => Record::Attempted {
                    id: id.parse().ok()?,
                    attempts: attempts.parse().ok()?,
                    next_try: next_try.parse().ok()?,
                    error: (*error).to_owned(),
                },
                ("A", [id, attempts, next_try]) => Record::Attempted {
                    id: id.parse().ok()?,
                    attempts: attempts.parse().ok()?,
                    next_try: next_try.parse().ok()?,
                    error: String::new(),
                },
                ("D", [id]) => Record::Delivered {
                    id: id.parse().ok()?,
                },
                ("G", [id, reason]) => Record::GivenUp {
                    id: id.parse().ok()?,
                    reason: (*reason).to_owned(),
                },
                ("G", [id]) => Record::GivenUp {
                    id: id.parse().ok()?,
                    reason: String::new(),
                },
                ("S", [handler, json]) => Record::Sent {
                    handler: (*handler).to_owned(),
                    ban: serde_json::from_str(json).ok()?,
                },
                _ => return None,
            },
        )
    }
}

impl OutboxState {
    /// How many decisions wait for `handler`.
    pub fn waiting(&self, handler: &str) -> usize {
        self.by_handler.get(handler).map_or(0, BTreeSet::len)
    }

    /// Applies one record, as replay and the runner both do.
    pub fn apply(&mut self, r: &Record) {
        match r {
            Record::Registered { handler, since } => {
                self.registered.entry(handler.clone()).or_insert(*since);
            }
            Record::Queued { id, handler, event } => {
                match event {
                    HandlerEvent::Ban(b) => {
                        self.sent
                            .insert((handler.clone(), b.net, b.since), b.clone());
                    }
                    HandlerEvent::Unban { ban, .. } => {
                        self.sent.remove(&(handler.clone(), ban.net, ban.since));
                    }
                    _ => {}
                }
                self.by_handler
                    .entry(handler.clone())
                    .or_default()
                    .insert(*id);
                self.jobs.insert(
                    *id,
                    StoredJob {
                        handler: handler.clone(),
                        event: event.clone(),
                        attempts: 0,
                        next_try: 0,
                        last_error: None,
                    },
                );
            }
            Record::Attempted {
                id,
                attempts,
                next_try,
                error,
            } => {
                if let Some(j) = self.jobs.get_mut(id) {
                    j.attempts = *attempts;
                    j.next_try = *next_try;
                    j.last_error = Some(error.clone());
                }
            }
            Record::Delivered { id } | Record::GivenUp { id, .. } => {
                if let Some(j) = self.jobs.remove(id)
                    && let Some(ids) = self.by_handler.get_mut(&j.handler)
                {
                    ids.remove(id);
                    if ids.is_empty() {
                        self.by_handler.remove(&j.handler);
                    }
                }
            }
            Record::Sent { handler, ban } => {
                self.sent
                    .insert((handler.clone(), ban.net, ban.since), ban.clone());
            }
        }
    }

    /// The records that recreate this state.
    fn records(&self) -> Vec<Record> {
        let mut out = Vec::new();
        let mut registered: Vec<_> = self.registered.iter().collect();
        registered.sort();
        for (handler, since) in registered {
            out.push(Record::Registered {
                handler: handler.clone(),
                since: *since,
            });
        }
        // A pending ban job recreates its own sent entry; the others need an S line.
        let pending_bans: HashSet<SentKey> = self
            .jobs
            .values()
            .filter_map(|j| match &j.event {
                HandlerEvent::Ban(b) => Some((j.handler.clone(), b.net, b.since)),
                _ => None,
            })
            .collect();
        let mut sent: Vec<(&SentKey, &BanFacts)> = self
            .sent
            .iter()
            .filter(|(k, _)| !pending_bans.contains(*k))
            .collect();
        sent.sort_by(|a, b| a.0.cmp(b.0));
        for ((handler, _, _), ban) in sent {
            out.push(Record::Sent {
                handler: handler.clone(),
                ban: ban.clone(),
            });
        }
        for (id, j) in &self.jobs {
            out.push(Record::Queued {
                id: *id,
                handler: j.handler.clone(),
                event: j.event.clone(),
            });
            if j.attempts > 0 {
                out.push(Record::Attempted {
                    id: *id,
                    attempts: j.attempts,
                    next_try: j.next_try,
                    error: j.last_error.clone().unwrap_or_default(),
                });
            }
        }
        out
    }

    /// Live records: what a rewrite would keep.
    fn live(&self) -> usize {
        self.registered.len() + self.sent.len() + self.jobs.len() * 2
    }
}

/// What opening the outbox found.
#[derive(Debug, Default)]
pub struct Opened {
    pub state: OutboxState,
    /// The next free job id.
    pub next_id: u64,
    /// Line numbers that could not be read (skipped).
    pub skipped: Vec<usize>,
    /// Bytes of a torn last line that were cut off.
    pub torn: usize,
}

pub struct Outbox {
    path: PathBuf,
    file: File,
    lines: usize,
}

impl Outbox {
    /// Opens (or creates) `dir/handlers.outbox`, repairs a torn tail, replays it and rewrites
    /// it compactly.
    pub fn open(dir: &Path) -> io::Result<(Outbox, Opened)> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let mut opened = Opened::default();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        // A crash mid-append leaves a last line without its newline: cut it off.
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
        if complete < bytes.len() {
            opened.torn = bytes.len() - complete;
            file.set_len(complete as u64)?;
            file.sync_all()?;
            file.seek(SeekFrom::End(0))?;
            bytes.truncate(complete);
        }
        let mut max_id = 0;
        let mut lines = 0;
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            if raw.is_empty() {
                continue;
            }
            lines += 1;
            let text = String::from_utf8_lossy(raw);
            if i == 0 && text == HEADER {
                continue;
            }
            match Record::from_line(&text) {
                Some(r) => {
                    if let Record::Queued { id, .. } = &r {
                        max_id = max_id.max(*id);
                    }
                    opened.state.apply(&r);
                }
                None => opened.skipped.push(i + 1),
            }
        }
        opened.next_id = max_id + 1;
        let mut outbox = Outbox { path, file, lines };
        outbox.rewrite(&opened.state)?;
        Ok((outbox, opened))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends records and waits until they are on disk.
    pub fn append(&mut self, records: &[Record]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let text: String = records.iter().map(Record::to_line).collect();
        self.file.write_all(text.as_bytes())?;
        self.file.sync_data()?;
        self.lines += records.len();
        Ok(())
    }

    /// Rewrites the file when finished records have piled up.
    pub fn maybe_compact(&mut self, state: &OutboxState) -> io::Result<()> {
        if self.lines > state.live() * 2 + COMPACT_SLACK {
            self.rewrite(state)?;
        }
        Ok(())
    }

    /// Replaces the file with the records of `state` alone.
    fn rewrite(&mut self, state: &OutboxState) -> io::Result<()> {
        let tmp = self.path.with_extension("outbox.tmp");
        let records = state.records();
        {
            let mut f = File::create(&tmp)?;
            let mut text = format!("{HEADER}\n");
            for r in &records {
                text.push_str(&r.to_line());
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
        self.lines = records.len() + 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban(net: &str, since: Millis) -> HandlerEvent {
        HandlerEvent::Ban(BanFacts {
            net: net.parse().unwrap(),
            since,
            until: Some(since + 3_600_000),
            rule: "brute_force".into(),
            reason: "5 failures \"quoted\"\nnext line".into(),
            offence: 1,
            risk: Some(100),
            country: None,
        })
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("secast-outbox-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn pending_runs_and_sent_bans_survive_a_reopen_and_a_torn_last_line() {
        let d = dir("reopen");
        let (mut ob, opened) = Outbox::open(&d).unwrap();
        assert_eq!(opened.next_id, 1);
        let q1 = Record::Queued {
            id: 1,
            handler: "fw".into(),
            event: ban("203.0.113.5/32", 1000),
        };
        let q2 = Record::Queued {
            id: 2,
            handler: "fw".into(),
            event: ban("203.0.113.6/32", 2000),
        };
        ob.append(&[
            Record::Registered {
                handler: "fw".into(),
                since: 10,
            },
            q1,
            q2,
            Record::Delivered { id: 1 },
            Record::Attempted {
                id: 2,
                attempts: 1,
                next_try: 5000,
                error: "exit status 1".into(),
            },
        ])
        .unwrap();
        drop(ob);
        // A crash in the middle of the next line.
        let mut f = OpenOptions::new()
            .append(true)
            .open(d.join(FILE_NAME))
            .unwrap();
        f.write_all(b"D 2").unwrap();
        drop(f);

        let (_ob, opened) = Outbox::open(&d).unwrap();
        assert_eq!(opened.torn, 3);
        assert!(opened.skipped.is_empty());
        assert_eq!(opened.next_id, 3);
        let s = &opened.state;
        assert_eq!(s.jobs.keys().copied().collect::<Vec<_>>(), vec![2]);
        assert_eq!(s.jobs[&2].attempts, 1);
        assert_eq!(s.jobs[&2].next_try, 5000);
        assert_eq!(s.jobs[&2].event, ban("203.0.113.6/32", 2000));
        assert!(
            s.sent
                .contains_key(&("fw".into(), "203.0.113.5/32".parse().unwrap(), 1000))
        );
        assert_eq!(s.registered["fw"], 10);
        // The rewrite kept exactly that.
        let (_ob, again) = Outbox::open(&d).unwrap();
        assert_eq!(again.state, opened.state);
        let _ = std::fs::remove_dir_all(&d);
    }
}
