//! The cost res_secast adds on Asterisk's stasis thread per security event: copying the event's
//! strings into a RawEvent and queueing it without blocking. The FFI lookups themselves
//! (ast_json_object_get) are measured inside Asterisk by the callback-cost histogram shown in
//! `secast show status`.

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use res_secast::config::Config;
use res_secast::intake::{Field, RawEvent};
use res_secast::util::log::MemoryLog;
use res_secast::worker::Pipeline;

/// The fields of a real ChallengeResponseFailed raised by PJSIP for a sipp REGISTER.
fn sample_fields() -> Vec<(Field, &'static [u8])> {
    vec![
        (Field::EventVersion, b"1"),
        (Field::EventTv, b"2026-11-22T01:23:45.678+0000"),
        (Field::Severity, b"Error"),
        (Field::Service, b"PJSIP"),
        (Field::AccountId, b"1001"),
        (Field::SessionId, b"1-4242@127.0.0.5"),
        (Field::LocalAddress, b"IPV4/UDP/127.0.0.1/5060"),
        (Field::RemoteAddress, b"IPV4/UDP/127.0.0.5/5061"),
        (
            Field::Challenge,
            b"1732240000/5f2b4cd0a3a9e1e0c1b4c8a0f5d2e3b1",
        ),
        (Field::Response, b"0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ]
}

fn copy_and_send(c: &mut Criterion) {
    let fields = sample_fields();
    let log = Arc::new(MemoryLog::default());
    let (pipeline, ingress) = Pipeline::start(Config::default(), log).expect("worker starts");
    c.bench_function("callback_copy_and_send", |b| {
        b.iter(|| {
            let t = Instant::now();
            let mut raw = RawEvent::new(11);
            for (f, v) in &fields {
                raw.set(*f, v);
            }
            ingress.submit(raw, t)
        })
    });
    // Asterisk's events usually arrive far apart, so the worker is asleep and each send has to
    // wake it: this is the cost the stasis thread really pays outside a flood.
    c.bench_function("callback_copy_and_send_idle_worker", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                std::thread::sleep(std::time::Duration::from_micros(200));
                let t = Instant::now();
                let mut raw = RawEvent::new(11);
                for (f, v) in &fields {
                    raw.set(*f, v);
                }
                ingress.submit(raw, t);
                total += t.elapsed();
            }
            total
        })
    });
    c.bench_function("worker_parse", |b| {
        let mut raw = RawEvent::new(11);
        for (f, v) in &fields {
            raw.set(*f, v);
        }
        b.iter(|| raw.parse())
    });
    drop(ingress);
    pipeline.join();
}

criterion_group!(benches, copy_and_send);
criterion_main!(benches);
