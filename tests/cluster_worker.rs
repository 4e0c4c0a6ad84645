//! The cluster's reports on the engine thread, and the Extension Finder's answers, with the
//! engine worker running but no Asterisk and no Redis: what the cluster link would hand over
//! is sent as commands, and what the worker decides is read from the enforcer's queue.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, unbounded};
use res_secast::admin::cli_commands::{Reply, commands};
use res_secast::admin::dialplan_functions::functions;
use res_secast::cluster::contact::{AddressFrom, Contact};
use res_secast::cluster::registry::NodeInfo;
use res_secast::cluster::{Eid, Hub, Outbound};
use res_secast::config::{Config, Shares};
use res_secast::decision::{Action, Ban, BanOrigin, ClusterBans, Command, Remote, UnbanReason};
use res_secast::enforce::Order;
use res_secast::intake::{Field, RawEvent};
use res_secast::util::lock::{LockExt, RwLockExt};
use res_secast::util::log::MemoryLog;
use res_secast::util::time::wall_clock_ms;
use res_secast::worker::{Pipeline, Services, Shared};

const HOUR: i64 = 3_600_000;

struct Running {
    pipeline: Option<Pipeline>,
    shared: Arc<Shared>,
    orders: Receiver<Order>,
    hub: Arc<Hub>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(p) = self.pipeline.take() {
            p.join();
        }
    }
}

fn start() -> Running {
    let mut config = Config::default();
    config.whitelist.loopback = false;
    config.whitelist.host_addresses = false;
    let hub = Arc::new(Hub::new().unwrap());
    hub.set_shares(Shares::ALL);
    let (tx, orders) = unbounded();
    let services = Services {
        enforcer: Some(tx),
        cluster: Some(hub.clone()),
        ..Services::default()
    };
    let (pipeline, ingress) =
        Pipeline::start_with(config, Arc::new(MemoryLog::default()), services).unwrap();
    drop(ingress);
    let shared = pipeline.shared.clone();
    Running {
        pipeline: Some(pipeline),
        shared,
        orders,
        hub,
    }
}

fn next_actions(r: &Running) -> Vec<Action> {
    match r.orders.recv_timeout(Duration::from_secs(2)) {
        Ok(Order::Act { actions, .. }) => actions,
        _ => panic!("the worker decided nothing"),
    }
}

fn remote_ban(net: &str, node: &str) -> Ban {
    let now = wall_clock_ms();
    Ban {
        net: net.parse().unwrap(),
        since: now,
        until: Some(now + HOUR),
        origin: BanOrigin::Remote {
            rule: "brute_force".into(),
            node: node.into(),
        },
        offence: 1,
        reason: "brute_force: 5 authentication failures within 10m".into(),
    }
}

#[test]
fn a_remote_ban_goes_to_the_enforcer_marked_as_remote_and_an_unban_follows() {
    let r = start();
    r.shared.command(Command::Remote(Remote::Ban(remote_ban(
        "203.0.113.5/32",
        "nodeB",
    ))));
    let actions = next_actions(&r);
    assert!(matches!(&actions[..], [Action::Ban(b)] if b.origin.is_remote()));
    // An unban decided before this server's ban of the same source does not lift it.
    let net = "203.0.113.5/32".parse().unwrap();
    r.shared.command(Command::Remote(Remote::Unban {
        net,
        at: wall_clock_ms() - HOUR,
        node: "nodeB".into(),
    }));
    assert!(r.orders.recv_timeout(Duration::from_millis(300)).is_err());
    r.shared.command(Command::Remote(Remote::Unban {
        net,
        at: wall_clock_ms() + 1,
        node: "nodeB".into(),
    }));
    let actions = next_actions(&r);
    assert!(matches!(
        &actions[..],
        [Action::Unban {
            why: UnbanReason::Remote,
            ..
        }]
    ));
}

#[test]
fn after_a_reconnect_the_engine_takes_what_it_lacks_and_republishes_what_the_cluster_lacks() {
    let r = start();
    // A ban of this server, decided while Redis was away.
    let mine: ipnet::IpNet = "203.0.113.20/32".parse().unwrap();
    r.shared
        .engine()
        .manual_ban(
            mine,
            Some(Duration::from_secs(3600)),
            "local",
            wall_clock_ms(),
        )
        .unwrap();
    let theirs = remote_ban("203.0.113.21/32", "nodeC");
    r.shared
        .command(Command::Remote(Remote::Snapshot(ClusterBans {
            bans: vec![theirs.clone()],
            lifted: vec![],
            offences: vec![],
            ours: vec![],
        })));
    let actions = next_actions(&r);
    assert!(matches!(&actions[..], [Action::Ban(b)] if b.net == theirs.net));
    let queued = r.hub.take_outbound(10);
    assert!(
        matches!(&queued[..], [Outbound::Ban { ban, replay: true }] if ban.net == mine),
        "{queued:?}"
    );
}

