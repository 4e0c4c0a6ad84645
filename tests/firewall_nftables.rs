//! The firewall backends against the real kernel, each test in a network namespace of its own
//! (unshare(CLONE_NEWNET) on a thread of its own: namespaces belong to the thread, so the
//! host's firewall and the other tests never see ours). Needs root and libnftables: without
//! them a test fails with what is missing, never passes unchecked. Packets are real: UDP
//! datagrams over the namespace's loopback.

use std::io::ErrorKind;
use std::net::{IpAddr, UdpSocket};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use res_secast::config::{FirewallBackend, FirewallConfig};
use res_secast::enforce::firewall::{
    self, Firewall, FirewallErrorKind, FirewallOp, FirewallSettings, RefreshMode,
};

/// How long a datagram may take on loopback before we call it dropped.
const QUIET: Duration = Duration::from_millis(250);

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn netns_id(path: &str) -> String {
    std::fs::read_link(path)
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Runs `body` on a fresh thread inside a fresh network namespace with loopback up.
fn in_netns(body: impl FnOnce() + Send + 'static) {
    assert!(
        is_root(),
        "CANNOT RUN: the firewall tests need root (network namespaces, nftables); run them as \
         root (make test does), nothing was checked"
    );
    let joined = std::thread::spawn(move || {
        let before = netns_id("/proc/thread-self/ns/net");
        // SAFETY: unshare affects only this thread's namespaces.
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "unshare: {}", std::io::Error::last_os_error());
        let after = netns_id("/proc/thread-self/ns/net");
        // The whole point: never touch the namespace the rest of the process (the host) uses.
        assert_ne!(
            before, after,
            "unshare did not give this thread a new namespace"
        );
        assert_ne!(
            after,
            netns_id("/proc/self/ns/net"),
            "main thread moved too"
        );
        run(&["ip", "link", "set", "lo", "up"]);
        body();
    })
    .join();
    if let Err(panic) = joined {
        std::panic::resume_unwind(panic);
    }
}

