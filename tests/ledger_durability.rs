//! The ban ledger: what was recorded is there after a reopen, torn lines are survived, and old
//! history is compacted away. A disk that refuses writes never costs a restored ban, a retried
//! write is read once, reasons round-trip exactly, and format-1 files still load.

use std::io::Write;

use ipnet::IpNet;
use res_secast::decision::{Ban, BanOrigin};
use res_secast::enforce::ledger::{Ledger, Record};

const T0: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("secast-ledger-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ban(net: &str, since: i64, hours: Option<i64>) -> Ban {
    Ban {
        net: net.parse::<IpNet>().unwrap(),
        since,
        until: hours.map(|h| since + h * HOUR),
        origin: BanOrigin::Rule("brute_force".into()),
        offence: 1,
        reason: "brute_force: 5 authentication failures within 10m".into(),
    }
}

#[test]
fn bans_survive_reopening_and_ended_ones_are_not_restored() {
    let dir = tempdir("reopen");
    {
        let (mut l, r) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
        assert!(r.active.is_empty());
        l.append(
            &[
                Record::Ban(ban("203.0.113.5/32", T0, Some(1))),
                Record::Ban(ban("2001:db8::5/128", T0, None)),
                Record::Ban(ban("198.51.100.0/24", T0, Some(10))),
                Record::Ban(ban("203.0.113.6/32", T0, Some(10))),
                Record::Unban {
                    net: "203.0.113.6/32".parse().unwrap(),
                    at: T0 + 1000,
                    why: "manual".into(),
                },
            ],
            T0,
        )
        .unwrap();
        // No close, no flush beyond what append did: as after a kill -9.
        std::mem::forget(l);
    }
    let (_, r) = Ledger::open(&dir, T0 + 2 * HOUR, 30 * DAY).unwrap();
    let mut active: Vec<String> = r.active.iter().map(|b| b.net.to_string()).collect();
    active.sort();
    assert_eq!(active, ["198.51.100.0/24", "2001:db8::5/128"]);
    assert_eq!(r.ended, 2, "the expired one and the lifted one");
    assert_eq!(r.offences.len(), 4, "every ban counts as an offence");
    let permanent = r
        .active
        .iter()
        .find(|b| b.net.to_string() == "2001:db8::5/128")
        .unwrap();
    assert_eq!(permanent.until, None);
    assert_eq!(
        permanent.reason,
        "brute_force: 5 authentication failures within 10m"
    );
}

#[test]
fn a_torn_last_line_is_cut_off() {
    let dir = tempdir("torn");
    {
        let (mut l, _) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
        l.append(&[Record::Ban(ban("203.0.113.5/32", T0, Some(5)))], T0)
            .unwrap();
    }
    let path = dir.join("bans.ledger");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"B 18000000000 203.0.11").unwrap();
    drop(f);
    let (l, r) = Ledger::open(&dir, T0 + 1, 30 * DAY).unwrap();
    assert_eq!(r.active.len(), 1);
    assert_eq!(r.torn_tail, 22, "the torn record's bytes");
    assert!(r.skipped.is_empty());
    assert!(l.trouble().is_none());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.ends_with('\n'),
        "cut back to the last whole record: {text:?}"
    );
    assert_eq!(text.lines().count(), 2);
    let (_, r) = Ledger::open(&dir, T0 + 2, 30 * DAY).unwrap();
    assert_eq!(r.torn_tail, 0);
    assert_eq!(r.active.len(), 1);
}

#[test]
fn a_line_torn_mid_file_is_skipped_and_reported_then_compacted_away() {
    let dir = tempdir("midtorn");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bans.ledger"),
        "secast-ledger 2\nB 1 1800000000000 203.0.113.5/32 - manual 1 a\nB 2 18000\nB 3 1800000000000 203.0.113.6/32 - manual 1 b\n",
    )
    .unwrap();
    let (_, r) = Ledger::open(&dir, T0 + 1, 30 * DAY).unwrap();
    assert_eq!(r.skipped, vec![3]);
    assert_eq!(r.active.len(), 2);
    let (_, r) = Ledger::open(&dir, T0 + 2, 30 * DAY).unwrap();
    assert!(r.skipped.is_empty(), "rewritten without it");
    assert_eq!(r.active.len(), 2);
}

