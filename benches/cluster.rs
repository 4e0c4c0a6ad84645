//! The cluster through a real redis-server (Debian's, started here on a unix socket in a
//! temporary directory, no persistence): three nodes, each a cluster link with a recording
//! engine, in this process.
//!
//! - Ban propagation: node A's notifier is told of a ban (as the enforcer does once it is in
//!   A's kernel and ledger); timed until the ban is in B's and C's engine queues. 300 bans
//!   one after the other; p50/p99 per receiving node.
//! - Sustained bans/s: 20 000 bans told to A's notifier at once; the rate at which both B
//!   and C have received them all.
//!
//! The rest of the path on a receiving node (engine decision to the kernel) is the
//! "engine decision to ban in the kernel" figure of the firewall bench, about 0.2 ms.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use res_secast::cluster::link::{self, LinkHandle, LinkSetup};
use res_secast::cluster::{BanPublisher, Eid, EngineSink, Hub, Identity, NoAsterisk};
use res_secast::config::{ClusterConfig, Shares};
use res_secast::decision::{Ban, BanOrigin, Command as EngineCommand, Remote};
use res_secast::enforce::Notifier;
use res_secast::util::log::MemoryLog;
use res_secast::util::time::wall_clock_ms;

const USER: &str = "secast";
const PASSWORD: &str = "Secast-bench-pw";

struct Redis(Child, PathBuf);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn start_redis() -> (Redis, String) {
    let dir = std::env::temp_dir().join(format!("secast-bench-cluster-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("redis.sock");
    let child = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ])
        .arg("--unixsocket")
        .arg(&socket)
        .arg("--dir")
        .arg(&dir)
        .args(["--user", "default", "off", "--user", USER, "on"])
        .arg(format!(">{PASSWORD}"))
        .args(["~secast:*", "&secast:*", "+@all", "-@dangerous"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server (apt-get install redis-server; scripts/host-deps.sh)");
    let redis = Redis(child, dir);
    for _ in 0..200 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("unix://{}?user={USER}&pass={PASSWORD}", socket.display());
    (redis, url)
}

/// Counts the bans a node's engine was handed, and when each arrived.
#[derive(Default)]
struct Received {
    count: AtomicUsize,
    last: Mutex<Option<Instant>>,
}

struct Node {
    hub: Arc<Hub>,
    received: Arc<Received>,
    link: Option<LinkHandle>,
}

impl Node {
    fn start(name: &str, eid: u8, url: &str) -> Node {
        let hub = Arc::new(Hub::new().unwrap());
        let received = Arc::new(Received::default());
        let r = received.clone();
        let sink: EngineSink = Arc::new(move |c| {
            if matches!(c, EngineCommand::Remote(Remote::Ban(_))) {
                *r.last.lock().unwrap() = Some(Instant::now());
                r.count.fetch_add(1, Ordering::Release);
            }
            true
        });
        let link = link::start(LinkSetup {
            config: ClusterConfig {
                url: url.to_owned(),
                share: Shares::ALL,
                queue_size: 100_000,
                ..ClusterConfig::default()
            },
            identity: Identity::resolve(name, "", Eid([2, 0, 0, 0, 0x5e, eid])).unwrap(),
            hub: hub.clone(),
            engine: sink,
            asterisk: Arc::new(NoAsterisk),
            log: Arc::new(MemoryLog::default()),
            clock: wall_clock_ms,
            history: Duration::from_secs(86_400),
        })
        .unwrap();
        for _ in 0..500 {
            if hub.status().resyncs > 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Node {
            hub,
            received,
            link: Some(link),
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(l) = self.link.take() {
            l.stop();
        }
    }
}

fn ban(i: u32) -> Ban {
    let now = wall_clock_ms();
    Ban {
        net: format!("10.{}.{}.{}/32", i >> 16 & 255, i >> 8 & 255, i & 255)
            .parse()
            .unwrap(),
        since: now,
        until: Some(now + 3_600_000),
        origin: BanOrigin::Rule("brute_force".into()),
        offence: 1,
        reason: "bench".into(),
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn wait_count(r: &Received, n: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while r.count.load(Ordering::Acquire) < n {
        if Instant::now() > deadline {
            return false;
        }
        std::hint::spin_loop();
    }
    true
}

fn main() {
    let (_redis, url) = start_redis();
    let a = Node::start("nodeA", 0x0a, &url);
    let b = Node::start("nodeB", 0x0b, &url);
    let c = Node::start("nodeC", 0x0c, &url);
    let publisher = BanPublisher(a.hub.clone());

    // Propagation, one ban at a time.
    let rounds = 300u32;
    let mut to_b = Vec::new();
    let mut to_c = Vec::new();
    for i in 0..rounds {
        let (nb, nc) = (
            b.received.count.load(Ordering::Acquire),
            c.received.count.load(Ordering::Acquire),
        );
        let t0 = Instant::now();
        publisher.banned(&ban(i));
        assert!(
            wait_count(&b.received, nb + 1, Duration::from_secs(5)),
            "lost on B"
        );
        let tb = b.received.last.lock().unwrap().unwrap() - t0;
        assert!(
            wait_count(&c.received, nc + 1, Duration::from_secs(5)),
            "lost on C"
        );
        let tc = c.received.last.lock().unwrap().unwrap() - t0;
        to_b.push(tb);
        to_c.push(tc);
        std::thread::sleep(Duration::from_millis(2));
    }
    to_b.sort();
    to_c.sort();
    println!(
        "cluster/ban propagation A -> B (notifier to engine queue, {rounds} bans): p50 {:?} p99 {:?}",
        percentile(&to_b, 0.5),
        percentile(&to_b, 0.99)
    );
    println!(
        "cluster/ban propagation A -> C (notifier to engine queue, {rounds} bans): p50 {:?} p99 {:?}",
        percentile(&to_c, 0.5),
        percentile(&to_c, 0.99)
    );

    // Sustained: a burst of bans, as many as the outbox and Redis take.
    let burst = 20_000u32;
    let (nb, nc) = (
        b.received.count.load(Ordering::Acquire),
        c.received.count.load(Ordering::Acquire),
    );
    let t0 = Instant::now();
    for i in 0..burst {
        publisher.banned(&ban(rounds + i));
    }
    let all = wait_count(&b.received, nb + burst as usize, Duration::from_secs(60))
        && wait_count(&c.received, nc + burst as usize, Duration::from_secs(60));
    let took = t0.elapsed();
    assert!(all, "not every ban arrived");
    println!(
        "cluster/sustained: {burst} bans through Redis to 2 other nodes in {:?}: {:.0} bans/s",
        took,
        f64::from(burst) / took.as_secs_f64()
    );
}
