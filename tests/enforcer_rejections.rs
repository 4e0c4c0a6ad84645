//! The enforcer with a recording firewall, for what the kernel will never take: an element
//! the firewall refuses is reported by name and holds back no other ban, and an idle, healthy
//! firewall reports no error at all.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use res_secast::decision::{Action, Ban, BanOrigin};
use res_secast::enforce::firewall::{Firewall, RecordingFirewall};
use res_secast::enforce::{Enforcer, EnforcerSetup, NoNotifier, Order};
use res_secast::util::log::MemoryLog;

fn now() -> i64 {
    res_secast::util::time::wall_clock_ms()
}

fn ban(net: &str) -> Ban {
    Ban {
        net: net.parse().unwrap(),
        since: now(),
        until: Some(now() + 3_600_000),
        origin: BanOrigin::Manual,
        offence: 1,
        reason: "test".into(),
    }
}

fn start(fw: &RecordingFirewall) -> (Enforcer, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::default());
    let fw = fw.clone();
    let enforcer = Enforcer::start(EnforcerSetup {
        opener: Some(Box::new(move || {
            Ok(Box::new(fw.clone()) as Box<dyn Firewall>)
        })),
        ledger: None,
        notifier: Arc::new(NoNotifier),
        log: log.clone(),
        check_interval: Duration::from_millis(100),
        clock: now,
    })
    .unwrap();
    (enforcer, log)
}

fn act(enforcer: &Enforcer, actions: Vec<Action>) -> Result<String, String> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    enforcer
        .sender()
        .send(Order::Act {
            actions,
            ack: Some(tx),
            decided: Instant::now(),
        })
        .unwrap();
    rx.recv_timeout(Duration::from_secs(5))
        .expect("acknowledged")
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

#[test]
fn an_element_the_kernel_refuses_is_named_and_holds_back_no_later_ban() {
    let fw = RecordingFirewall::new();
    fw.state().refuse.push(net("198.51.100.66/32"));
    let (enforcer, log) = start(&fw);
    let answer = act(&enforcer, vec![Action::Ban(ban("198.51.100.66/32"))]).unwrap();
    assert!(!answer.contains("pending"), "{answer}");
    let answer = act(&enforcer, vec![Action::Ban(ban("203.0.113.9/32"))]).unwrap();
    assert!(!answer.contains("pending"), "{answer}");
    assert_eq!(fw.elements(), vec![net("203.0.113.9/32")]);
    assert!(
        log.lines()
            .iter()
            .any(|(_, l)| l.contains("cannot apply 198.51.100.66/32")),
        "{:?}",
        log.lines()
    );
    // A table repair does not bring the refused element back to fail again.
    fw.break_table();
    let deadline = Instant::now() + Duration::from_secs(3);
    while fw.elements().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(fw.elements(), vec![net("203.0.113.9/32")]);
    let stats = enforcer.stop();
    assert_eq!(stats.rejected.load(Ordering::Relaxed), 1);
    assert_eq!(stats.pending_ops.load(Ordering::Relaxed), 0);
}

#[test]
fn a_network_no_set_holds_is_rejected_in_its_batch_and_the_others_applied() {
    let fw = RecordingFirewall::new();
    let (enforcer, _) = start(&fw);
    act(
        &enforcer,
        vec![
            Action::Ban(ban("203.0.113.10/32")),
            Action::Ban(ban("::ffff:0:0/96")),
            Action::Ban(ban("203.0.113.11/32")),
        ],
    )
    .unwrap();
    assert_eq!(
        fw.elements(),
        vec![net("203.0.113.10/32"), net("203.0.113.11/32")]
    );
    let stats = enforcer.stop();
    assert_eq!(stats.rejected.load(Ordering::Relaxed), 1);
}

#[test]
fn an_idle_healthy_firewall_has_its_table_at_load_and_reports_no_error() {
    let fw = RecordingFirewall::new();
    // As on a fresh boot: no table until we make it.
    fw.break_table();
    let (enforcer, log) = start(&fw);
    // Several check intervals with nothing to do.
    std::thread::sleep(Duration::from_millis(600));
    assert!(fw.state().intact, "the table is made at load");
    assert_eq!(fw.state().ensure_calls, 1);
    let stats = enforcer.stop();
    assert_eq!(stats.repairs.load(Ordering::Relaxed), 0);
    assert!(stats.last_error.lock().unwrap().is_none());
    assert!(log.lines().is_empty(), "{:?}", log.lines());
}
