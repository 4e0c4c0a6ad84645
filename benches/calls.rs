//! The call guard's costs: SECAST_CALLCHECK's check-and-reserve with 100k accounts tracked
//! (p50/p99 per call, and criterion's mean), bytes per tracked account at 100k accounts, and
//! the passive watch's work per channel message. Pure Rust: what Asterisk adds around it
//! (the dialplan function call, the datastore, the stasis delivery) is measured in the
//! sandbox by bench/calls.sh.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use criterion::Criterion;
use res_secast::calls::{CallGuard, CallPolicy, ChannelRef, CheckRequest, Dial, NoRisk, Slot};
use res_secast::config::{Config, ConfigEntry};
use res_secast::lookups::numbers::NumberLists;

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

const T0: i64 = 1_796_169_600_000;
const ACCOUNTS: usize = 100_000;

/// The built-in limits (international per minute and at once, high-risk, new country), the
/// sandbox's US dialling, and room for every account.
fn guard() -> CallGuard {
    let (cfg, issues) = Config::from_entries(
        &[
            ConfigEntry::new("calls", "country", "US"),
            ConfigEntry::new("calls", "max_accounts", "200000"),
        ],
        &Config::default(),
    );
    assert!(issues.is_empty());
    CallGuard::new(CallPolicy::new(&cfg))
}

fn account(i: usize) -> String {
    format!("acct{i:06}")
}

fn check(g: &CallGuard, lists: &NumberLists, acct: &str, now: i64) -> Option<Slot> {
    g.check(
        &CheckRequest {
            account: acct,
            address: None,
            dialled: "011442071234567",
            channel: None,
        },
        lists,
        &NoRisk,
        now,
    )
    .slot
}

/// One international call per account, each released: what a quiet day leaves behind.
fn populated(lists: &NumberLists) -> CallGuard {
    let g = guard();
    for i in 0..ACCOUNTS {
        drop(check(&g, lists, &account(i), T0));
    }
    g
}

fn bytes_per_account(lists: &NumberLists) {
    let names: Vec<String> = (0..ACCOUNTS).map(account).collect();
    let before = LIVE.load(Ordering::Relaxed);
    let g = guard();
    for n in &names {
        drop(check(&g, lists, n, T0));
    }
    let after = LIVE.load(Ordering::Relaxed);
    let per = (after - before) as f64 / ACCOUNTS as f64;
    println!(
        "call guard memory: {per:.0} bytes per tracked account at {ACCOUNTS} accounts \
         (heap, table included; the table's own estimate {:.0})",
        g.accounts().heap_bytes() as f64 / ACCOUNTS as f64
    );
    drop(g);
}

fn quantiles(label: &str, mut ns: Vec<u64>) {
    ns.sort_unstable();
    let q = |p: f64| ns[((ns.len() - 1) as f64 * p) as usize];
    println!(
        "{label}: p50 {} ns, p99 {} ns, max {} ns over {} calls",
        q(0.5),
        q(0.99),
        ns[ns.len() - 1],
        ns.len()
    );
}

/// Check-and-reserve then release, timed call by call, over 100k tracked accounts.
fn callcheck_latency(lists: &NumberLists, g: &CallGuard) {
    let mut samples = Vec::with_capacity(200_000);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for k in 0..200_000i64 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let acct = account(rng as usize % ACCOUNTS);
        // Spread over the day so that no account reaches its per-minute level.
        let now = T0 + 60_000 + k * 400;
        let t = Instant::now();
        let slot = check(g, lists, &acct, now);
        drop(black_box(slot));
        samples.push(t.elapsed().as_nanos() as u64);
    }
    quantiles(
        "SECAST_CALLCHECK check+reserve+release, 100k accounts",
        samples,
    );
}

fn chan<'a>(uid: &'a str, name: &'a str, linkedid: &'a str) -> ChannelRef<'a> {
    ChannelRef {
        uniqueid: uid,
        name,
        tech: "PJSIP",
        linkedid,
        accountcode: "",
    }
}

/// The watch's handling of one call's messages: the caller's new channel, dial begin,
/// ringing, answer, the two channels' ends (a call nobody checked: the watch counts it).
fn watch_cost(lists: &NumberLists) {
    let g = guard();
    let n = 50_000usize;
    let ids: Vec<(String, String, String)> = (0..n)
        .map(|i| {
            (
                format!("17961{i:05}.1"),
                format!("17961{i:05}.2"),
                format!("PJSIP/{}-{:08x}", account(i % ACCOUNTS), i),
            )
        })
        .collect();
    let t = Instant::now();
    for (i, (a, b, name)) in ids.iter().enumerate() {
        let now = T0 + i as i64 * 100;
        let caller = chan(a, name, a);
        let peer = chan(b, "PJSIP/carrier-00000001", a);
        g.on_channel_created(&caller, false, now);
        for status in ["", "RINGING", "ANSWER"] {
            g.on_dial(
                &Dial {
                    status,
                    dialstring: "011442071234567@carrier",
                    caller: Some(caller),
                    peer,
                },
                lists,
                &NoRisk,
                now,
            );
        }
        g.on_channel_gone(b, 16);
        g.on_channel_gone(a, 16);
    }
    let per = t.elapsed().as_nanos() as f64 / (n * 6) as f64;
    println!("passive watch: {per:.0} ns per channel message (6 per call, {n} calls)");
}

fn main() {
    let lists = NumberLists::default();
    bytes_per_account(&lists);
    let g = populated(&lists);
    callcheck_latency(&lists, &g);
    watch_cost(&lists);
    let mut c = Criterion::default().configure_from_args();
    let mut k = 0i64;
    c.bench_function("callcheck_100k_accounts", |b| {
        b.iter(|| {
            k += 1;
            let acct = account((k as usize * 7919) % ACCOUNTS);
            drop(black_box(check(&g, &lists, &acct, T0 + 120_000 + k * 400)));
        })
    });
    c.bench_function("classify_number", |b| {
        b.iter(|| g.classify(black_box("011442071234567"), &lists))
    });
    c.final_summary();
}
