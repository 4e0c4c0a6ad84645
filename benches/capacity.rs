//! Capacity figures that are not timings of a hot loop: memory per tracked source with a
//! million distinct sources, and the time to restore 100k bans at module load (ledger replay,
//! engine restore, and one firewall transaction into nftables inside a private network
//! namespace, so the host's firewall is never touched). Needs root for the last part.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use res_secast::config::Config;
use res_secast::decision::{Ban, BanOrigin};
use res_secast::enforce::firewall::{FirewallOp, FirewallSettings};
use res_secast::enforce::ledger::{Ledger, Record};
use res_secast::engine::Engine;
use res_secast::intake::{Field, RawEvent};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: delegates to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const T0: i64 = 1_800_000_000_000;

fn ip_of(i: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        11 + (i >> 24),
        (i >> 16) & 255,
        (i >> 8) & 255,
        i & 255
    )
}

fn memory_per_ip(n: u32) {
    let mut cfg = Config::default();
    cfg.general.max_tracked_ips = n as usize + 1;
    let mut engine = Engine::new(Arc::new(cfg), Vec::new());
    // Events are built outside the measured window.
    let before = LIVE.load(Ordering::Relaxed);
    let mut events_bytes = 0isize;
    for i in 0..n {
        let b = LIVE.load(Ordering::Relaxed);
        let mut raw = RawEvent::new(11);
        raw.set(Field::Service, b"PJSIP");
        raw.set(Field::AccountId, b"1001");
        raw.set(
            Field::RemoteAddress,
            format!("IPV4/UDP/{}/5060", ip_of(i)).as_bytes(),
        );
        let ev = raw.parse().unwrap();
        events_bytes += LIVE.load(Ordering::Relaxed) - b;
        engine.on_event(&ev, T0 + i as i64);
        let b = LIVE.load(Ordering::Relaxed);
        drop(ev);
        drop(raw);
        events_bytes -= b - LIVE.load(Ordering::Relaxed);
    }
    let used = LIVE.load(Ordering::Relaxed) - before - events_bytes;
    println!(
        "memory: {} tracked sources, {:.1} MiB, {:.0} bytes per source",
        engine.tracked_ips(),
        used as f64 / 1048576.0,
        used as f64 / engine.tracked_ips() as f64
    );
}

fn restore(n: u32) {
    let dir = std::env::temp_dir().join(format!("secast-capacity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let (mut ledger, _) = Ledger::open(&dir, T0, 30 * 86_400_000).unwrap();
        let recs: Vec<Record> = (0..n)
            .map(|i| {
                Record::Ban(Ban {
                    net: ip_of(i).parse::<std::net::IpAddr>().unwrap().into(),
                    since: T0,
                    until: Some(T0 + 86_400_000),
                    origin: BanOrigin::Rule("brute_force".into()),
                    offence: 1,
                    reason: "brute_force: 5 authentication failures within 10m".into(),
                })
            })
            .collect();
        ledger.append(&recs, T0).unwrap();
    }
    let now = T0 + 3_600_000;
    let t = Instant::now();
    let (_ledger, restored) = Ledger::open(&dir, now, 30 * 86_400_000).unwrap();
    let t_ledger = t.elapsed();
    let mut engine = Engine::new(Arc::new(Config::default()), Vec::new());
    let ops: Vec<FirewallOp> = restored
        .active
        .iter()
        .map(|b| FirewallOp::Add {
            net: b.net,
            timeout: b
                .remaining_ms(now)
                .map(|ms| std::time::Duration::from_millis(ms as u64)),
        })
        .collect();
    engine.restore(restored.active, restored.offences, now);
    let t_engine = t.elapsed();
    // A private network namespace for this thread: the host's firewall stays untouched.
    // SAFETY: unshare affects only the calling thread's network namespace.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        panic!(
            "CANNOT RUN: the restore bench's network namespace (needs root): unshare: {}",
            std::io::Error::last_os_error()
        );
    }
    let kernel = {
        let mut fw = res_secast::enforce::firewall::open(
            res_secast::config::FirewallBackend::Nftables,
            &FirewallSettings::default(),
        )
        .unwrap();
        fw.ensure().unwrap();
        fw.apply(&ops).unwrap();
        format!("{:.0} ms", t.elapsed().as_secs_f64() * 1000.0)
    };
    println!(
        "restore: {} bans: ledger replay {:.0} ms, + engine {:.0} ms, + nftables = {kernel} in all",
        engine.bans().len(),
        t_ledger.as_secs_f64() * 1000.0,
        t_engine.as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // `cargo bench` passes --bench; this binary takes no options.
    memory_per_ip(1_000_000);
    restore(100_000);
}
