//! What event handlers cost. On the enforcer thread, per decision: the notifier's copy into the
//! runner's queue (all it may do there). On a runner thread, per run: starting a program with
//! its own session and descriptors closed, feeding its stdin, reading its output and waiting
//! for it (`/bin/true`, the floor under any real handler).

use std::ffi::OsString;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ipnet::IpNet;
use res_secast::decision::{Ban, BanOrigin};
use res_secast::enforce::Notifier;
use res_secast::enforce::handlers::{Handlers, HandlersSetup, NoEnrich, OwnChildren};
use res_secast::os::process::{Spawn, run};
use res_secast::util::log::MemoryLog;
use res_secast::util::time::wall_clock_ms;

fn notifier_on_the_enforcer_thread(c: &mut Criterion) {
    let (handlers, notifier) = Handlers::start(HandlersSetup {
        dir: None,
        handlers: Vec::new(),
        in_force: Vec::new(),
        enrich: Arc::new(NoEnrich),
        reaping: Arc::new(OwnChildren),
        log: Arc::new(MemoryLog::default()),
        clock: wall_clock_ms,
        node: "bench".into(),
    })
    .expect("runner starts");
    handlers.begin();
    let net: IpNet = "203.0.113.5/32".parse().unwrap();
    let ban = Ban {
        net,
        since: wall_clock_ms(),
        until: Some(wall_clock_ms() + 3_600_000),
        origin: BanOrigin::Rule("brute_force".into()),
        offence: 1,
        reason: "5 authentication failures within 10m".into(),
    };
    c.bench_function("handler_notifier_banned", |b| {
        b.iter(|| notifier.banned(&ban))
    });
    handlers.stop();
}

fn one_run_of_a_program(c: &mut Criterion) {
    let spec = Spawn {
        program: "/bin/true".into(),
        args: vec![OsString::from("ban"), OsString::from("203.0.113.5")],
        env: vec![("SECAST_ACTION".into(), "ban".into())],
        uid: None,
        gid: None,
        stdin: br#"{"action":"ban","ip":"203.0.113.5"}"#.to_vec(),
        timeout: Duration::from_secs(10),
        capture: 4096,
    };
    let stop = AtomicBool::new(false);
    let mut group = c.benchmark_group("handler_run");
    group.sample_size(30);
    group.bench_function("bin_true", |b| b.iter(|| run(&spec, &stop).expect("runs")));
    group.finish();
}

criterion_group!(
    benches,
    notifier_on_the_enforcer_thread,
    one_run_of_a_program
);
criterion_main!(benches);
