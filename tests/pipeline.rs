//! The hand-over from Asterisk's thread to the engine worker and what the status shows.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use res_secast::admin::status_page::status_text;
use res_secast::config::{Config, General};
use res_secast::intake::{Field, RawEvent};
use res_secast::util::log::{Level, MemoryLog};
use res_secast::worker::{Pipeline, Shared};

fn event(kind: i64, src: &str, account: &str) -> RawEvent {
    let mut raw = RawEvent::new(kind);
    raw.set(Field::Service, b"PJSIP");
    raw.set(Field::AccountId, account.as_bytes());
    raw.set(
        Field::RemoteAddress,
        format!("IPV4/UDP/{src}/5060").as_bytes(),
    );
    raw
}

/// What the worker logged about events, without the start-up notices (geofencing off, …).
fn worker_lines(log: &MemoryLog) -> Vec<(Level, String)> {
    log.lines()
        .into_iter()
        .filter(|(l, _)| *l != Level::Notice)
        .collect()
}

/// Waits (bounded) until the worker has taken everything submitted.
fn drained(shared: &Shared) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.queue_depth() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    // The worker counts "taken" before it processes; give it the stats lock once more.
    drop(shared.event_counters());
}

#[test]
fn counts_events_by_type_service_and_source() {
    let log = Arc::new(MemoryLog::default());
    let (pipeline, ingress) = Pipeline::start(Config::default(), log).unwrap();
    for i in 0..50 {
        assert!(ingress.submit(event(13, "127.0.0.5", "1001"), Instant::now()));
        assert!(ingress.submit(event(11, "127.0.0.5", "1001"), Instant::now()));
        assert!(ingress.submit(
            event(1, "127.0.0.6", &format!("ghost{i:04}")),
            Instant::now()
        ));
        assert!(ingress.submit(event(13, "127.0.0.6", "<unknown>"), Instant::now()));
    }
    drop(ingress);
    let shared = pipeline.join();
    let stats = shared.event_counters();
    assert_eq!(stats.processed, 200);
    assert_eq!(stats.by_kind[11], 50);
    assert_eq!(stats.by_kind[13], 100);
    assert_eq!(stats.services(), &[("PJSIP".to_owned(), 200)]);
    let attacker = stats.source(&"127.0.0.5".parse().unwrap()).unwrap();
    assert_eq!(attacker.by_kind[11], 50);
    assert_eq!(attacker.distinct_accounts(), (1, false));
    let enumerator = stats.source(&"127.0.0.6".parse().unwrap()).unwrap();
    assert_eq!(
        enumerator.distinct_accounts(),
        (res_secast::worker::MAX_ACCOUNTS_PER_SOURCE, true),
        "<unknown> is not an account; beyond the cap the count stops"
    );
    drop(stats);

    let text = status_text(&shared);
    assert!(text.contains("Events received: 200"), "{text}");
    assert!(text.contains("Events dropped: 0"), "{text}");
    assert!(
        text.contains("events=100 accounts=1 ChallengeResponseFailed=50 ChallengeSent=50"),
        "{text}"
    );
    assert!(
        text.contains("events=100 accounts=32+ InvalidAccountID=50 ChallengeSent=50"),
        "{text}"
    );
}

#[test]
fn full_queue_drops_and_counts_instead_of_blocking() {
    let log = Arc::new(MemoryLog::default());
    let cfg = Config {
        general: General {
            queue_size: 64,
            ..General::default()
        },
        ..Config::default()
    };
    let (pipeline, ingress) = Pipeline::start(cfg, log).unwrap();
    let shared = pipeline.shared.clone();
    // Holding the stats lock stalls the worker on its first event, as a slow engine would.
    let stall = shared.event_counters();
    let t = Instant::now();
    let accepted = (0..1000)
        .filter(|_| ingress.submit(event(11, "127.0.0.5", "1001"), Instant::now()))
        .count();
    let submit_time = t.elapsed();
    let dropped = shared.ingress.dropped.load(Ordering::Relaxed);
    assert!((64..=65).contains(&accepted), "accepted {accepted}");
    assert_eq!(accepted as u64 + dropped, 1000);
    assert!(
        submit_time < Duration::from_secs(5),
        "submit must not wait for the worker"
    );
    drop(stall);
    drained(&shared);
    drop(ingress);
    let shared = pipeline.join();
    assert_eq!(shared.event_counters().processed, accepted as u64);
    assert!(status_text(&shared).contains(&format!("Events dropped: {dropped}")));
}

#[test]
fn malformed_events_are_counted_and_logged_at_debug() {
    let log = Arc::new(MemoryLog::default());
    let (pipeline, ingress) = Pipeline::start(Config::default(), log.clone()).unwrap();
    ingress.submit(RawEvent::new(42), Instant::now());
    let mut no_addr = RawEvent::new(11);
    no_addr.set(Field::Service, b"PJSIP");
    ingress.submit(no_addr, Instant::now());
    ingress.submit(event(11, "127.0.0.5", "1001"), Instant::now());
    drop(ingress);
    let shared = pipeline.join();
    assert_eq!(shared.event_counters().malformed, 2);
    assert_eq!(shared.event_counters().processed, 1);
    let lines = worker_lines(&log);
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|(l, _)| *l == Level::Debug));
    assert!(lines[0].1.contains("unknown security event type 42"));
}

#[test]
fn logged_events_escape_the_account() {
    let log = Arc::new(MemoryLog::default());
    let cfg = Config {
        general: General {
            log_events: true,
            ..General::default()
        },
        ..Config::default()
    };
    let (pipeline, ingress) = Pipeline::start(cfg, log.clone()).unwrap();
    ingress.submit(event(1, "127.0.0.5", "x\r\nNOTICE forged"), Instant::now());
    drop(ingress);
    pipeline.join();
    let lines = worker_lines(&log);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].1.contains("account=\"x\\x0d\\x0aNOTICE forged\""),
        "{}",
        lines[0].1
    );
}

#[test]
fn a_full_source_table_makes_room_for_new_sources() {
    let log = Arc::new(MemoryLog::default());
    let cfg = Config {
        general: General {
            max_tracked_sources: 100,
            ..General::default()
        },
        ..Config::default()
    };
    let (pipeline, ingress) = Pipeline::start(cfg, log).unwrap();
    for i in 0..150u32 {
        let src = format!("10.0.{}.{}", i / 256, i % 256);
        ingress.submit(event(11, &src, "1001"), Instant::now());
    }
    drop(ingress);
    let shared = pipeline.join();
    let stats = shared.event_counters();
    assert!(stats.tracked_sources() <= 100);
    assert!(stats.swept_sources >= 50);
    assert_eq!(stats.untracked_source_events, 0);
    assert!(stats.source(&"10.0.0.149".parse().unwrap()).is_some());
    assert_eq!(stats.by_kind[11], 150);
}

#[test]
fn config_swap_is_seen_by_the_worker() {
    let log = Arc::new(MemoryLog::default());
    let (pipeline, ingress) = Pipeline::start(Config::default(), log.clone()).unwrap();
    ingress.submit(event(11, "127.0.0.5", "1001"), Instant::now());
    drained(&pipeline.shared);
    pipeline.shared.reconfigure(Config {
        general: General {
            log_events: true,
            ..General::default()
        },
        ..Config::default()
    });
    ingress.submit(event(11, "127.0.0.5", "1001"), Instant::now());
    drop(ingress);
    pipeline.join();
    assert_eq!(
        worker_lines(&log).len(),
        1,
        "only the event after the swap is logged"
    );
}
