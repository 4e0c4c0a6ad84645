//! The sensor's pass path allocates nothing (it runs on PJSIP's one monitor thread for every
//! request): counted by a global allocator, per thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use res_secast::config::Config;
use res_secast::decision::{Ban, BanOrigin};
use res_secast::engine::Change;
use res_secast::lookups::Lookups;
use res_secast::sensor::{DropReason, SeenRequest, Sensor, SipTransport, Verdict};
use res_secast::worker::Published;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; only a thread-local
// counter is bumped on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn the_pass_path_and_the_banned_drop_allocate_nothing() {
    let view = Arc::new(Published::new(Duration::from_secs(600), 64));
    view.apply(Change::Banned(Ban {
        net: "203.0.113.0/24".parse().unwrap(),
        since: 0,
        until: None,
        origin: BanOrigin::Manual,
        offence: 1,
        reason: String::new(),
    }));
    let (sensor, _notes) = Sensor::new(
        view,
        Arc::new(Config::default()),
        Arc::new(Lookups::default()),
    );
    let phone: SocketAddr = "198.51.100.20:5060".parse().unwrap();
    let req = |source, method: &'static [u8]| SeenRequest {
        source,
        transport: SipTransport::Udp,
        method,
        from_user: b"1001",
        user_agent: Some(b"Yealink SIP-T46S 66.86.0.15"),
        authorization: false,
    };
    let t0 = 1_800_000_000_000;
    // The first REGISTER is noted for the device profiles (one allocation, once per period).
    let first = allocations();
    assert_eq!(sensor.inspect(&req(phone, b"REGISTER"), t0), Verdict::Pass);
    assert!(
        allocations() > first,
        "the counter sees the note's allocation"
    );
    let before = allocations();
    for i in 0..100 {
        assert_eq!(
            sensor.inspect(&req(phone, b"INVITE"), t0 + i * 20),
            Verdict::Pass
        );
        assert_eq!(
            sensor.inspect(&req(phone, b"REGISTER"), t0 + i * 20),
            Verdict::Pass
        );
        assert_eq!(
            sensor.inspect(
                &req("203.0.113.9:5060".parse().unwrap(), b"INVITE"),
                t0 + i * 20
            ),
            Verdict::Drop(DropReason::Banned)
        );
    }
    assert_eq!(allocations() - before, 0, "allocations on the pass path");
}
