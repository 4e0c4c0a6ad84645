//! Kernel bans: our own netlink messages (`nftables`) against libnftables in-process
//! (`libnftables`): one ban (apply() call to kernel acknowledgement), 100k bans in one apply
//! (the restore on load), and the memory each needs. Runs in a network namespace of its own;
//! needs root. Prints a summary table first, then the criterion benches.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use ipnet::IpNet;
use res_secast::enforce::firewall::{self, Firewall, FirewallOp, FirewallSettings};

const BACKENDS: [&str; 2] = ["nftables", "libnftables"];
const BULK: u32 = 100_000;
const SINGLES: u32 = 2_000;

fn v4(i: u32) -> IpNet {
    IpNet::from(IpAddr::from(Ipv4Addr::from(i)))
}

/// 100k distinct /32s with hour-long timeouts, spread like a restore's remaining times.
fn bulk_ops(base: u32) -> Vec<FirewallOp> {
    (0..BULK)
        .map(|i| FirewallOp::Add {
            net: v4(base + i),
            timeout: Some(Duration::from_secs(3600 + u64::from(i % 3600))),
        })
        .collect()
}

/// A backend that cannot be opened (libnftables not installed) stops the bench with what is
/// missing: a bench that measured nothing must not look like one that ran.
fn open(backend: &str) -> Box<dyn Firewall> {
    let kind = backend.parse().expect("a backend name");
    match firewall::open(kind, &FirewallSettings::default()) {
        Ok(mut fw) => {
            fw.ensure().expect("ensure");
            fw
        }
        Err(e) => panic!("CANNOT RUN: the {backend} backend: {e}"),
    }
}

/// Our table deleted and created again, empty.
fn fresh(fw: &mut Box<dyn Firewall>) {
    let _ = Command::new("nft")
        .args(["delete", "table", "inet", "secast"])
        .status();
    fw.ensure().expect("ensure");
}

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn slab_kb() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("Slab:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One ban at a time, each a fresh address; returns sorted latencies.
fn singles(fw: &mut Box<dyn Firewall>, base: u32) -> Vec<Duration> {
    let mut lat: Vec<Duration> = (0..SINGLES)
        .map(|i| {
            let op = FirewallOp::Add {
                net: v4(base + i),
                timeout: Some(Duration::from_secs(600)),
            };
            let start = Instant::now();
            fw.apply(&[op]).expect("apply");
            start.elapsed()
        })
        .collect();
    lat.sort();
    lat
}

fn pct(sorted: &[Duration], p: usize) -> f64 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)].as_secs_f64() * 1e6
}

fn summary() {
    println!(
        "\n{:<12} {:>14} {:>14} {:>12} {:>16} {:>16} {:>14}",
        "backend",
        "1 ban p50 µs",
        "1 ban p99 µs",
        "100k ms",
        "1 ban@100k p50",
        "1 ban@100k p99",
        "peak +RSS KiB"
    );
    for backend in BACKENDS {
        let mut fw = open(backend);
        fresh(&mut fw);
        let empty = singles(&mut fw, 0x0b00_0000);

        let mut bulk_ms = Vec::new();
        let mut rss_kb = 0;
        let mut slab = 0i64;
        for _ in 0..3 {
            fresh(&mut fw);
            let ops = bulk_ops(0x0a00_0000);
            // Peak RSS reset (clear_refs 5), so the peak below is this apply's own.
            let _ = std::fs::write("/proc/self/clear_refs", "5");
            let before_rss = status_kb("VmRSS:");
            let before_slab = slab_kb();
            let start = Instant::now();
            fw.apply(&ops).expect("bulk apply");
            bulk_ms.push(start.elapsed().as_secs_f64() * 1e3);
            rss_kb = status_kb("VmHWM:").saturating_sub(before_rss);
            slab = slab_kb() as i64 - before_slab as i64;
        }
        bulk_ms.sort_by(f64::total_cmp);
        let full = singles(&mut fw, 0x0c00_0000);
        println!(
            "{:<12} {:>14.1} {:>14.1} {:>12.1} {:>16.1} {:>16.1} {:>14}",
            backend,
            pct(&empty, 50),
            pct(&empty, 99),
            bulk_ms[1],
            pct(&full, 50),
            pct(&full, 99),
            rss_kb
        );
        println!(
            "{:<12} kernel slab after 100k elements: {slab:+} KiB (noisy)",
            ""
        );
    }
    println!();
}

fn benches(c: &mut Criterion) {
    for backend in BACKENDS {
        let mut fw = open(backend);
        fresh(&mut fw);
        let mut next = 0x0d00_0000u32;
        c.bench_function(&format!("firewall_single_ban/{backend}"), |b| {
            b.iter(|| {
                next = next.wrapping_add(1);
                fw.apply(&[FirewallOp::Add {
                    net: v4(next),
                    // Short: the set does not grow without bound over a long run.
                    timeout: Some(Duration::from_secs(30)),
                }])
                .expect("apply");
            })
        });
    }
    let mut group = c.benchmark_group("firewall_bulk_100k");
    group.sample_size(10);
    for backend in BACKENDS {
        let fw = open(backend);
        // Setup (untimed) empties the table, the routine fills it: both need the backend.
        let fw = std::cell::RefCell::new(fw);
        group.bench_function(backend, |b| {
            b.iter_batched(
                || {
                    fresh(&mut fw.borrow_mut());
                    bulk_ops(0x0a00_0000)
                },
                |ops| fw.borrow_mut().apply(&ops).expect("bulk apply"),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn main() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        panic!("CANNOT RUN: the firewall bench needs root (network namespace, nftables)");
    }
    // This process gets a network namespace of its own (benches run on the main thread):
    // nothing here touches the host's firewall.
    // SAFETY: unshare affects only this thread; no other thread exists yet.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        panic!(
            "CANNOT RUN: the firewall bench's network namespace: unshare: {}",
            std::io::Error::last_os_error()
        );
    }
    summary();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
