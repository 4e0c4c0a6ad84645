//! The PJSIP sensor (src/sensor): what `Sensor::inspect` costs PJSIP's monitor thread per
//! request, on the pass path (a phone's request, 100k bans in force, every rule on, with and
//! without a loaded blocklist for first-contact checks) and on the drop path (a banned source,
//! a scanner). Budget: 1 µs p50. Beside it, the scanner match against its peer, one
//! case-insensitive substring search per pattern.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use res_secast::config::{BUILTIN_SCANNER_PATTERNS, Config, ConfigEntry};
use res_secast::decision::{Ban, BanOrigin};
use res_secast::engine::Change;
use res_secast::lookups::Lookups;
use res_secast::sensor::{ScannerMatch, SeenRequest, Sensor, SipTransport, Verdict};
use res_secast::util::log::MemoryLog;
use res_secast::worker::{LookupSources, Published};

const T0: i64 = 1_800_000_000_000;
const BANS: u32 = 100_000;

fn v4(i: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + i))
}

fn published() -> Arc<Published> {
    let p = Published::new(Duration::from_secs(600), 64);
    for i in 0..BANS {
        p.apply(Change::Banned(Ban {
            net: format!("{}/32", v4(i)).parse().unwrap(),
            since: T0,
            until: None,
            origin: BanOrigin::Manual,
            offence: 1,
            reason: String::new(),
        }));
    }
    Arc::new(p)
}

fn request<'a>(ip: IpAddr, method: &'a [u8], ua: &'a [u8]) -> SeenRequest<'a> {
    SeenRequest {
        source: SocketAddr::new(ip, 5060),
        transport: SipTransport::Udp,
        method,
        from_user: b"1001",
        user_agent: Some(ua),
        authorization: false,
    }
}

const PHONE: &[u8] = b"Yealink SIP-T46S 66.86.0.15";

/// A blocklist of 10,000 /24s, loaded as at runtime (first-contact checks on).
fn listed_lookups(cfg: &mut Config) -> Arc<Lookups> {
    let dir = std::env::temp_dir().join(format!("secast-bench-sensor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("list.txt");
    let text: String = (0..10_000u32)
        .map(|i| format!("{}/24\n", Ipv4Addr::from(0x2000_0000 + (i << 8))))
        .collect();
    std::fs::write(&path, text).unwrap();
    let spec = format!("plain:{}", path.display());
    let (c, issues) = Config::from_entries(&[ConfigEntry::new("intel", "blocklist", &spec)], cfg);
    assert!(issues.is_empty(), "{issues:?}");
    cfg.intel = c.intel;
    let mut sources = LookupSources::open(cfg, &MemoryLog::default());
    Arc::new(sources.snapshot())
}

fn bench(c: &mut Criterion) {
    let view = published();
    let cfg = Arc::new(Config::default());
    let (sensor, _notes) = Sensor::new(view.clone(), cfg.clone(), Arc::new(Lookups::default()));
    let mut g = c.benchmark_group("sensor_inspect");
    let phone = v4(BANS + 7);
    let banned = v4(42);
    // The flood table counts per second: move the clock so a phone never floods itself.
    let mut now = T0;
    g.bench_function("pass_invite_phone", |b| {
        b.iter(|| {
            now += 1;
            let v = sensor.inspect(&request(phone, b"INVITE", PHONE), now);
            debug_assert_eq!(v, Verdict::Pass);
            v
        })
    });
    g.bench_function("pass_register_phone_already_noted", |b| {
        b.iter(|| {
            now += 1;
            sensor.inspect(&request(phone, b"REGISTER", PHONE), now)
        })
    });
    g.bench_function("pass_register_answer_authorization", |b| {
        b.iter(|| {
            now += 1;
            let mut r = request(phone, b"REGISTER", PHONE);
            r.authorization = true;
            let v = sensor.inspect(&r, now);
            // Its outcome, as the worker reports it: the in-flight count stays level.
            sensor.outcome(phone);
            v
        })
    });
    g.bench_function("drop_banned", |b| {
        b.iter(|| sensor.inspect(&request(banned, b"REGISTER", b"sipp"), T0))
    });
    g.bench_function("drop_scanner", |b| {
        b.iter(|| {
            now += 1;
            sensor.inspect(&request(phone, b"OPTIONS", b"friendly-scanner"), now)
        })
    });
    let mut listed_cfg = (*cfg).clone();
    let lookups = listed_lookups(&mut listed_cfg);
    let (listed, _notes2) = Sensor::new(view.clone(), Arc::new(listed_cfg), lookups);
    g.bench_function("pass_invite_phone_blocklist_loaded", |b| {
        b.iter(|| {
            now += 1;
            listed.inspect(&request(phone, b"INVITE", PHONE), now)
        })
    });
    g.bench_function("drop_first_contact_listed", |b| {
        b.iter(|| {
            now += 1;
            listed.inspect(
                &request(IpAddr::V4(Ipv4Addr::new(32, 0, 5, 9)), b"REGISTER", PHONE),
                now,
            )
        })
    });
    g.finish();

    let patterns: Vec<String> = BUILTIN_SCANNER_PATTERNS
        .iter()
        .map(|p| p.to_string())
        .collect();
    let m = ScannerMatch::new(&patterns);
    let naive = |ua: &[u8]| {
        patterns.iter().find(|p| {
            ua.windows(p.len())
                .any(|w| w.eq_ignore_ascii_case(p.as_bytes()))
        })
    };
    let long_ua: &[u8] =
        b"Linphone Desktop/5.0.14 (Ubuntu 22.04.1 LTS) Linphone/5.1.61 (belle-sip/5.1.63)";
    let mut g = c.benchmark_group("scanner_match");
    g.bench_function("two_byte_table_phone_ua", |b| {
        b.iter(|| m.find(long_ua).is_some())
    });
    g.bench_function("peer_substring_per_pattern_phone_ua", |b| {
        b.iter(|| naive(long_ua).is_some())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
