//! The ban ledger: what was recorded is there after a reopen, torn lines are survived, and old
//! history is compacted away.

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
fn a_torn_last_line_is_skipped_and_reported() {
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
    let (_, r) = Ledger::open(&dir, T0 + 1, 30 * DAY).unwrap();
    assert_eq!(r.active.len(), 1);
    assert_eq!(r.skipped, vec![3]);
    // The rewrite on open dropped the torn line.
    let (_, r) = Ledger::open(&dir, T0 + 2, 30 * DAY).unwrap();
    assert!(r.skipped.is_empty());
    assert_eq!(r.active.len(), 1);
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
