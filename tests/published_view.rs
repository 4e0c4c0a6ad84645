//! What readers on Asterisk's threads get (dialplan functions, the CLI, later the PJSIP
//! sensor): answers from the published view, the same as the engine's, and never a wait for
//! the engine's lock, which the worker holds while it sweeps or evicts a large table.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use res_secast::admin::dialplan_functions::functions;
use res_secast::admin::{ban_list, ip_page, status_page, whitelist_page};
use res_secast::config::Config;
use res_secast::decision::Command;
use res_secast::intake::{Field, RawEvent};
use res_secast::util::log::MemoryLog;
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

fn open_config() -> Config {
    let mut c = Config::default();
    c.whitelist.loopback = false;
    c.whitelist.host_addresses = false;
    c
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Waits (bounded) until the worker has finished everything submitted.
fn drained(shared: &Shared) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.queue_depth() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(shared.engine());
}

fn ask(shared: &Shared, make: impl FnOnce(res_secast::decision::Ack) -> Command) -> String {
    res_secast::admin::ask::ask(shared, make, Duration::from_secs(5))
}

#[test]
fn readers_see_what_the_engine_decided() {
    let (pipeline, ingress) =
        Pipeline::start(open_config(), Arc::new(MemoryLog::default())).unwrap();
    let shared = pipeline.shared.clone();
    for _ in 0..3 {
        ingress.submit(event(11, "203.0.113.5", "1001"), Instant::now());
    }
    for i in 0..5 {
        ingress.submit(
            event(11, &format!("198.51.100.{}", i + 1), "2001"),
            Instant::now(),
        );
    }
    drained(&shared);
    let now = shared.now();
    let engine_risk = shared.engine().risk_of(ip("203.0.113.5"), now);
    assert_eq!(engine_risk, 60);
    assert_eq!(shared.risk_of(ip("203.0.113.5")), engine_risk);
    assert_eq!(shared.risk_of(ip("::ffff:203.0.113.5")), engine_risk);
    assert_eq!(shared.risk_of(ip("203.0.113.6")), 0);
    assert_eq!(shared.risk_of_account("2001"), 100);
    assert_eq!(shared.risk_of_account("nobody"), 0);

    let answer = ask(&shared, |ack| Command::Ban {
        net: "198.51.100.0/24".parse().unwrap(),
        length: Some(Duration::from_secs(600)),
        reason: "test".into(),
        ack,
    });
    assert!(answer.starts_with("recorded"), "{answer}");
    assert!(shared.is_banned(ip("198.51.100.77")));
    assert_eq!(shared.risk_of(ip("198.51.100.77")), 100);
    assert!(!shared.is_banned(ip("198.51.101.1")));
    let listing = ban_list::bans_text(&shared, None);
    assert!(listing.starts_with("1 bans in force"), "{listing}");
    ask(&shared, |ack| Command::Unban {
        net: "198.51.100.0/24".parse().unwrap(),
        ack,
    });
    assert!(!shared.is_banned(ip("198.51.100.77")));

    let status = status_page::status_text(&shared);
    assert!(
        status.contains("Bans in force: 0 (max_bans 100000)"),
        "{status}"
    );
    assert!(status.contains("Bans refused at max_bans: 0"), "{status}");
    drop(ingress);
    pipeline.join();
}

#[test]
fn dialplan_functions_and_the_cli_answer_while_the_engine_is_held() {
    let (pipeline, ingress) =
        Pipeline::start(open_config(), Arc::new(MemoryLog::default())).unwrap();
    let shared = pipeline.shared.clone();
    for _ in 0..5 {
        ingress.submit(event(11, "203.0.113.9", "1001"), Instant::now());
    }
    drained(&shared);

    // The worker in a long sweep: its lock held for as long as it takes.
    let engine = shared.engine();
    let (tx, rx) = crossbeam_channel::bounded(1);
    let reader = {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let risk = functions()
                .iter()
                .find(|f| f.name.to_str() == Ok("SECAST_RISK"))
                .unwrap()
                .read(
                    Some("203.0.113.9:5060"),
                    Some(&shared),
                    &mut res_secast::admin::channel_context::NoChannel,
                );
            let banned = shared.is_banned(ip("203.0.113.9"));
            let page = ip_page::ip_text(&shared, ip("203.0.113.9"));
            let status = status_page::status_text(&shared);
            let whitelist = whitelist_page::whitelist_text(&shared);
            let _ = tx.send((risk, banned, page, status, whitelist));
        })
    };
    // Answered while the lock is still held here: nothing waited for it.
    let (risk, banned, page, status, whitelist) = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("readers answered without the engine's lock");
    drop(engine);
    reader.join().unwrap();
    assert_eq!(risk.unwrap(), "100");
    assert!(banned);
    assert!(page.contains("Banned: 203.0.113.9/32"), "{page}");
    assert!(page.contains("Details: not available now"), "{page}");
    assert!(status.contains("Bans in force: 1"), "{status}");
    assert!(whitelist.contains("Asterisk transport") || whitelist.contains("protected"));
    drop(ingress);
    pipeline.join();
}
