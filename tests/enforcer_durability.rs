//! The enforcer when things go wrong inside it: a ledger that cannot be written (bans still
//! enforced, acks and notices say "not yet durable", written once the disk is back), a panic
//! on its thread (restarted, counted, nothing lost), and a stop that must not wait for a
//! stuck firewall or disk.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use res_secast::decision::{Action, Alert, Ban, BanOrigin, UnbanReason};
use res_secast::enforce::enforcer::NOT_YET_DURABLE;
use res_secast::enforce::firewall::{
    Firewall, FirewallError, FirewallOp, RecordingFirewall, Rejected,
};
use res_secast::enforce::ledger::Ledger;
use res_secast::enforce::{Enforcer, EnforcerSetup, Notifier, Order};
use res_secast::util::log::MemoryLog;

const DAY_MS: i64 = 86_400_000;

fn now() -> i64 {
    res_secast::util::time::wall_clock_ms()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("secast-enfdur-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ban(net: &str) -> Ban {
    let t = now();
    Ban {
        net: net.parse().unwrap(),
        since: t,
        until: Some(t + 3_600_000),
        origin: BanOrigin::Manual,
        offence: 1,
        reason: "test".into(),
    }
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// Which bans the notifier was told of, and whether as durable.
#[derive(Default)]
struct Told(Mutex<Vec<(IpNet, bool)>>);

impl Notifier for Told {
    fn banned(&self, ban: &Ban) {
        self.0.lock().unwrap().push((ban.net, true));
    }
    fn banned_not_durable(&self, ban: &Ban) {
        self.0.lock().unwrap().push((ban.net, false));
    }
    fn unbanned(&self, _: &Ban, _: UnbanReason) {}
    fn alert(&self, _: &Alert) {}
}

/// The recording firewall, with faults the test turns on: a panic in the next apply (the
/// test-only way to make the enforcer thread panic), or a slow apply (a kernel or netlink
/// read that takes seconds).
#[derive(Clone)]
struct Faulty {
    inner: RecordingFirewall,
    panic_next: Arc<AtomicBool>,
    panic_always: Arc<AtomicBool>,
    slow: Arc<Mutex<Duration>>,
    opened: Arc<AtomicUsize>,
}

impl Firewall for Faulty {
    fn name(&self) -> &'static str {
        "faulty"
    }
    fn ensure(&mut self) -> Result<(), FirewallError> {
        self.inner.ensure()
    }
    fn apply(&mut self, ops: &[FirewallOp]) -> Result<Vec<Rejected>, FirewallError> {
        if self.panic_next.swap(false, Ordering::SeqCst) || self.panic_always.load(Ordering::SeqCst)
        {
            panic!("injected enforcer panic");
        }
        let slow = *self.slow.lock().unwrap();
        std::thread::sleep(slow);
        self.inner.apply(ops)
    }
    fn list(&mut self) -> Result<Vec<IpNet>, FirewallError> {
        self.inner.list()
    }
    fn is_intact(&mut self) -> Result<bool, FirewallError> {
        self.inner.is_intact()
    }
}

fn faulty() -> Faulty {
    Faulty {
        inner: RecordingFirewall::new(),
        panic_next: Arc::new(AtomicBool::new(false)),
        panic_always: Arc::new(AtomicBool::new(false)),
        slow: Arc::new(Mutex::new(Duration::ZERO)),
        opened: Arc::new(AtomicUsize::new(0)),
    }
}

fn start(fw: &Faulty, dir: &std::path::Path, told: Arc<Told>) -> (Enforcer, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::default());
    let (ledger, _) = Ledger::open(dir, now(), 30 * DAY_MS).unwrap();
    let fw = fw.clone();
    let enforcer = Enforcer::start(EnforcerSetup {
        opener: Some(Box::new(move || {
            fw.opened.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(fw.clone()) as Box<dyn Firewall>)
        })),
        ledger: Some(ledger),
        notifier: told,
        log: log.clone(),
        check_interval: Duration::from_millis(200),
        clock: now,
    })
    .unwrap();
    (enforcer, log)
}

fn send(enforcer: &Enforcer, b: Ban) -> crossbeam_channel::Receiver<Result<String, String>> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    enforcer
        .sender()
        .send(Order::Act {
            actions: vec![Action::Ban(b)],
            ack: Some(tx),
            decided: Instant::now(),
        })
        .unwrap();
    rx
}