/// Runs a command in this thread's namespace (a child inherits the spawning thread's).
fn run(args: &[&str]) -> Output {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn kind_of(name: &str) -> FirewallBackend {
    name.parse().expect("a backend name")
}

fn settings() -> FirewallSettings {
    FirewallSettings::default()
}

/// Opens and ensures `backend`. A backend that is not there (libnftables not installed)
/// fails the test, naming what to install.
fn open(backend: &str, settings: &FirewallSettings) -> Box<dyn Firewall> {
    match firewall::open(kind_of(backend), settings) {
        Ok(mut fw) => {
            fw.ensure().expect("ensure");
            assert!(fw.is_intact().unwrap());
            fw
        }
        Err(e) if e.kind == FirewallErrorKind::Unavailable => panic!(
            "CANNOT RUN: the {backend} backend is unavailable ({e}); install libnftables1 and \
             nftables (scripts/host-deps.sh), nothing was checked"
        ),
        Err(e) => panic!("open {backend}: {e}"),
    }
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ban(s: &str, timeout: Option<Duration>) -> FirewallOp {
    FirewallOp::Add {
        net: net(s),
        timeout,
    }
}

fn unban(s: &str) -> FirewallOp {
    FirewallOp::Remove { net: net(s) }
}

fn listed(fw: &mut Box<dyn Firewall>) -> Vec<String> {
    fw.list().unwrap().iter().map(|n| n.to_string()).collect()
}

fn receiver(addr: &str) -> UdpSocket {
    let sock = UdpSocket::bind((addr.parse::<IpAddr>().unwrap(), 0)).unwrap();
    sock.set_read_timeout(Some(QUIET)).unwrap();
    sock
}

static TOKEN: AtomicU64 = AtomicU64::new(1);

/// Sends one datagram from `from` (a fresh socket bound there) and says whether it arrived.
fn delivered(from: &str, to: &UdpSocket) -> bool {
    let sender = UdpSocket::bind((from.parse::<IpAddr>().unwrap(), 0)).unwrap();
    exchange(&sender, to)
}

/// Sends one numbered datagram and waits for exactly that one (stale ones are skipped).
fn exchange(sender: &UdpSocket, to: &UdpSocket) -> bool {
    let token = TOKEN.fetch_add(1, Ordering::Relaxed).to_be_bytes();
    sender.send_to(&token, to.local_addr().unwrap()).unwrap();
    let deadline = Instant::now() + QUIET;
    let mut buf = [0u8; 64];
    while Instant::now() < deadline {
        match to.recv_from(&mut buf) {
            Ok((8, _)) if buf[..8] == token => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(e) => panic!("recv: {e}"),
        }
    }
    false
}

fn add_ipv6(addr: &str) {
    run(&[
        "ip",
        "-6",
        "addr",
        "add",
        &format!("{addr}/128"),
        "dev",
        "lo",
        "nodad",
    ]);
}

// ---- scenarios, each run once per backend -------------------------------------------------

fn ban_drops_ipv4_and_unban_restores(backend: &'static str) {
    let mut fw = open(backend, &settings());
    let rx = receiver("127.0.0.1");
    assert!(delivered("127.0.0.5", &rx), "no traffic before any ban");
    // Longer than the kernel would take: clamped (to ten years), not refused.
    fw.apply(&[ban("127.0.0.5/32", Some(Duration::MAX))])
        .unwrap();
    assert!(
        !delivered("127.0.0.5", &rx),
        "banned source still gets through"
    );
    assert!(
        delivered("127.0.0.6", &rx),
        "an unbanned neighbour is dropped"
    );
    assert_eq!(listed(&mut fw), ["127.0.0.5/32"]);
    fw.apply(&[unban("127.0.0.5/32")]).unwrap();
    assert!(delivered("127.0.0.5", &rx), "still dropped after unban");
    assert!(listed(&mut fw).is_empty());
}

fn ban_drops_ipv6_and_mapped_ipv4(backend: &'static str) {
    let mut fw = open(backend, &settings());
    add_ipv6("2001:db8::5");
    add_ipv6("2001:db8::6");
    let rx6 = receiver("::1");
    assert!(delivered("2001:db8::5", &rx6));
    fw.apply(&[ban("2001:db8::5/128", None)]).unwrap();
    assert!(
        !delivered("2001:db8::5", &rx6),
        "banned IPv6 source still gets through"
    );
    assert!(delivered("2001:db8::6", &rx6));

    // How a dual-stack socket shows an IPv4 peer: it must land in the IPv4 set.
    let rx4 = receiver("127.0.0.1");
    fw.apply(&[ban("::ffff:127.0.0.7/128", None)]).unwrap();
    assert!(
        !delivered("127.0.0.7", &rx4),
        "IPv4-mapped ban did not drop IPv4"
    );
    assert_eq!(listed(&mut fw), ["127.0.0.7/32", "2001:db8::5/128"]);
    fw.apply(&[unban("::ffff:127.0.0.7/128")]).unwrap();
    assert!(delivered("127.0.0.7", &rx4));
}

/// A conntrack-using table makes the flow ESTABLISHED; the ban (raw priority, before
/// conntrack) must still drop it.
fn established_udp_flow_is_cut(backend: &'static str) {
    let mut fw = open(backend, &settings());
    run(&["nft", "add table inet ctprobe"]);
    run(&[
        "nft",
        "add chain inet ctprobe input { type filter hook input priority 0; }",
    ]);
    run(&[
        "nft",
        "add rule inet ctprobe input ct state established counter",
    ]);
    let rx = receiver("127.0.0.1");
    let tx = UdpSocket::bind("127.0.0.5:0").unwrap();
    tx.set_read_timeout(Some(QUIET)).unwrap();
    tx.connect(rx.local_addr().unwrap()).unwrap();
    // Request and reply: conntrack now calls the flow established.
    assert!(exchange(&tx, &rx));
    rx.send_to(b"reply", tx.local_addr().unwrap()).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(tx.recv(&mut buf).unwrap(), 5);
    assert!(exchange(&tx, &rx));
    let established = established_packets();
    assert!(
        established >= 2,
        "the flow was never established (counter {established})"
    );

    fw.apply(&[ban("127.0.0.5/32", Some(Duration::from_secs(60)))])
        .unwrap();
    for _ in 0..3 {
        assert!(
            !exchange(&tx, &rx),
            "established flow from a banned source not cut"
        );
    }
    assert_eq!(
        established_packets(),
        established,
        "dropped packets reached conntrack/input"
    );
}

fn established_packets() -> u64 {
    let out = run(&["nft", "list", "chain", "inet", "ctprobe", "input"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let after = text.split("packets ").nth(1).expect("counter in listing");
    after.split_whitespace().next().unwrap().parse().unwrap()
}

fn timeout_expires_in_the_kernel(backend: &'static str) {
    let mut fw = open(backend, &settings());
    let rx = receiver("127.0.0.1");
    let start = Instant::now();
    fw.apply(&[ban("127.0.0.5/32", Some(Duration::from_secs(1)))])
        .unwrap();
    assert!(!delivered("127.0.0.5", &rx));
    // Bounded wait: the kernel must lift it on its own, after about a second.
    let mut back = false;
    while start.elapsed() < Duration::from_secs(5) {
        if delivered("127.0.0.5", &rx) {
            back = true;
            break;
        }
    }
    let took = start.elapsed();
    assert!(back, "ban never expired");
    assert!(
        took >= Duration::from_millis(900),
        "expired too early: {took:?}"
    );
    assert!(listed(&mut fw).is_empty(), "expired element still listed");
}

fn cidr_bans_cover_their_range(backend: &'static str) {
    let mut fw = open(backend, &settings());
    let rx = receiver("127.0.0.1");
    // Host bits are ignored; overlapping bans of different lengths live side by side.
    fw.apply(&[
        ban("127.0.0.5/29", None),
        ban("127.0.0.5/32", Some(Duration::from_secs(60))),
        ban("127.1.0.0/16", None),
    ])
    .unwrap();
    assert_eq!(
        listed(&mut fw),
        ["127.0.0.0/29", "127.0.0.5/32", "127.1.0.0/16"]
    );
    for (src, ok) in [
        ("127.0.0.6", false),
        ("127.0.0.5", false),
        ("127.0.0.9", true),
    ] {
        assert_eq!(delivered(src, &rx), ok, "{src}");
    }
    assert!(!delivered("127.1.200.3", &rx));
    // What an admin sees with nft: our layout, readable as nft's own.
    let shown = String::from_utf8(run(&["nft", "list", "table", "inet", "secast"]).stdout).unwrap();
    for line in [
        "type filter hook prerouting priority raw; policy accept;",
        "ip saddr @v4 counter packets",
        "ip saddr & 255.255.255.248 == @v4_29 counter packets",
        "ip6 saddr @v6 counter packets",
        "elements = { 127.0.0.5 timeout 1m expires",
        "elements = { 127.1.0.0 }",
    ] {
        assert!(shown.contains(line), "{line:?} not in:\n{shown}");
    }
    fw.apply(&[unban("127.0.0.0/29")]).unwrap();
    assert!(delivered("127.0.0.6", &rx), "/29 not lifted");
    assert!(
        !delivered("127.0.0.5", &rx),
        "the separate /32 ban must survive"
    );

    add_ipv6("2001:db8::5");
    add_ipv6("2001:db8:0:1::5");
    let rx6 = receiver("::1");
    fw.apply(&[ban("2001:db8::/64", None)]).unwrap();
    assert!(!delivered("2001:db8::5", &rx6));
    assert!(delivered("2001:db8:0:1::5", &rx6));
    assert!(fw.is_intact().unwrap());

    // A new process (module reload) finds the per-prefix sets and keeps them intact.
    drop(fw);
    let mut again = open(backend, &settings());
    assert!(again.is_intact().unwrap());
    assert!(!delivered("2001:db8::5", &rx6));
    assert_eq!(again.list().unwrap().len(), 3);
}

fn readd_refreshes_and_absent_removal_is_fine(backend: &'static str, refresh: RefreshMode) {
    let s = FirewallSettings {
        refresh,
        ..settings()
    };
    let mut fw = open(backend, &s);
    let rx = receiver("127.0.0.1");
    // Removing what is not there, adding what is: neither fails, even in one batch.
    fw.apply(&[
        unban("127.0.0.9/32"),
        unban("2001:db8::9/128"),
        unban("10.0.0.0/8"),
    ])
    .unwrap();
    fw.apply(&[ban("127.0.0.5/32", Some(Duration::from_secs(1)))])
        .unwrap();
    let start = Instant::now();
    fw.apply(&[
        ban("127.0.0.5/32", Some(Duration::from_secs(30))),
        ban("127.0.0.5/32", Some(Duration::from_secs(30))),
        unban("127.0.0.8/32"),
    ])
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500).saturating_sub(start.elapsed()));
    assert!(
        !delivered("127.0.0.5", &rx),
        "re-add did not extend the 1 s ban"
    );
    // Re-adding as permanent keeps it after the old timeout too.
    fw.apply(&[ban("127.0.0.6/32", Some(Duration::from_secs(1)))])
        .unwrap();
    fw.apply(&[ban("127.0.0.6/32", None)]).unwrap();
    std::thread::sleep(Duration::from_millis(1300));
    assert!(
        !delivered("127.0.0.6", &rx),
        "re-add as permanent did not stick"
    );
    assert_eq!(listed(&mut fw), ["127.0.0.5/32", "127.0.0.6/32"]);
}

fn ensure_repairs_what_was_deleted(backend: &'static str) {
    let mut fw = open(backend, &settings());
    let rx = receiver("127.0.0.1");
    fw.ensure().unwrap(); // twice: nothing doubles
    assert!(fw.is_intact().unwrap());
    fw.apply(&[ban("127.0.0.5/32", None), ban("127.0.2.0/24", None)])
        .unwrap();

    // Someone flushes our chain: elements are still there but nothing drops.
    run(&["nft", "flush", "chain", "inet", "secast", "prerouting"]);
    assert!(!fw.is_intact().unwrap());
    assert!(delivered("127.0.0.5", &rx));
    fw.ensure().unwrap();
    assert!(fw.is_intact().unwrap());
    assert!(!delivered("127.0.0.5", &rx), "rules not restored");
    assert!(!delivered("127.0.2.1", &rx), "per-prefix rule not restored");
    assert_eq!(
        listed(&mut fw).len(),
        2,
        "flushing the chain must not lose elements"
    );

    // Someone deletes the whole table.
    run(&["nft", "delete", "table", "inet", "secast"]);
    assert!(!fw.is_intact().unwrap());
    let err = fw.apply(&[ban("127.0.0.6/32", None)]).unwrap_err();
    assert_eq!(err.kind, FirewallErrorKind::TableMissing, "{err}");
    assert_eq!(fw.list().unwrap_err().kind, FirewallErrorKind::TableMissing);
    fw.ensure().unwrap();
    assert!(fw.is_intact().unwrap());
    assert!(fw.list().unwrap().is_empty());
    fw.apply(&[ban("127.0.0.6/32", None), ban("127.0.2.0/24", None)])
        .unwrap();
    assert!(!delivered("127.0.0.6", &rx));
    assert!(!delivered("127.0.2.1", &rx));
}

fn errors_have_the_right_kinds(backend: &'static str) {
    // Without CAP_NET_ADMIN in this thread (capabilities, like namespaces, are per thread).
    let mut fw = open(backend, &settings());
    drop_net_admin();
    let err = fw.apply(&[ban("127.0.0.5/32", None)]).unwrap_err();
    assert_eq!(err.kind, FirewallErrorKind::PermissionDenied, "{err}");
    let err = fw.ensure().unwrap_err();
    assert_eq!(err.kind, FirewallErrorKind::PermissionDenied, "{err}");
    // Refused before the kernel is asked: a /0 would cut the PBX off the world.
    let rejected = fw.apply(&[ban("0.0.0.0/0", None)]).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].error.kind, FirewallErrorKind::Refused);
}