#[test]
fn failures_of_the_engine_thread_are_tallied_for_the_cluster() {
    let log = Arc::new(MemoryLog::default());
    let hub = Arc::new(Hub::new().unwrap());
    hub.set_shares(Shares::ALL);
    let services = Services {
        cluster: Some(hub.clone()),
        ..Services::default()
    };
    let (pipeline, ingress) = Pipeline::start_with(Config::default(), log, services).unwrap();
    for kind in [11i64, 11, 13] {
        let mut raw = RawEvent::new(kind);
        raw.set(Field::Service, b"PJSIP");
        raw.set(Field::AccountId, b"1001");
        raw.set(Field::RemoteAddress, b"IPV4/UDP/203.0.113.30/5060");
        assert!(ingress.submit(raw, Instant::now()));
    }
    drop(ingress);
    pipeline.join();
    let batch = hub.tally.take();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].failures, 2, "ChallengeSent is not a failure");
}

fn contact(node: &str, aor: &str, address: &str) -> Contact {
    let now = wall_clock_ms();
    Contact {
        id: format!("{aor};@{node}"),
        aor: aor.into(),
        uri: format!("sip:{aor}@{address}"),
        address: Some(address.parse().unwrap()),
        address_from: AddressFrom::Remote,
        transport: "UDP".into(),
        user_agent: "phone/1.0".into(),
        node: node.into(),
        expires: now + HOUR,
        updated: now,
    }
}

fn locate(shared: &Shared, args: &str) -> Result<String, String> {
    let f = functions()
        .iter()
        .find(|f| f.name == c"SECAST_LOCATE")
        .unwrap();
    f.read(
        Some(args),
        Some(shared),
        &mut res_secast::admin::channel_context::NoChannel,
    )
}

#[test]
fn secast_locate_answers_from_the_registry_with_a_dial_string_that_reaches_the_node() {
    let r = start();
    // Not running a link: nothing is known.
    assert_eq!(locate(&r.shared, "1001"), Ok(String::new()));
    r.hub.status.locked().running = true;
    {
        let mut reg = r.hub.registry.write_locked();
        reg.note_node(NodeInfo {
            name: "nodeB".into(),
            eid: Eid([2, 0, 0, 0, 0x5e, 0x0b]),
            instance: 1,
            sip_address: Some("198.51.100.12:5080".into()),
            version: "0.1.0".into(),
            last_heard: wall_clock_ms(),
            lag_ms: 1,
        });
        reg.set_remote(contact("nodeB", "1001", "198.51.100.40:5062"));
        reg.set_local(contact("nodeA", "1002", "127.0.0.1:5062"));
    }
    assert_eq!(
        locate(&r.shared, "1001"),
        Ok("PJSIP/secast-cluster/sip:1001@198.51.100.12:5080".into())
    );
    assert_eq!(locate(&r.shared, "1002"), Ok("PJSIP/1002".into()));
    assert_eq!(locate(&r.shared, "1001, node"), Ok("nodeB".into()));
    assert_eq!(
        locate(&r.shared, "1001,address"),
        Ok("198.51.100.40:5062".into())
    );
    assert_eq!(locate(&r.shared, "1001,user_agent"), Ok("phone/1.0".into()));
    assert_eq!(locate(&r.shared, "1003"), Ok(String::new()));
    assert!(locate(&r.shared, "1001,colour").is_err());
    assert!(locate(&r.shared, "10 01").is_err());

    let show = commands()
        .iter()
        .find(|c| c.words == c"secast show locate")
        .unwrap();
    let argv: Vec<String> = "secast show locate 1001"
        .split(' ')
        .map(str::to_owned)
        .collect();
    let Reply::Text(text) = show.answer(&argv, Some(&r.shared)) else {
        panic!()
    };
    assert!(
        text.contains("Node: nodeB") && text.contains("Dial: PJSIP/secast-cluster"),
        "{text}"
    );
    let regs = commands()
        .iter()
        .find(|c| c.words == c"secast show registrations")
        .unwrap();
    let argv: Vec<String> = "secast show registrations nodeB"
        .split(' ')
        .map(str::to_owned)
        .collect();
    let Reply::Text(text) = regs.answer(&argv, Some(&r.shared)) else {
        panic!()
    };
    assert!(text.starts_with("1 registrations"), "{text}");
    let ip: IpAddr = "198.51.100.40".parse().unwrap();
    assert!(text.contains(&ip.to_string()), "{text}");
}

#[test]
fn show_cluster_says_when_the_cluster_is_off() {
    let r = start();
    let show = commands()
        .iter()
        .find(|c| c.words == c"secast show cluster")
        .unwrap();
    let argv: Vec<String> = "secast show cluster"
        .split(' ')
        .map(str::to_owned)
        .collect();
    assert_eq!(
        show.answer(&argv, Some(&r.shared)),
        Reply::Text("Cluster: off (no [cluster] url in secast.conf)\n".into())
    );
}
