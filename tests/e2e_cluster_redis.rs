//! The cluster's Redis link against a real redis-server (Debian's, started by the test), with
//! the engine replaced by a recorder: what one server publishes reaches the others, a hung or
//! restarted Redis is survived, malformed entries are skipped, and logging in works over TCP,
//! a unix socket and TLS with an ACL user. No Asterisk needed; run by `make e2e` (root: the
//! TCP and TLS listeners live in a network namespace of the test's own).

mod cluster_support;

use std::sync::Arc;
use std::time::Duration;

use cluster_support::{ACL_PASSWORD, ACL_USER, Certs, Netns, Recorder, Redis, RedisOptions};
use res_secast::cluster::link::{LinkHandle, LinkSetup};
use res_secast::cluster::redis::{Connection, ErrorKind, RedisUrl, Target, tls};
use res_secast::cluster::{BanPublisher, Eid, Hub, Identity, NoAsterisk, Outbound};
use res_secast::config::ClusterConfig;
use res_secast::decision::{Ban, BanOrigin, Command, Remote, UnbanReason};
use res_secast::enforce::Notifier;
use res_secast::engine::LocalFailure;
use res_secast::util::log::{Level, MemoryLog};
use res_secast::util::time::wall_clock_ms;

struct Node {
    hub: Arc<Hub>,
    engine: Arc<Recorder>,
    log: Arc<MemoryLog>,
    link: Option<LinkHandle>,
}

impl Node {
    fn start(name: &str, eid: u8, url: &str) -> Node {
        let hub = Arc::new(Hub::new().unwrap());
        let engine = Arc::new(Recorder::default());
        let log = Arc::new(MemoryLog::default());
        let config = ClusterConfig {
            url: url.to_owned(),
            timeout: Duration::from_secs(1),
            ..ClusterConfig::default()
        };
        let link = res_secast::cluster::link::start(LinkSetup {
            config,
            identity: Identity::resolve(name, "", Eid([2, 0, 0, 0, 0x5e, eid])).unwrap(),
            hub: hub.clone(),
            engine: engine.sink(),
            asterisk: Arc::new(NoAsterisk),
            log: log.clone(),
            clock: wall_clock_ms,
            history: Duration::from_secs(30 * 86_400),
        })
        .unwrap();
        let node = Node {
            hub,
            engine,
            log,
            link: Some(link),
        };
        node.wait_connected();
        node
    }

    fn wait_connected(&self) {
        for _ in 0..500 {
            if self.hub.status().connected_since.is_some() && self.hub.status().resyncs > 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "not connected: {:?}\n{:?}",
            self.hub.status(),
            self.log.lines()
        );
    }

    fn ban(&self, net: &str, rule: &str) -> Ban {
        let now = wall_clock_ms();
        let ban = Ban {
            net: res_secast::util::net::parse_net(net).unwrap(),
            since: now,
            until: Some(now + 3_600_000),
            origin: BanOrigin::Rule(rule.into()),
            offence: 1,
            reason: format!("{rule}: test"),
        };
        BanPublisher(self.hub.clone()).banned(&ban);
        ban
    }

    fn logged(&self, needle: &str) -> bool {
        self.log.lines().iter().any(|(_, l)| l.contains(needle))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(l) = self.link.take() {
            l.stop();
        }
    }
}

fn remote_ban(c: &Command) -> Option<Ban> {
    match c {
        Command::Remote(Remote::Ban(b)) => Some(b.clone()),
        _ => None,
    }
}

fn unix_redis(name: &str) -> Redis {
    let dir = cluster_support::temp_dir(name);
    Redis::start(RedisOptions {
        socket: dir.join("redis.sock"),
        netns: None,
        tls: None,
    })
}