fn wait_for(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

#[test]
fn a_ban_the_disk_refuses_is_enforced_said_not_durable_and_written_when_the_disk_is_back() {
    let base = tempdir("disk");
    std::fs::create_dir_all(&base).unwrap();
    let dir = base.join("ledger");
    // A file where the ledger's directory should be: every write fails.
    std::fs::write(&dir, b"in the way").unwrap();
    let fw = faulty();
    let told = Arc::new(Told::default());
    let (enforcer, log) = start(&fw, &dir, told.clone());
    let answer = send(&enforcer, ban("203.0.113.5/32"))
        .recv_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("a ban the disk refuses is still done");
    assert!(
        answer.starts_with("banned 203.0.113.5/32 for 1h"),
        "{answer}"
    );
    assert!(answer.contains(NOT_YET_DURABLE), "{answer}");
    assert_eq!(fw.inner.elements(), vec![net("203.0.113.5/32")], "enforced");
    assert_eq!(
        *told.0.lock().unwrap(),
        vec![(net("203.0.113.5/32"), false)]
    );
    assert_eq!(enforcer.stats.ledger_unwritten.load(Ordering::Relaxed), 1);
    assert!(enforcer.stats.ledger_trouble.lock().unwrap().is_some());
    assert!(
        log.lines()
            .iter()
            .any(|(_, l)| l.contains("cannot write the ban ledger") && l.contains(NOT_YET_DURABLE)),
        "{:?}",
        log.lines()
    );
    // The disk comes back: the retry timer writes it, without a new decision.
    std::fs::remove_file(&dir).unwrap();
    assert!(
        wait_for(Duration::from_secs(10), || enforcer
            .stats
            .ledger_unwritten
            .load(Ordering::Relaxed)
            == 0),
        "written within the retry interval"
    );
    assert!(enforcer.stats.ledger_trouble.lock().unwrap().is_none());
    assert!(
        log.lines()
            .iter()
            .any(|(_, l)| l.contains("writable again"))
    );
    let (_, restored) = Ledger::open(&dir, now(), DAY_MS).unwrap();
    assert_eq!(restored.active.len(), 1);
    assert_eq!(restored.offences.len(), 1, "written once");
    // Durable from now on.
    let answer = send(&enforcer, ban("203.0.113.6/32"))
        .recv_timeout(Duration::from_secs(5))
        .unwrap()
        .unwrap();
    assert!(!answer.contains(NOT_YET_DURABLE), "{answer}");
    assert_eq!(told.0.lock().unwrap()[1], (net("203.0.113.6/32"), true));
    enforcer.stop();
}

#[test]
fn a_panic_on_the_enforcer_thread_restarts_it_and_loses_no_ban() {
    let dir = tempdir("panic");
    let fw = faulty();
    let told = Arc::new(Told::default());
    let (enforcer, log) = start(&fw, &dir, told);
    send(&enforcer, ban("203.0.113.1/32"))
        .recv_timeout(Duration::from_secs(5))
        .unwrap()
        .unwrap();
    fw.panic_next.store(true, Ordering::SeqCst);
    // The order in flight when it panics: its ack is dropped (the asker sees no answer),
    // but the ban was taken and is applied after the restart.
    let lost_ack = send(&enforcer, ban("203.0.113.2/32"));
    assert!(lost_ack.recv_timeout(Duration::from_secs(5)).is_err());
    // The ack goes while the panic unwinds; the restart is counted right after.
    assert!(wait_for(Duration::from_secs(5), || enforcer
        .stats
        .restarts
        .load(Ordering::Relaxed)
        == 1));
    // Orders after the panic are served as usual.
    let answer = send(&enforcer, ban("203.0.113.3/32"))
        .recv_timeout(Duration::from_secs(5))
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("banned 203.0.113.3/32"), "{answer}");
    let mut elements = fw.inner.elements();
    elements.sort();
    assert_eq!(
        elements,
        vec![
            net("203.0.113.1/32"),
            net("203.0.113.2/32"),
            net("203.0.113.3/32")
        ],
        "every ban in the kernel, the one in flight included"
    );
    assert!(fw.opened.load(Ordering::SeqCst) >= 2, "firewall reopened");
    assert!(
        log.lines()
            .iter()
            .any(|(_, l)| l.contains("enforcer thread panicked") && l.contains("restart 1"))
    );
    enforcer.stop();
    let (_, restored) = Ledger::open(&dir, now(), DAY_MS).unwrap();
    assert_eq!(restored.active.len(), 3, "all three on disk");
    assert_eq!(restored.offences.len(), 3, "none twice");
}

#[test]
fn a_firewall_that_panics_every_time_neither_kills_nor_wedges_the_enforcer() {
    let dir = tempdir("panic-always");
    let fw = faulty();
    let (enforcer, _) = start(&fw, &dir, Arc::new(Told::default()));
    fw.panic_always.store(true, Ordering::SeqCst);
    let lost = send(&enforcer, ban("203.0.113.4/32"));
    assert!(lost.recv_timeout(Duration::from_secs(5)).is_err());
    let stats = enforcer.stats.clone();
    assert!(
        enforcer.stop_within(Duration::from_secs(10)).is_ok(),
        "the order to stop is honoured even from a batch that panicked"
    );
    assert!(stats.restarts.load(Ordering::Relaxed) >= 1);
    let (_, restored) = Ledger::open(&dir, now(), DAY_MS).unwrap();
    assert_eq!(restored.active.len(), 1, "the decision reached the ledger");
}

#[test]
fn a_stop_does_not_wait_for_a_stuck_firewall_and_the_abandoned_thread_leaves_the_ledger_alone() {
    let dir = tempdir("stuck");
    let fw = faulty();
    let told = Arc::new(Told::default());
    let (enforcer, _) = start(&fw, &dir, told);
    *fw.slow.lock().unwrap() = Duration::from_secs(3);
    // Queued behind a 3 s firewall call.
    let _pending = send(&enforcer, ban("203.0.113.9/32"));
    std::thread::sleep(Duration::from_millis(100));
    let stopped = enforcer.stop_within(Duration::from_millis(500));
    assert!(stopped.is_err(), "gave up on the stuck thread");
    assert!(
        fw.inner.elements().is_empty(),
        "returned before the stuck firewall call did"
    );
    // Once the firewall call returns, the abandoned thread must not write the ledger (the
    // next load owns it).
    std::thread::sleep(Duration::from_secs(4));
    let (_, restored) = Ledger::open(&dir, now(), DAY_MS).unwrap();
    assert!(restored.active.is_empty(), "{:?}", restored.active);
}