/// `::ffff:0:0/96` is 0.0.0.0/0: it is rejected by name, and the bans around it in the same
/// batch reach the kernel and drop packets.
fn a_bad_element_holds_back_nothing(backend: &'static str) {
    let mut fw = open(backend, &settings());
    let rx = receiver("127.0.0.1");
    let rejected = fw
        .apply(&[
            ban("127.0.0.5/32", None),
            ban("::ffff:0:0/96", None),
            ban("127.0.0.6/32", None),
        ])
        .unwrap();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].op, ban("::ffff:0:0/96", None));
    assert!(rejected[0].error.to_string().contains("0.0.0.0/0"));
    assert_eq!(listed(&mut fw), ["127.0.0.5/32", "127.0.0.6/32"]);
    assert!(!delivered("127.0.0.5", &rx));
    assert!(!delivered("127.0.0.6", &rx));
    assert!(delivered("127.0.0.7", &rx));
}

fn drop_net_admin() {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    const CAP_NET_ADMIN: u32 = 12;
    let mut hdr = Header {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: capget/capset with a v3 header and two data words, for this thread only.
    unsafe {
        assert_eq!(
            libc::syscall(libc::SYS_capget, &raw mut hdr, data.as_mut_ptr()),
            0
        );
        data[0].effective &= !(1 << CAP_NET_ADMIN);
        data[0].permitted &= !(1 << CAP_NET_ADMIN);
        assert_eq!(
            libc::syscall(libc::SYS_capset, &raw mut hdr, data.as_ptr()),
            0
        );
    }
}

fn bulk_100k_in_one_apply(backend: &'static str) {
    let mut fw = open(backend, &settings());
    let rx = receiver("127.0.0.1");
    let mut ops: Vec<FirewallOp> = (0..99_999u32)
        .map(|i| FirewallOp::Add {
            net: IpNet::from(IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i))),
            timeout: Some(Duration::from_secs(3600 + u64::from(i % 600))),
        })
        .collect();
    ops.push(ban("127.0.0.5/32", Some(Duration::from_secs(3600))));
    let start = Instant::now();
    fw.apply(&ops).unwrap();
    let took = start.elapsed();
    eprintln!("{backend}: 100k bans in one apply: {took:?}");
    assert_eq!(fw.list().unwrap().len(), 100_000);
    assert!(!delivered("127.0.0.5", &rx));
    // Single ban latency with 100k elements present.
    let start = Instant::now();
    fw.apply(&[ban("127.0.0.6/32", Some(Duration::from_secs(60)))])
        .unwrap();
    eprintln!("{backend}: one ban next to 100k: {:?}", start.elapsed());
}