#[test]
#[ignore = "needs redis-server: make e2e"]
fn a_ban_on_one_node_reaches_the_others_and_is_not_echoed() {
    let redis = unix_redis("link-ban");
    let a = Node::start("nodeA", 0x0a, &redis.unix_url());
    let b = Node::start("nodeB", 0x0b, &redis.unix_url());
    let c = Node::start("nodeC", 0x0c, &redis.unix_url());
    a.ban("203.0.113.50", "brute_force");
    for n in [&b, &c] {
        let (ban, took) = n
            .engine
            .wait_for(Duration::from_secs(2), remote_ban)
            .expect("the ban arrives");
        assert_eq!(ban.net.to_string(), "203.0.113.50/32");
        assert_eq!(
            ban.origin,
            BanOrigin::Remote {
                rule: "brute_force".into(),
                node: "nodeA".into()
            }
        );
        assert_eq!(ban.reason, "brute_force: test");
        eprintln!("ban reached a node in {took:?}");
    }
    assert!(
        a.engine
            .wait_for(Duration::from_millis(300), remote_ban)
            .is_none()
    );
    // A remote ban told to the notifier (after the enforcer applied it) is not published again.
    let (echo, _) = b
        .engine
        .wait_for(Duration::from_secs(1), remote_ban)
        .unwrap();
    BanPublisher(b.hub.clone()).banned(&echo);
    BanPublisher(b.hub.clone()).unbanned(&echo, UnbanReason::Remote);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(b.hub.status().published.bans, 0);
    assert_eq!(redis.cli(&["HLEN", "secast:bans"]), "1");
    // A manual unban travels too, and leaves a record for nodes that were away.
    BanPublisher(a.hub.clone()).unbanned(&echo, UnbanReason::Manual);
    let (net, _) = c
        .engine
        .wait_for(Duration::from_secs(2), |cmd| match cmd {
            Command::Remote(Remote::Unban { net, node, .. }) if node == "nodeA" => Some(*net),
            _ => None,
        })
        .expect("the unban arrives");
    assert_eq!(net.to_string(), "203.0.113.50/32");
    assert_eq!(redis.cli(&["HLEN", "secast:bans"]), "0");
    assert_eq!(redis.cli(&["HLEN", "secast:unbans"]), "1");
}

#[test]
#[ignore = "needs redis-server: make e2e"]
fn failures_travel_in_batches_and_a_late_node_gets_the_bans_in_force() {
    let redis = unix_redis("link-fail");
    let a = Node::start("nodeA", 0x0a, &redis.unix_url());
    let b = Node::start("nodeB", 0x0b, &redis.unix_url());
    let ip = "203.0.113.9".parse().unwrap();
    for _ in 0..3 {
        if a.hub.tally.add(&LocalFailure {
            ip,
            ami: false,
            account: None,
        }) {
            a.hub.wake();
        }
    }
    let (n, took) = b
        .engine
        .wait_for(Duration::from_secs(2), |c| match c {
            Command::Remote(Remote::Failures { node, sources }) if node == "nodeA" => {
                Some(sources.iter().map(|s| s.failures).sum::<u32>())
            }
            _ => None,
        })
        .expect("the batch arrives");
    assert_eq!(n, 3, "one batch with all three");
    eprintln!("failure batch reached the other node in {took:?}");

    a.ban("198.51.100.77", "manual");
    b.engine
        .wait_for(Duration::from_secs(2), remote_ban)
        .unwrap();
    // A node that starts later reads the bans in force from Redis.
    let c = Node::start("nodeC", 0x0c, &redis.unix_url());
    let (snapshot, _) = c
        .engine
        .wait_for(Duration::from_secs(2), |cmd| match cmd {
            Command::Remote(Remote::Snapshot(s)) => Some(s.clone()),
            _ => None,
        })
        .expect("a snapshot at connect");
    assert_eq!(snapshot.bans.len(), 1, "{snapshot:?}");
    assert_eq!(snapshot.bans[0].net.to_string(), "198.51.100.77/32");
    assert_eq!(snapshot.offences.len(), 1);
}