/// The case: a torn line makes open compact, and the compaction fails (here the
/// temporary file's name is taken by a directory; on a host, a full or read-only disk). The
/// bans in force must still come back, and the trouble be reported, not the ledger dropped.
#[test]
fn bans_are_restored_even_when_the_ledger_cannot_be_written() {
    let dir = tempdir("unwritable");
    {
        let (mut l, _) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
        l.append(
            &[
                Record::Ban(ban("203.0.113.5/32", T0, Some(5))),
                Record::Ban(ban("203.0.113.6/32", T0, None)),
            ],
            T0,
        )
        .unwrap();
    }
    let path = dir.join("bans.ledger");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"garbage in the middle\nB 3 1800000000000 203.0.113.7/32 - manual 1 c\n")
        .unwrap();
    drop(f);
    let blocker = dir.join("bans.ledger.tmp");
    std::fs::create_dir(&blocker).unwrap();
    let (mut l, r) = Ledger::open(&dir, T0 + 1, 30 * DAY).unwrap();
    assert_eq!(r.active.len(), 3, "every ban in force is restored");
    assert!(l.trouble().is_some(), "the failed rewrite is reported");
    // Decisions keep coming while the disk refuses: accepted, owed, not lost.
    assert!(
        l.append(
            &[Record::Ban(ban("198.51.100.1/32", T0 + 2, Some(5)))],
            T0 + 2
        )
        .is_err()
    );
    assert!(!l.is_durable());
    // The disk comes back: the next write does the rewrite, with the owed record in it.
    std::fs::remove_dir(&blocker).unwrap();
    l.flush(T0 + 3).unwrap();
    assert!(l.is_durable() && l.trouble().is_none());
    let (_, r) = Ledger::open(&dir, T0 + 4, 30 * DAY).unwrap();
    assert_eq!(r.active.len(), 4);
    assert!(r.skipped.is_empty());
}

/// A directory that cannot be created (a file is in its way): bans are accepted, the ledger
/// says why it cannot write, and once the way is clear everything is written exactly once.
#[test]
fn records_wait_in_memory_and_are_written_once_the_disk_is_back() {
    let base = tempdir("blocked");
    std::fs::create_dir_all(&base).unwrap();
    let dir = base.join("ledger");
    std::fs::write(&dir, b"in the way").unwrap();
    let (mut l, r) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
    assert!(r.active.is_empty());
    assert!(l.trouble().is_some());
    for i in 0..3 {
        let rec = Record::Ban(ban(&format!("203.0.113.{i}/32"), T0, Some(1)));
        assert!(l.append(&[rec], T0 + i).is_err());
    }
    assert_eq!(l.unwritten(), 3);
    assert!(l.flush(T0 + 5).is_err(), "retried, still refused");
    std::fs::remove_file(&dir).unwrap();
    l.flush(T0 + 6).unwrap();
    assert_eq!(l.unwritten(), 0);
    let (_, r) = Ledger::open(&dir, T0 + 7, 30 * DAY).unwrap();
    assert_eq!(r.active.len(), 3);
    assert_eq!(r.offences.len(), 3, "no duplicate records");
    assert_eq!(r.duplicates, 0);
}

/// A retry after a write that failed half-way, whose debris could not be cut: the records it
/// repeats carry the numbers they had, and are read once (a second copy would count as a
/// second offence and make a ban permanent too early).
#[test]
fn a_record_written_twice_counts_once() {
    let dir = tempdir("dup");
    {
        let (mut l, _) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
        l.append(&[Record::Ban(ban("203.0.113.5/32", T0, Some(5)))], T0)
            .unwrap();
        l.append(&[Record::Ban(ban("203.0.113.6/32", T0, Some(5)))], T0)
            .unwrap();
    }
    let path = dir.join("bans.ledger");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0] == "secast-ledger 2", "{lines:?}");
    // Half of record 2 again, then records 1 (no: 2) and 2 again on a fresh line.
    let again = format!("{}\n{}\n", &lines[2][..10], lines[2]);
    std::fs::write(&path, format!("{text}{again}")).unwrap();
    let (_, r) = Ledger::open(&dir, T0 + 1, 30 * DAY).unwrap();
    assert_eq!(r.offences.len(), 2, "{:?}", r.offences);
    assert_eq!(r.duplicates, 1);
    assert_eq!(r.active.len(), 2);
}

#[test]
fn the_reason_round_trips_exactly_through_compactions() {
    let dir = tempdir("reason");
    let reason = "manual: \"quoted\" back\\slash\\x41 tab\t new\nline é ✓";
    let mut b = ban("203.0.113.9/32", T0, None);
    b.reason = reason.into();
    b.origin = BanOrigin::from_label("brute force@node one");
    let (mut l, _) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
    l.append(&[Record::Ban(b.clone())], T0).unwrap();
    for i in 1..=3 {
        l.compact(T0 + i).unwrap();
        let (again, r) = Ledger::open(&dir, T0 + i, 30 * DAY).unwrap();
        assert_eq!(r.active.len(), 1);
        assert_eq!(r.active[0].reason, reason, "after compaction {i}");
        assert_eq!(r.active[0].origin, b.origin);
        l = again;
    }
}