// ---- the non-root check -------------------------------------------------------------------

/// Debian runs Asterisk as `asterisk` keeping CAP_NET_ADMIN (and nothing inheritable). The
/// child below runs as nobody with exactly that and reports what works.
fn non_root_with_cap_net_admin(backend: &'static str) {
    if let Err(e) = firewall::open(kind_of(backend), &settings()) {
        panic!("CANNOT RUN: the {backend} backend is unavailable ({e}); nothing was checked");
    }
    // A copy anyone can run: the build tree may sit under a directory closed to others.
    let dir = std::env::temp_dir().join(format!("secast-fw-{}-{backend}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("firewall_nftables");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    for path in [&dir, &exe] {
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    let test = format!("{backend}::non_root_child");
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all,+net_admin",
            "--ambient-caps=-all,+net_admin",
            "--bounding-set=-all,+net_admin",
            "--",
        ])
        .arg(&exe)
        .args([
            "--exact",
            &test,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SECAST_FW_CHILD", backend)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("CHILD uid=65534"),
        "child did not run: {stderr}"
    );
    assert!(stderr.contains("CHILD in-process ban: ok"), "{stderr}");
    assert!(stderr.contains("CHILD spawned nft: failed"), "{stderr}");
    assert!(
        stderr.contains("CHILD spawned nft with ambient CAP_NET_ADMIN: ok"),
        "{stderr}"
    );
}

/// Runs only as the child of `non_root_with_cap_net_admin` (it sets SECAST_FW_CHILD).
fn non_root_child() {
    let Ok(backend) = std::env::var("SECAST_FW_CHILD") else {
        return;
    };
    // With the capability still ambient a spawned nft works: the EPERM below is the lost
    // capability, not nft refusing a non-root user.
    let nft_with_ambient = spawn_nft();
    eprintln!("CHILD spawned nft with ambient CAP_NET_ADMIN: {nft_with_ambient}");
    // Like Asterisk after `-U asterisk`: the capability stays effective in this process, but
    // programs it spawns get none (Asterisk even drops cap_net_admin explicitly in every
    // child it forks; no ambient set has the same effect on exec).
    // SAFETY: prctl with plain integer arguments.
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
    }
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    // Capabilities belong to the thread, like namespaces: read this thread's.
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    let caps: Vec<&str> = status.lines().filter(|l| l.starts_with("Cap")).collect();
    eprintln!("CHILD uid={uid} {}", caps.join(" "));
    assert_ne!(uid, 0);

    let mut fw = firewall::open(kind_of(&backend), &settings()).unwrap();
    let start = Instant::now();
    fw.ensure().unwrap();
    fw.apply(&[ban("127.0.0.5/32", Some(Duration::from_secs(60)))])
        .unwrap();
    let took = start.elapsed();
    assert_eq!(listed(&mut fw), ["127.0.0.5/32"]);
    let rx = receiver("127.0.0.1");
    assert!(!delivered("127.0.0.5", &rx));
    eprintln!("CHILD in-process ban: ok ({backend}, ensure+apply {took:?}, packets dropped)");

    eprintln!("CHILD spawned nft: {}", spawn_nft());
}