#[test]
#[ignore = "needs redis-server: make e2e"]
fn a_restarted_redis_is_reconnected_and_queued_bans_are_replayed() {
    let mut redis = unix_redis("link-restart");
    let a = Node::start("nodeA", 0x0a, &redis.unix_url());
    let b = Node::start("nodeB", 0x0b, &redis.unix_url());
    redis.stop();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(a.hub.status().connected_since.is_none(), "noticed");
    a.ban("203.0.113.60", "brute_force");
    assert_eq!(a.hub.queue_depth().0, 1, "queued while Redis is away");
    redis.start_again();
    // B hears it live, or (when A replays before B has subscribed again) reads it in its own
    // resync: either way it arrives.
    let (ban, _) = b
        .engine
        .wait_for(Duration::from_secs(10), |c| match c {
            Command::Remote(Remote::Ban(b)) => Some(b.clone()),
            Command::Remote(Remote::Snapshot(s)) => s.bans.first().cloned(),
            _ => None,
        })
        .unwrap_or_else(|| {
            panic!(
                "not replayed after the restart:\nA: {:?}\n{:?}\nB: {:?}\n{:?}",
                a.hub.status(),
                a.log.lines(),
                b.hub.status(),
                b.log.lines()
            )
        });
    assert_eq!(ban.net.to_string(), "203.0.113.60/32");
    assert!(a.hub.status().replayed >= 1, "{:?}", a.hub.status());
    assert!(a.logged("lost the link to Redis"), "{:?}", a.log.lines());
}

