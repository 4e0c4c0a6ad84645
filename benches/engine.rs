//! Engine throughput on one core: parsed security events in, decisions out.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use res_secast::config::Config;
use res_secast::engine::Engine;
use res_secast::intake::{Field, RawEvent, SecurityEvent};

/// A realistic mix: mostly one-off scanners, some brute forcers, challenges and logins.
fn events(n: usize) -> Vec<SecurityEvent> {
    (0..n)
        .map(|i| {
            let kind = match i % 10 {
                0..=3 => 11, // ChallengeResponseFailed
                4..=6 => 13, // ChallengeSent
                7 | 8 => 1,  // InvalidAccountID
                _ => 9,      // SuccessfulAuth
            };
            // 50k distinct sources, so state lookups miss the cache as they do under a scan.
            let src = i % 50_000;
            let mut raw = RawEvent::new(kind);
            raw.set(Field::Service, b"PJSIP");
            raw.set(Field::AccountId, format!("{}", 1000 + i % 97).as_bytes());
            raw.set(
                Field::RemoteAddress,
                format!(
                    "IPV4/UDP/10.{}.{}.{}/5060",
                    src >> 16,
                    (src >> 8) & 255,
                    src & 255
                )
                .as_bytes(),
            );
            raw.set(Field::LocalAddress, b"IPV4/UDP/192.0.2.1/5060");
            raw.parse().expect("valid event")
        })
        .collect()
}

fn throughput(c: &mut Criterion) {
    let evs = events(200_000);
    let mut cfg = Config::default();
    cfg.whitelist.networks.push("10.0.0.0/8".parse().unwrap());
    let mut engine = Engine::new(Arc::new(cfg), Vec::new());
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(evs.len() as u64));
    let mut now = 1_800_000_000_000i64;
    group.bench_function("on_event_200k_mixed", |b| {
        b.iter(|| {
            let mut decisions = 0;
            for ev in &evs {
                now += 1;
                decisions += engine.on_event(ev, now).len();
            }
            decisions
        })
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