#[test]
fn a_format_1_ledger_loads_and_is_rewritten_as_format_2() {
    let dir = tempdir("v1");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bans.ledger"),
        "secast-ledger 1\n\
         B 1800000000000 203.0.113.5/32 - manual 1 manual ban \\x22x\\x22\n\
         B 1800000000000 203.0.113.6/32 1800003600000 brute_force 2 brute_force: 5 failures\n\
         U 1800000001000 203.0.113.6/32 manual\n",
    )
    .unwrap();
    let (_, r) = Ledger::open(&dir, T0 + 2000, 30 * DAY).unwrap();
    assert!(r.old_format);
    assert_eq!(r.active.len(), 1);
    assert_eq!(
        r.active[0].reason, "manual ban \\x22x\\x22",
        "read as written"
    );
    assert_eq!(r.ended, 1);
    let text = std::fs::read_to_string(dir.join("bans.ledger")).unwrap();
    assert!(text.starts_with("secast-ledger 2\n"), "{text}");
    let (_, r) = Ledger::open(&dir, T0 + 3000, 30 * DAY).unwrap();
    assert!(!r.old_format);
    assert_eq!(r.active.len(), 1);
    assert_eq!(r.active[0].reason, "manual ban \\x22x\\x22", "kept exactly");
    assert_eq!(r.offences.len(), 2);
}

#[test]
fn hostile_reason_stays_on_one_line() {
    let dir = tempdir("hostile");
    let mut b = ban("203.0.113.9/32", T0, Some(1));
    b.reason = "x\nB 0 0.0.0.0/0 - manual 1 everything".into();
    {
        let (mut l, _) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
        l.append(&[Record::Ban(b)], T0).unwrap();
    }
    let (_, r) = Ledger::open(&dir, T0 + 1, 30 * DAY).unwrap();
    assert_eq!(r.active.len(), 1, "{:?}", r.active);
    assert_eq!(r.active[0].net.to_string(), "203.0.113.9/32");
}

#[test]
fn old_history_is_forgotten_and_the_file_compacted() {
    let dir = tempdir("compact");
    let (mut l, _) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
    let records: Vec<Record> = (0..25_000)
        .map(|i| {
            Record::Ban(ban(
                &format!("10.{}.{}.{}/32", i >> 16, (i >> 8) & 255, i & 255),
                T0,
                Some(1),
            ))
        })
        .collect();
    l.append(&records, T0).unwrap();
    // 40 days later nothing is remembered; the next append compacts.
    let later = T0 + 40 * DAY;
    l.append(&[Record::Ban(ban("203.0.113.1/32", later, Some(1)))], later)
        .unwrap();
    l.compact(later).unwrap();
    assert_eq!(l.remembered(), 1);
    let lines = std::fs::read_to_string(dir.join("bans.ledger"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(lines, 2, "header and the one live ban");
}

#[test]
fn restoring_100k_bans_is_quick_enough_to_do_at_load() {
    let dir = tempdir("bulk");
    {
        let (mut l, _) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
        let records: Vec<Record> = (0..100_000)
            .map(|i| {
                Record::Ban(ban(
                    &format!("10.{}.{}.{}/32", i >> 16, (i >> 8) & 255, i & 255),
                    T0,
                    Some(24),
                ))
            })
            .collect();
        l.append(&records, T0).unwrap();
    }
    let (_, r) = Ledger::open(&dir, T0 + HOUR, 30 * DAY).unwrap();
    assert_eq!(r.active.len(), 100_000);
}

/// Found by fuzzing the replay: a permanent ban replaced by a later, short one for the same
/// source. The older record falls out of the history at compaction while the permanent one
/// stayed "in force" by its own record, so it came back after the compaction as a ban nobody
/// had decided any more.
#[test]
fn a_replaced_ban_stays_replaced_through_compaction_and_replay() {
    let dir = tempdir("replaced");
    let long_ago = T0 - 60 * DAY;
    {
        let (mut l, _) = Ledger::open(&dir, long_ago, 30 * DAY).unwrap();
        l.append(
            &[
                Record::Ban(ban("2001:db8::/64", long_ago, None)),
                Record::Ban(ban("2001:db8::/64", long_ago + HOUR, Some(1))),
            ],
            long_ago + HOUR,
        )
        .unwrap();
    }
    let (mut l, r) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
    assert!(r.active.is_empty(), "the later, expired ban is what holds");
    l.compact(T0).unwrap();
    drop(l);
    let (_, again) = Ledger::open(&dir, T0, 30 * DAY).unwrap();
    assert!(
        again.active.is_empty(),
        "a compaction must not bring the replaced ban back: {:?}",
        again.active
    );
}