#[test]
#[ignore = "needs redis-server: make e2e"]
fn bans_that_ended_are_cleaned_out_of_redis_at_a_resync() {
    let redis = unix_redis("link-clean");
    let now = wall_clock_ms();
    let ended = format!(
        "{{\"t\":\"ban\",\"node\":\"nodeB\",\"net\":\"203.0.113.70/32\",\"since\":{},\"until\":{},\"rule\":\"manual\",\"reason\":\"old\",\"offence\":1,\"sent\":{}}}",
        now - 7_200_000,
        now - 3_600_000,
        now - 7_200_000
    );
    let live = ended.replace("203.0.113.70", "203.0.113.71").replace(
        &format!("{}", now - 3_600_000),
        &format!("{}", now + 3_600_000),
    );
    redis.cli(&["HSET", "secast:bans", "203.0.113.70/32", &ended]);
    redis.cli(&["HSET", "secast:bans", "203.0.113.71/32", &live]);
    let a = Node::start("nodeA", 0x0a, &redis.unix_url());
    let (snapshot, _) = a
        .engine
        .wait_for(Duration::from_secs(2), |cmd| match cmd {
            Command::Remote(Remote::Snapshot(s)) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(snapshot.bans.len(), 1);
    assert_eq!(snapshot.bans[0].net.to_string(), "203.0.113.71/32");
    assert_eq!(redis.cli(&["HKEYS", "secast:bans"]), "203.0.113.71/32");
}

#[test]
#[ignore = "needs redis-server: make e2e"]
fn a_hung_redis_is_noticed_by_the_heartbeat() {
    let redis = unix_redis("link-hung");
    let a = Node::start("nodeA", 0x0a, &redis.unix_url());
    redis.freeze(true);
    let mut noticed = false;
    for _ in 0..80 {
        std::thread::sleep(Duration::from_millis(100));
        if a.hub.status().connected_since.is_none() {
            noticed = true;
            break;
        }
    }
    redis.freeze(false);
    assert!(
        noticed,
        "a frozen Redis went unnoticed: {:?}",
        a.hub.status()
    );
    a.wait_connected();
}

#[test]
#[ignore = "needs redis-server: make e2e"]
fn malformed_entries_in_redis_are_logged_escaped_and_skipped() {
    let redis = unix_redis("link-malformed");
    let a = Node::start("nodeA", 0x0a, &redis.unix_url());
    // A hand-written message with a forged log line and a state Asterisk would index with.
    redis.cli(&[
        "PUBLISH",
        "secast:events",
        "{\"t\":\"devs\",\"node\":\"evil\",\"eid\":\"02:00:00:00:5e:66\",\"states\":[[\"PJSIP/1\",99]],\"sent\":1800000000000}\nFAKE LOG LINE",
    ]);
    redis.cli(&[
        "HSET",
        "secast:bans",
        "203.0.113.1/32",
        "{\"t\":\"ban\",\"node\":\"evil\",\"net\":\"0.0.0.0/0\"}",
    ]);
    let b = Node::start("nodeB", 0x0b, &redis.unix_url());
    std::thread::sleep(Duration::from_millis(300));
    assert!(a.hub.status().malformed >= 1, "{:?}", a.hub.status());
    assert!(b.hub.status().malformed >= 1, "{:?}", b.hub.status());
    let line = a
        .log
        .lines()
        .into_iter()
        .find(|(l, t)| *l == Level::Warning && t.contains("malformed"))
        .expect("logged")
        .1;
    assert!(line.contains("\\x0aFAKE LOG LINE"), "{line}");
    assert!(!line.contains('\n'));
    assert!(
        b.engine
            .wait_for(Duration::from_millis(200), remote_ban)
            .is_none()
    );
}

#[test]
#[ignore = "needs root and redis-server: make e2e"]
fn logs_in_as_an_acl_user_over_tcp_and_tls_and_refuses_what_it_cannot_trust() {
    let ns = Netns::new("secast-test-redis");
    ns.add_address("198.51.100.1");
    let dir = cluster_support::temp_dir("link-tls");
    let certs = Certs::make(&dir);
    let _redis = Redis::start(RedisOptions {
        socket: dir.join("redis.sock"),
        netns: Some(ns.name.clone()),
        tls: Some(dir.clone()),
    });
    // The client runs in the namespace too: a thread of this test enters it.
    let ok = cluster_support::in_netns(&ns.name, move || {
        let target = |url: &str, ca: Option<&str>| {
            let url = RedisUrl::parse(url).unwrap();
            let tls = ca.map(|ca| {
                tls::client_config(&tls::TlsFiles {
                    ca_file: ca.to_owned(),
                    ..Default::default()
                })
                .unwrap()
            });
            Target {
                url,
                tls,
                tls_name: "198.51.100.1".into(),
                timeout: Duration::from_secs(2),
                client_name: "secast-test".into(),
            }
        };
        let plain = format!("redis://{ACL_USER}:{ACL_PASSWORD}@198.51.100.1:6379");
        let mut c = Connection::open(&target(&plain, None)).expect("plain TCP");
        assert_eq!(
            c.call(&[b"ACL", b"WHOAMI"]).unwrap().as_text(),
            Some(ACL_USER)
        );
        let refused = c.call(&[b"SET", b"other:key", b"1"]).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::Server);
        assert!(refused.message.contains("NOPERM"), "{refused}");
        let wrong = format!("redis://{ACL_USER}:wrong@198.51.100.1:6379");
        let e = Connection::open(&target(&wrong, None)).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Auth, "{e}");
        let secure = format!("rediss://{ACL_USER}:{ACL_PASSWORD}@198.51.100.1:6380");
        let ca = dir.join("ca.crt").display().to_string();
        let mut t = Connection::open(&target(&secure, Some(&ca))).expect("TLS");
        assert_eq!(t.call(&[b"PING"]).unwrap().as_text(), Some("PONG"));
        // Our certificate is not trusted by a CA that did not sign it.
        let other = dir.join("client.crt").display().to_string();
        let e = Connection::open(&target(&secure, Some(&other)))
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Tls, "{e}");
        // TLS spoken to the plain port: bounded by the timeout, not a hang.
        let mismatch = format!("rediss://{ACL_USER}:{ACL_PASSWORD}@198.51.100.1:6379");
        let started = std::time::Instant::now();
        assert!(Connection::open(&target(&mismatch, Some(&ca))).is_err());
        assert!(started.elapsed() < Duration::from_secs(5));
        true
    });
    assert!(ok);
    let _ = certs;
}

#[test]
#[ignore = "needs redis-server: make e2e"]
fn queued_bans_are_bounded_while_redis_is_away() {
    let hub = Hub::new().unwrap();
    hub.set_queue_size(100);
    for i in 0..250u32 {
        hub.publish(Outbound::Unban {
            net: format!("203.0.{}.{}/32", i / 256, i % 256).parse().unwrap(),
            at: i64::from(i),
        });
    }
    assert_eq!(hub.queue_depth().0, 100);
}