fn spawn_nft() -> String {
    let out = Command::new("nft")
        .args(["add", "table", "inet", "spawned"])
        .output()
        .unwrap();
    if out.status.success() {
        "ok".to_owned()
    } else {
        format!("failed: {}", String::from_utf8_lossy(&out.stderr).trim())
    }
}

// ---- one test per scenario and backend ----------------------------------------------------

macro_rules! backend_tests {
    ($module:ident, $backend:literal) => {
        mod $module {
            use super::*;

            #[test]
            fn ban_drops_ipv4_and_unban_restores() {
                in_netns(|| super::ban_drops_ipv4_and_unban_restores($backend));
            }
            #[test]
            fn ban_drops_ipv6_and_mapped_ipv4() {
                in_netns(|| super::ban_drops_ipv6_and_mapped_ipv4($backend));
            }
            #[test]
            fn established_udp_flow_is_cut() {
                in_netns(|| super::established_udp_flow_is_cut($backend));
            }
            #[test]
            fn timeout_expires_in_the_kernel() {
                in_netns(|| super::timeout_expires_in_the_kernel($backend));
            }
            #[test]
            fn cidr_bans_cover_their_range() {
                in_netns(|| super::cidr_bans_cover_their_range($backend));
            }
            #[test]
            fn readd_refreshes_in_place() {
                in_netns(|| {
                    super::readd_refreshes_and_absent_removal_is_fine(
                        $backend,
                        RefreshMode::InPlace,
                    )
                });
            }
            #[test]
            fn readd_refreshes_by_delete_and_add() {
                in_netns(|| {
                    super::readd_refreshes_and_absent_removal_is_fine($backend, RefreshMode::Readd)
                });
            }
            #[test]
            fn ensure_repairs_what_was_deleted() {
                in_netns(|| super::ensure_repairs_what_was_deleted($backend));
            }
            #[test]
            fn errors_have_the_right_kinds() {
                in_netns(|| super::errors_have_the_right_kinds($backend));
            }
            #[test]
            fn a_bad_element_holds_back_nothing() {
                in_netns(|| super::a_bad_element_holds_back_nothing($backend));
            }
            #[test]
            fn bulk_100k_in_one_apply() {
                in_netns(|| super::bulk_100k_in_one_apply($backend));
            }
            #[test]
            fn non_root_with_cap_net_admin() {
                in_netns(|| super::non_root_with_cap_net_admin($backend));
            }
            /// The child half of `non_root_with_cap_net_admin`; does nothing on its own.
            #[test]
            #[ignore = "runs only as a child of non_root_with_cap_net_admin"]
            fn non_root_child() {
                super::non_root_child();
            }
        }
    };
}

backend_tests!(nftables, "nftables");
backend_tests!(libnftables, "libnftables");

#[test]
fn backends_that_cannot_work_say_so() {
    let kind = |b: &str, s: &FirewallSettings| firewall::open(kind_of(b), s).err().map(|e| e.kind);
    let refused = |b: &str| b.parse::<FirewallBackend>().unwrap_err();
    assert!(refused("ipset").contains("ipset is not built"));
    assert!(refused("iptables").contains("nftables, libnftables or none"));
    let missing = FirewallSettings {
        libnftables: "libnftables-not-here.so.0".into(),
        ..settings()
    };
    assert_eq!(
        kind("libnftables", &missing),
        Some(FirewallErrorKind::Unavailable)
    );
    let bad_table = FirewallSettings {
        table: "x; flush ruleset".into(),
        ..settings()
    };
    assert_eq!(kind("nftables", &bad_table), Some(FirewallErrorKind::Other));
    // `none` opens nothing at all: the enforcer records bans and leaves the kernel alone.
    let off = FirewallConfig {
        backend: FirewallBackend::Off,
        ..FirewallConfig::default()
    };
    assert!(firewall::opener(&off).is_none());
    assert!(firewall::opener(&FirewallConfig::default()).is_some());
}
