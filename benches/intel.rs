//! Threat-intel costs with a 100k-prefix blocklist (60% /32, 25% /24, 5% /16, 10% IPv6 /48,
//! /64 and /128): lookup time per address, the memory the blocklist holds, and the time to
//! (re)load the list file. Also a fraud-number lookup in 10k prefixes.
//!
//! Memory is measured with a counting global allocator (bytes live after the load minus
//! before, and the peak during it), next to the trie library's own count of its arrays. The
//! counting makes every allocation a little dearer, `lookup`'s clone of the list name on a hit
//! included; `lookup_ref` allocates nothing.
//! Prints a summary table first, then the criterion benches.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use res_secast::lookups::intel::{Blocklist, BlocklistSource, ListFormat, ListSpec};
use res_secast::lookups::numbers::{NumberCategory, NumberListSpec, NumberLists};

/// Counts live heap bytes and their peak, so that memory is measured, not estimated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator with the caller's layout; the
// counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let now = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const PREFIXES: usize = 100_000;

/// A fixed xorshift so that every run measures the same list.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn list_text(rng: &mut Rng) -> String {
    let mut text = String::with_capacity(PREFIXES * 18);
    for i in 0..PREFIXES {
        let r = rng.next();
        let v4 = Ipv4Addr::from((r >> 32) as u32);
        let line = match i % 20 {
            0..=11 => format!("{v4}\n"),
            12..=16 => format!("{v4}/24\n"),
            17 => format!("{v4}/16\n"),
            _ => {
                // The random bits start right after 2001:db8::/32, so /48s differ too.
                let v6 = Ipv6Addr::from(0x2001_0db8_u128 << 96 | u128::from(r) << 32);
                let len = [48, 64, 128][(r % 3) as usize];
                format!("{v6}/{len}\n")
            }
        };
        text.push_str(&line);
    }
    text
}

/// Half addresses taken from the list's own lines (hits), half random (mostly misses).
fn probes(text: &str, rng: &mut Rng) -> Vec<IpAddr> {
    let listed = text
        .lines()
        .step_by(47)
        .filter_map(|l| l.split('/').next()?.parse::<IpAddr>().ok());
    let mut out: Vec<IpAddr> = listed.take(2048).collect();
    while out.len() < 4096 {
        let r = rng.next();
        out.push(if r.is_multiple_of(10) {
            IpAddr::V6(Ipv6Addr::from(u128::from(r) << 64 | u128::from(rng.next())))
        } else {
            IpAddr::V4(Ipv4Addr::from((r >> 32) as u32))
        });
    }
    out
}

fn setup() -> (PathBuf, Vec<IpAddr>) {
    let dir = std::env::temp_dir().join(format!("secast-bench-intel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let text = list_text(&mut rng);
    let path = dir.join("100k.txt");
    std::fs::write(&path, &text).expect("write list");
    let probes = probes(&text, &mut rng);
    (path, probes)
}

fn spec(path: &Path) -> Vec<ListSpec> {
    vec![ListSpec {
        name: "bench".into(),
        path: path.to_path_buf(),
        format: ListFormat::Plain,
    }]
}

fn touch(path: &Path, n: u64) {
    File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(n)))
        .expect("set mtime");
}

fn median_ms(mut runs: Vec<Duration>) -> f64 {
    runs.sort();
    runs[runs.len() / 2].as_secs_f64() * 1e3
}

