//! The published view (worker/published.rs): what a read costs a dialplan function, the CLI
//! or the PJSIP monitor thread, against taking the engine's mutex as `SECAST_RISK` did; and
//! what keeping the view up to date costs the engine worker per event.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use res_secast::config::Config;
use res_secast::decision::{Ban, BanOrigin};
use res_secast::engine::{Change, Engine, RiskPoint};
use res_secast::intake::{Field, RawEvent, SecurityEvent};
use res_secast::worker::Published;

const T0: i64 = 1_800_000_000_000;
const BANS: u32 = 100_000;
const SOURCES: u32 = 200_000;

fn v4(i: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + i))
}

fn ban(net: &str) -> Ban {
    Ban {
        net: net.parse().unwrap(),
        since: T0,
        until: None,
        origin: BanOrigin::Manual,
        offence: 1,
        reason: String::new(),
    }
}

/// 100k host bans, a few networks of other lengths, risk for 200k sources, 1k accounts.
fn filled() -> Published {
    let p = Published::new(Duration::from_secs(600), 64);
    for i in 0..BANS {
        p.apply(Change::Banned(ban(&format!("{}/32", v4(i)))));
    }
    for n in [
        "198.51.100.0/24",
        "203.0.113.0/25",
        "2001:db8:1:2::/64",
        "10.0.0.0/8",
    ] {
        p.apply(Change::Banned(ban(n)));
    }
    let at = res_secast::util::time::secs(T0);
    for i in 0..SOURCES {
        p.apply(Change::SourceRisk {
            key: v4(BANS + i),
            risk: RiskPoint { peak: 40.0, at },
        });
    }
    for i in 0..1000 {
        p.apply(Change::AccountRisk {
            account: format!("{}", 1000 + i).into(),
            point: res_secast::engine::AccountPoint {
                risk: RiskPoint { peak: 60.0, at },
                failures: 3,
                sources: 1,
                last_seen: T0,
            },
        });
    }
    p
}

fn event(i: usize) -> SecurityEvent {
    let kind = match i % 10 {
        0..=3 => 11,
        4..=6 => 13,
        7 | 8 => 1,
        _ => 9,
    };
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
}

fn reads(c: &mut Criterion) {
    let p = filled();
    let now = T0 + 60_000;
    let mut g = c.benchmark_group("published_read");
    g.throughput(Throughput::Elements(1));
    let miss: IpAddr = "192.0.2.77".parse().unwrap();
    let hit = v4(4242);
    let in_net: IpAddr = "198.51.100.9".parse().unwrap();
    let risky = v4(BANS + 777);
    g.bench_function("is_banned_miss", |b| {
        b.iter(|| p.is_banned(std::hint::black_box(miss), now))
    });
    g.bench_function("is_banned_host_hit", |b| {
        b.iter(|| p.is_banned(std::hint::black_box(hit), now))
    });
    g.bench_function("is_banned_network_hit", |b| {
        b.iter(|| p.is_banned(std::hint::black_box(in_net), now))
    });
    g.bench_function("risk_of", |b| {
        b.iter(|| p.risk_of(std::hint::black_box(risky), now))
    });
    g.bench_function("risk_of_account", |b| {
        b.iter(|| p.risk_of_account(std::hint::black_box("1500"), now))
    });

    // What SECAST_RISK did before: the engine's mutex, uncontended (the best case; under a
    // sweep of a large table the caller waited for all of it).
    let mut cfg = Config::default();
    cfg.general.max_tracked_ips = 100_000;
    let mut engine = Engine::new(Arc::new(cfg), Vec::new());
    for i in 0..50_000 {
        engine.on_event(&event(i), T0 + i as i64);
    }
    let engine = Mutex::new(engine);
    let probe: IpAddr = "10.0.3.7".parse().unwrap();
    g.bench_function("engine_mutex_risk_of_uncontended", |b| {
        b.iter(|| {
            engine
                .lock()
                .unwrap()
                .risk_of(std::hint::black_box(probe), now)
        })
    });
    g.finish();
}

/// The worker's cost of keeping the view up to date: the same 200k events with and without
/// publishing (recording the changes, applying them to the sharded maps), and the apply
/// step alone.
fn upkeep(c: &mut Criterion) {
    let evs: Vec<SecurityEvent> = (0..200_000).map(event).collect();
    let mut g = c.benchmark_group("published_upkeep");
    g.throughput(Throughput::Elements(evs.len() as u64));
    let at = res_secast::util::time::secs(T0);
    let p = Published::new(Duration::from_secs(600), 64);
    g.bench_function("apply_200k_source_risks_50k_sources", |b| {
        b.iter(|| {
            for i in 0..200_000u32 {
                p.apply(Change::SourceRisk {
                    key: v4(i % 50_000),
                    risk: RiskPoint {
                        peak: (i % 100) as f32,
                        at,
                    },
                });
            }
        })
    });
    {
        let mut cfg = Config::default();
        cfg.whitelist.networks.push("10.0.0.0/8".parse().unwrap());
        let mut engine = Engine::new(Arc::new(cfg), Vec::new());
        engine.start_publishing(T0);
        let mut now = T0;
        g.bench_function("on_event_200k_recording_only", |b| {
            b.iter(|| {
                let mut n = 0;
                for ev in &evs {
                    now += 1;
                    n += engine.on_event(ev, now).len();
                    n += engine.drain_changes().count();
                }
                n
            })
        });
    }
    for publishing in [false, true] {
        let mut cfg = Config::default();
        cfg.whitelist.networks.push("10.0.0.0/8".parse().unwrap());
        let mut engine = Engine::new(Arc::new(cfg), Vec::new());
        let published = Published::new(Duration::from_secs(600), 64);
        if publishing {
            engine.start_publishing(T0);
        }
        let mut now = T0;
        let name = if publishing {
            "on_event_200k_publishing"
        } else {
            "on_event_200k_not_publishing"
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut decisions = 0;
                for ev in &evs {
                    now += 1;
                    decisions += engine.on_event(ev, now).len();
                    for change in engine.drain_changes() {
                        published.apply(change);
                    }
                }
                decisions
            })
        });
    }
    g.finish();
}

criterion_group!(benches, reads, upkeep);
criterion_main!(benches);
