//! The enforcer with a recording firewall: bans reach the kernel, then the disk, then the
//! admin; firewall trouble delays a ban but never loses it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use res_secast::decision::{Action, UnbanReason};
use res_secast::decision::{Ban, BanOrigin};
use res_secast::enforce::firewall::{Firewall, FirewallErrorKind, RecordingFirewall};
use res_secast::enforce::ledger::Ledger;
use res_secast::enforce::{Enforcer, EnforcerSetup, NoNotifier, Order};
use res_secast::util::log::MemoryLog;

fn now() -> i64 {
    res_secast::util::time::wall_clock_ms()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("secast-enforcer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ban(net: &str, secs: Option<i64>) -> Ban {
    let t = now();
    Ban {
        net: net.parse().unwrap(),
        since: t,
        until: secs.map(|s| t + s * 1000),
        origin: BanOrigin::Manual,
        offence: 1,
        reason: "test".into(),
    }
}

fn start(fw: &RecordingFirewall, dir: &std::path::Path) -> (Enforcer, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::default());
    let (ledger, _) = Ledger::open(dir, now(), 30 * 86_400_000).unwrap();
    let fw = fw.clone();
    let enforcer = Enforcer::start(EnforcerSetup {
        opener: Some(Box::new(move || {
            Ok(Box::new(fw.clone()) as Box<dyn Firewall>)
        })),
        ledger: Some(ledger),
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

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

#[test]
fn a_ban_reaches_the_firewall_and_the_ledger_before_it_is_acknowledged() {
    let fw = RecordingFirewall::new();
    let dir = tempdir("ack");
    let (enforcer, _) = start(&fw, &dir);
    let answer = act(
        &enforcer,
        vec![Action::Ban(ban("203.0.113.5/32", Some(3600)))],
    )
    .unwrap();
    assert_eq!(answer, "banned 203.0.113.5/32 for 1h");
    assert_eq!(fw.elements(), vec![net("203.0.113.5/32")]);
    let timeout = fw.state().elements[&net("203.0.113.5/32")].unwrap();
    assert!(timeout <= Duration::from_secs(3600) && timeout > Duration::from_secs(3590));
    // On disk already: a fresh reader sees it.
    let (_, restored) = Ledger::open(&dir, now(), 86_400_000).unwrap();
    assert_eq!(restored.active.len(), 1);

    let b = ban("203.0.113.5/32", Some(3600));
    act(
        &enforcer,
        vec![Action::Unban {
            ban: b,
            why: UnbanReason::Manual,
        }],
    )
    .unwrap();
    assert!(fw.elements().is_empty());
    enforcer.stop();
}

#[test]
fn a_failing_firewall_keeps_the_ban_pending_and_retries() {
    let fw = RecordingFirewall::new();
    fw.fail_always(Some(FirewallErrorKind::PermissionDenied));
    let dir = tempdir("retry");
    let (enforcer, log) = start(&fw, &dir);
    let answer = act(&enforcer, vec![Action::Ban(ban("203.0.113.6/32", None))]).unwrap();
    assert!(
        answer.starts_with("banned 203.0.113.6/32 permanently (firewall pending:"),
        "{answer}"
    );
    assert!(fw.elements().is_empty());
    // Recorded all the same.
    let (_, restored) = Ledger::open(&dir, now(), 86_400_000).unwrap();
    assert_eq!(restored.active.len(), 1);
    let errors = log
        .lines()
        .into_iter()
        .filter(|(_, l)| l.contains("firewall error"))
        .count();
    assert_eq!(
        errors, 1,
        "the same error is logged once, not at every retry"
    );

    fw.fail_always(None);
    assert!(wait_for(Duration::from_secs(3), || fw.elements()
        == vec![net("203.0.113.6/32")]));
    assert!(
        log.lines()
            .iter()
            .any(|(_, l)| l.contains("firewall working again"))
    );
    let stats = enforcer.stop();
    assert_eq!(
        stats.pending_ops.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[test]
fn a_table_deleted_behind_our_back_is_rebuilt_with_every_ban() {
    let fw = RecordingFirewall::new();
    let dir = tempdir("repair");
    let (enforcer, _) = start(&fw, &dir);
    act(
        &enforcer,
        vec![
            Action::Ban(ban("203.0.113.7/32", Some(600))),
            Action::Ban(ban("2001:db8::7/128", None)),
            Action::Ban(ban("198.51.100.0/24", Some(600))),
        ],
    )
    .unwrap();
    assert_eq!(fw.elements().len(), 3);
    fw.break_table();
    assert!(wait_for(Duration::from_secs(3), || fw.elements().len() == 3));
    let stats = enforcer.stop();
    assert!(stats.repairs.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}

#[test]
fn restored_bans_go_back_into_the_kernel_with_their_remaining_time() {
    let fw = RecordingFirewall::new();
    let dir = tempdir("restore");
    let (enforcer, _) = start(&fw, &dir);
    let mut old = ban("203.0.113.8/32", Some(600));
    old.since -= 300_000;
    old.until = Some(old.since + 600_000);
    let ended = {
        let mut b = ban("203.0.113.9/32", Some(1));
        b.until = Some(now() - 1);
        b
    };
    enforcer
        .sender()
        .send(Order::Restore(vec![old, ended]))
        .unwrap();
    assert!(wait_for(Duration::from_secs(3), || !fw
        .elements()
        .is_empty()));
    assert_eq!(fw.elements(), vec![net("203.0.113.8/32")]);
    let t = fw.state().elements[&net("203.0.113.8/32")].unwrap();
    assert!(
        t <= Duration::from_secs(300) && t > Duration::from_secs(290),
        "{t:?}"
    );
    enforcer.stop();
}