fn summary(path: &Path, probes: &[IpAddr]) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (blocklist, issues) = Blocklist::load(&spec(path));
    assert!(issues.is_empty(), "{:?}", &issues[..issues.len().min(3)]);
    let held = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;

    let before = LIVE.load(Ordering::Relaxed);
    let (source, _) = BlocklistSource::open(spec(path));
    let source_held = LIVE.load(Ordering::Relaxed) - before;

    let loads: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            black_box(Blocklist::load(&spec(path)));
            t.elapsed()
        })
        .collect();
    let mut source = source;
    let refreshes: Vec<Duration> = (0..7)
        .map(|n| {
            touch(path, 1_000_000 + n);
            let t = Instant::now();
            assert!(source.refresh_if_changed().is_some());
            t.elapsed()
        })
        .collect();
    let (hit_probes, miss_probes): (Vec<IpAddr>, Vec<IpAddr>) = probes
        .iter()
        .partition(|ip| blocklist.lookup(**ip).is_some());
    let ns_per_lookup = |set: &[IpAddr], owned: bool| {
        let rounds = 200;
        let t = Instant::now();
        for _ in 0..rounds {
            for ip in set {
                if owned {
                    black_box(blocklist.lookup(black_box(*ip)));
                } else {
                    black_box(blocklist.lookup_ref(black_box(*ip)));
                }
            }
        }
        t.elapsed().as_nanos() as f64 / (rounds * set.len().max(1)) as f64
    };
    let all_ns = ns_per_lookup(probes, true);
    let hit_ns = ns_per_lookup(&hit_probes, true);
    let hit_ref_ns = ns_per_lookup(&hit_probes, false);
    let miss_ns = ns_per_lookup(&miss_probes, true);
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);

    println!();
    println!(
        "blocklist: {} distinct prefixes from a {file_bytes}-byte plain file",
        blocklist.len()
    );
    println!(
        "  lookup, mixed              {all_ns:>8.1} ns  ({} hits of {} probes)",
        hit_probes.len(),
        probes.len()
    );
    println!("  lookup, hits only          {hit_ns:>8.1} ns  (a hit clones the list's name)");
    println!("  lookup_ref, hits only      {hit_ref_ns:>8.1} ns  (borrows it)");
    println!("  lookup, misses only        {miss_ns:>8.1} ns");
    println!(
        "  heap held by Blocklist     {:>8.2} MiB ({:.1} B/prefix)",
        mib(held),
        held as f64 / blocklist.len() as f64
    );
    println!(
        "  trie arrays (mem_size)     {:>8.2} MiB",
        mib(blocklist.trie_bytes())
    );
    println!(
        "  peak extra heap in load    {:>8.2} MiB (file text + parsed entries + trie)",
        mib(peak)
    );
    println!(
        "  heap held by BlocklistSource {:>6.2} MiB (trie + each list's parsed entries, kept for partial reloads)",
        mib(source_held)
    );
    println!(
        "  Blocklist::load            {:>8.1} ms (median of 7)",
        median_ms(loads)
    );
    println!(
        "  refresh, file changed      {:>8.1} ms (median of 7: stat, read, parse, rebuild)",
        median_ms(refreshes)
    );
    println!();
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Numbers read as a PBX of unknown country reads them (`+`, `00`, `011`).
fn read(s: &str) -> Option<String> {
    res_secast::calls::Dialling::new(None, None, None)
        .read(s)
        .map(|n| n.digits)
}

fn number_lists(dir: &Path) -> NumberLists {
    let mut rng = Rng(42);
    let text: String = (0..10_000)
        .map(|_| {
            let r = rng.next();
            let len = 3 + (r % 6) as usize;
            let digits = format!("{:018}", r % 1_000_000_000_000_000_000);
            format!("+{} note\n", &digits[..len])
        })
        .collect();
    let path = dir.join("numbers.txt");
    std::fs::write(&path, text).expect("write numbers");
    let (lists, _) = NumberLists::load(
        &[NumberListSpec {
            name: "bench".into(),
            path,
            category: NumberCategory::Premium,
        }],
        &[],
        &read,
    );
    lists
}

fn benches(c: &mut Criterion, path: &Path, probes: &[IpAddr]) {
    let (blocklist, _) = Blocklist::load(&spec(path));
    let mut i = 0usize;
    c.bench_function("blocklist_lookup_100k", |b| {
        b.iter(|| {
            i = (i + 1) % probes.len();
            blocklist.lookup(black_box(probes[i]))
        })
    });
    let mapped: Vec<IpAddr> = probes
        .iter()
        .filter_map(|ip| match ip {
            IpAddr::V4(v4) => Some(IpAddr::V6(v4.to_ipv6_mapped())),
            IpAddr::V6(_) => None,
        })
        .collect();
    let mut j = 0usize;
    let mut r = 0usize;
    c.bench_function("blocklist_lookup_ref_100k", |b| {
        b.iter(|| {
            r = (r + 1) % probes.len();
            blocklist.lookup_ref(black_box(probes[r]))
        })
    });
    c.bench_function("blocklist_lookup_100k_ipv4_mapped", |b| {
        b.iter(|| {
            j = (j + 1) % mapped.len();
            blocklist.lookup(black_box(mapped[j]))
        })
    });

    let mut group = c.benchmark_group("blocklist_reload_100k");
    group.sample_size(10);
    group.bench_function("load", |b| b.iter(|| Blocklist::load(&spec(path))));
    let (mut source, _) = BlocklistSource::open(spec(path));
    let mut n = 2_000_000;
    group.bench_function("refresh_changed_file", |b| {
        b.iter(|| {
            n += 1;
            touch(path, n);
            source.refresh_if_changed()
        })
    });
    group.bench_function("refresh_unchanged", |b| {
        b.iter(|| source.refresh_if_changed())
    });
    group.finish();

    let lists = number_lists(path.parent().expect("dir"));
    let dialled = [
        "+44 90 1234 5678",
        "0088216123456",
        "011 1 900 555 0100",
        "6001",
    ];
    let mut k = 0usize;
    c.bench_function("number_lookup_10k", |b| {
        b.iter(|| {
            k = (k + 1) % dialled.len();
            lists.lookup(black_box(dialled[k]), &read)
        })
    });
}

fn main() {
    let (path, probes) = setup();
    summary(&path, &probes);
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &path, &probes);
    c.final_summary();
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}
