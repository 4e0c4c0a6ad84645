//! The PJSIP sensor with the real worker and engine (no Asterisk): what the sensor drops, what
//! the engine then bans through its one ban path, and how soon the sensor sees the ban.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, unbounded};
use res_secast::config::Config;
use res_secast::decision::{Action, Ban};
use res_secast::enforce::Order;
use res_secast::intake::{Field, RawEvent};
use res_secast::sensor::{DropReason, SeenRequest, Sensor, SipTransport, Verdict};
use res_secast::util::log::MemoryLog;
use res_secast::worker::{Ingress, Pipeline, Services, Shared};

const FAILED: i64 = 11; // ChallengeResponseFailed
const SUCCESS: i64 = 9; // SuccessfulAuth

fn event(kind: i64, src: &str, port: u16, account: &str) -> RawEvent {
    let mut raw = RawEvent::new(kind);
    raw.set(Field::Service, b"PJSIP");
    raw.set(Field::AccountId, account.as_bytes());
    raw.set(
        Field::RemoteAddress,
        format!("IPV4/UDP/{src}/{port}").as_bytes(),
    );
    raw
}

fn open_config() -> Config {
    let mut c = Config::default();
    c.whitelist.loopback = false;
    c.whitelist.host_addresses = false;
    c
}

struct Rig {
    pipeline: Option<Pipeline>,
    ingress: Ingress,
    shared: Arc<Shared>,
    sensor: Arc<Sensor>,
    orders: Receiver<Order>,
}

impl Rig {
    fn start(cfg: Config) -> Rig {
        let (tx, orders) = unbounded();
        let services = Services {
            enforcer: Some(tx),
            ..Services::default()
        };
        let (pipeline, ingress) =
            Pipeline::start_with(cfg, Arc::new(MemoryLog::default()), services).unwrap();
        let shared = pipeline.shared.clone();
        let sensor = shared.sensor();
        Rig {
            pipeline: Some(pipeline),
            ingress,
            shared,
            sensor,
            orders,
        }
    }

    fn inspect(&self, src: &str, method: &str, user: &str, ua: Option<&str>) -> Verdict {
        self.inspect_as(src, method, user, ua, false)
    }

    fn inspect_as(
        &self,
        src: &str,
        method: &str,
        user: &str,
        ua: Option<&str>,
        authorization: bool,
    ) -> Verdict {
        let source: SocketAddr = src.parse().unwrap();
        let req = SeenRequest {
            source,
            transport: SipTransport::Udp,
            method: method.as_bytes(),
            from_user: user.as_bytes(),
            user_agent: ua.map(str::as_bytes),
            authorization,
        };
        self.sensor.inspect(&req, self.shared.now())
    }

    fn submit(&self, raw: RawEvent) {
        self.ingress.submit(raw, Instant::now());
    }

    /// Waits (bounded) until the worker has finished what was submitted and noted.
    fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.shared.queue_depth() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(20));
        drop(self.shared.engine());
    }

    /// Waits (bounded) until a ban covers `ip` in the published view.
    fn banned(&self, ip: &str) -> bool {
        let ip: IpAddr = ip.parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.shared.is_banned(ip) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    /// What the worker handed to the enforcer: waits (bounded) for the first order, then
    /// takes what follows within 50 ms (the ban is published before it is dispatched).
    fn actions(&self) -> Vec<Action> {
        let mut out = Vec::new();
        let mut wait = Duration::from_secs(5);
        while let Ok(o) = self.orders.recv_timeout(wait) {
            if let Order::Act { actions, .. } = o {
                out.extend(actions);
            }
            wait = Duration::from_millis(50);
        }
        out
    }

    /// The bans among [`Rig::actions`].
    fn bans(&self) -> Vec<Ban> {
        self.actions()
            .into_iter()
            .filter_map(|a| match a {
                Action::Ban(b) => Some(b),
                _ => None,
            })
            .collect()
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(p) = self.pipeline.take() {
            p.join();
        }
    }
}

#[test]
fn the_request_after_the_threshold_is_dropped_with_no_firewall_involved() {
    let rig = Rig::start(open_config());
    for i in 0..5 {
        assert_eq!(
            rig.inspect("203.0.113.9:5060", "REGISTER", "1001", Some("sipp")),
            Verdict::Pass,
            "attempt {i} is processed"
        );
        rig.submit(event(FAILED, "203.0.113.9", 5060, "1001"));
        rig.settle();
    }
    // The 5th failure's ban is in the published view the moment the engine decided it: the
    // enforcer (the kernel set) has not even been read in this test.
    assert_eq!(
        rig.inspect("203.0.113.9:5061", "REGISTER", "1001", Some("sipp")),
        Verdict::Drop(DropReason::Banned)
    );
    assert_eq!(
        rig.sensor
            .dropped_from("203.0.113.9".parse().unwrap())
            .map(|d| d.0),
        Some(1)
    );
    assert_eq!(rig.sensor.counters.totals().dropped_banned, 1);
    assert_eq!(
        rig.inspect("203.0.113.10:5060", "REGISTER", "1001", Some("sipp")),
        Verdict::Pass
    );
}

#[test]
fn a_scanner_is_dropped_at_its_first_request_and_banned_by_the_engine() {
    let rig = Rig::start(open_config());
    assert_eq!(
        rig.inspect(
            "198.51.100.66:5060",
            "OPTIONS",
            "100",
            Some("friendly-scanner")
        ),
        Verdict::Drop(DropReason::Scanner)
    );
    assert!(rig.banned("198.51.100.66"));
    assert_eq!(
        rig.inspect(
            "198.51.100.66:5060",
            "REGISTER",
            "100",
            Some("Yealink SIP-T46S")
        ),
        Verdict::Drop(DropReason::Banned)
    );
    let bans = rig.bans();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].origin.rule(), "scanner");
    assert!(
        bans[0].reason.contains("\"friendly-scanner\""),
        "{}",
        bans[0].reason
    );
    // A phone is never touched.
    for _ in 0..50 {
        assert_eq!(
            rig.inspect(
                "198.51.100.20:5060",
                "REGISTER",
                "1001",
                Some("Yealink SIP-T46S 66.86.0.15")
            ),
            Verdict::Pass
        );
    }
}

#[test]
fn a_request_flood_is_dropped_past_the_threshold_and_banned() {
    let rig = Rig::start(open_config());
    let now = rig.shared.now();
    let req = |port: u16| SeenRequest {
        source: SocketAddr::new("203.0.113.50".parse().unwrap(), port),
        transport: SipTransport::Udp,
        method: b"OPTIONS",
        from_user: b"",
        user_agent: None,
        authorization: false,
    };
    // All within one second of the sensor's clock.
    let second = now - now.rem_euclid(1000);
    for i in 0..200 {
        assert_eq!(
            rig.sensor.inspect(&req(5060), second + 10),
            Verdict::Pass,
            "request {i}"
        );
    }
    assert_eq!(
        rig.sensor.inspect(&req(5060), second + 20),
        Verdict::Drop(DropReason::Flood)
    );
    assert!(rig.banned("203.0.113.50"));
    let bans = rig.bans();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].origin.rule(), "request_flood");
    // The next second another source starts from zero.
    assert_eq!(
        rig.sensor.inspect(
            &SeenRequest {
                source: "203.0.113.51:5060".parse().unwrap(),
                ..req(5060)
            },
            second + 1010
        ),
        Verdict::Pass
    );
}

#[test]
fn protected_sources_are_never_dropped_by_the_sensor_rules() {
    let mut cfg = open_config();
    cfg.whitelist.networks.push("192.0.2.0/24".parse().unwrap());
    let rig = Rig::start(cfg);
    rig.settle();
    for _ in 0..300 {
        assert_eq!(
            rig.inspect("192.0.2.5:5060", "OPTIONS", "x", Some("friendly-scanner")),
            Verdict::Pass
        );
    }
    rig.settle();
    assert!(!rig.shared.is_banned("192.0.2.5".parse().unwrap()));
    assert!(rig.sensor.counters.totals().spared > 0);
}

#[test]
fn a_listed_source_is_dropped_at_its_first_request() {
    let dir = std::env::temp_dir().join(format!("secast-sensor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("list.txt");
    std::fs::write(&list, "198.51.100.0/24\n").unwrap();
    let mut cfg = open_config();
    let spec = format!("plain:{}", list.display());
    let (cfg2, issues) = Config::from_entries(
        &[res_secast::config::ConfigEntry::new(
            "intel",
            "blocklist",
            &spec,
        )],
        &cfg,
    );
    assert!(issues.is_empty(), "{issues:?}");
    cfg.intel = cfg2.intel;
    let rig = Rig::start(cfg);
    assert_eq!(
        rig.inspect("198.51.100.7:5060", "REGISTER", "1001", Some("Zoiper")),
        Verdict::Drop(DropReason::FirstContact)
    );
    assert!(rig.banned("198.51.100.7"));
    assert_eq!(
        rig.inspect("203.0.113.70:5060", "REGISTER", "1001", Some("Zoiper")),
        Verdict::Pass
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_login_from_a_new_device_and_network_raises_the_stolen_credentials_signal() {
    let rig = Rig::start(open_config());
    assert_eq!(
        rig.inspect(
            "127.0.0.20:5060",
            "REGISTER",
            "1001",
            Some("Yealink SIP-T46S")
        ),
        Verdict::Pass
    );
    rig.settle();
    rig.submit(event(SUCCESS, "127.0.0.20", 5060, "1001"));
    rig.settle();
    assert_eq!(rig.shared.risk_of_account("1001"), 0);
    assert_eq!(
        rig.inspect(
            "203.0.113.7:5070",
            "REGISTER",
            "1001",
            Some("Evil Softphone")
        ),
        Verdict::Pass
    );
    rig.settle();
    rig.submit(event(SUCCESS, "203.0.113.7", 5070, "1001"));
    rig.settle();
    assert_eq!(rig.shared.risk_of_account("1001"), 100);
    let alerts: Vec<_> = rig
        .actions()
        .into_iter()
        .filter_map(|a| match a {
            Action::Alert(al) => Some(al),
            _ => None,
        })
        .collect();
    assert!(
        alerts
            .iter()
            .any(|a| a.rule.name() == "stolen_credentials" && a.message.contains("Evil Softphone")),
        "{alerts:?}"
    );
    let engine = rig.shared.engine();
    let profile = engine.device_profile("1001").expect("profile");
    assert_eq!(profile.agents.len(), 2);
}

#[test]
fn a_ban_soon_after_a_login_removes_the_contacts_of_that_login() {
    let rig = Rig::start(open_config());
    rig.submit(event(SUCCESS, "203.0.113.8", 5060, "1001"));
    rig.settle();
    assert_eq!(
        rig.inspect("203.0.113.8:5060", "OPTIONS", "1001", Some("sipvicious")),
        Verdict::Drop(DropReason::Scanner)
    );
    assert!(rig.banned("203.0.113.8"));
    rig.settle();
    let removals: Vec<_> = rig
        .actions()
        .into_iter()
        .filter_map(|a| match a {
            Action::RemoveContacts { account, source } => Some((account, source)),
            _ => None,
        })
        .collect();
    assert_eq!(
        removals,
        vec![("1001".into(), "203.0.113.8".parse().unwrap())]
    );
}

#[test]
fn device_profiles_survive_a_restart_in_their_own_file() {
    let dir = std::env::temp_dir().join(format!("secast-profiles-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = open_config();
    cfg.ledger.directory = dir.display().to_string();
    {
        let rig = Rig::start(cfg.clone());
        rig.inspect(
            "127.0.0.20:5060",
            "REGISTER",
            "1001",
            Some("Yealink\tT46S\n"),
        );
        rig.settle();
        rig.submit(event(SUCCESS, "127.0.0.20", 5060, "1001"));
        rig.settle();
    }
    let saved = std::fs::read_to_string(dir.join("profiles.tsv")).expect("saved at shutdown");
    assert!(saved.contains("Yealink%09T46S%0A"), "{saved}");
    let rig = Rig::start(cfg);
    let text = res_secast::admin::account_page::account_text(&rig.shared, "1001");
    assert!(text.contains(r#""Yealink\x09T46S\x0a""#), "{text}");
    assert!(text.contains("127.0.0.0/24"), "{text}");
    drop(rig);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn status_shows_the_sensor_state_and_what_it_dropped() {
    let rig = Rig::start(open_config());
    let status = res_secast::admin::status_page::status_text(&rig.shared);
    assert!(status.contains("PJSIP sensor: off ("), "{status}");
    rig.sensor.set_state(res_secast::sensor::SensorState::On {
        pj_version: "2.17".into(),
        priority: 3,
    });
    rig.inspect("198.51.100.99:5060", "OPTIONS", "", Some("sipcli/v1.8"));
    rig.inspect("198.51.100.98:5060", "OPTIONS", "", Some("MicroSIP/3.21.3"));
    let status = res_secast::admin::status_page::status_text(&rig.shared);
    assert!(
        status.contains("PJSIP sensor: on (pjproject 2.17, service priority 3)"),
        "{status}"
    );
    assert!(status.contains("Sensor requests seen: 2"), "{status}");
    assert!(
        status
            .contains("Sensor dropped: 1 (banned 0 scanner 1 flood 0 first-contact 0 in-flight 0)"),
        "{status}"
    );
    assert!(status.contains("notes lost (queue full) 0"), "{status}");
    let mut cfg = open_config();
    cfg.sensor.enabled = false;
    rig.shared.reconfigure(cfg);
    assert_eq!(
        rig.inspect("198.51.100.97:5060", "OPTIONS", "", Some("sipcli/v1.8")),
        Verdict::Pass
    );
    let status = res_secast::admin::status_page::status_text(&rig.shared);
    assert!(
        status.contains("judging nothing: [sensor] enabled = no"),
        "{status}"
    );
}

#[test]
fn a_manual_ban_of_a_network_removes_the_contacts_of_recent_logins_in_it() {
    let rig = Rig::start(open_config());
    rig.submit(event(SUCCESS, "203.0.113.40", 5060, "1002"));
    rig.settle();
    // The ack travels with the order to the enforcer, which this test plays.
    let (ack, _answer) = unbounded();
    assert!(rig.shared.command(res_secast::decision::Command::Ban {
        net: "203.0.113.0/24".parse().unwrap(),
        length: Some(Duration::from_secs(600)),
        reason: "test".into(),
        ack,
    }));
    let removals: Vec<_> = rig
        .actions()
        .into_iter()
        .filter(|a| matches!(a, Action::RemoveContacts { .. }))
        .collect();
    assert_eq!(
        removals,
        vec![Action::RemoveContacts {
            account: "1002".into(),
            source: "203.0.113.40".parse().unwrap()
        }]
    );
}

#[test]
fn a_reload_changes_the_sensor_rules_at_once() {
    let rig = Rig::start(open_config());
    let mut cfg = open_config();
    cfg.rules.scanner.enabled = false;
    rig.shared.reconfigure(cfg);
    assert_eq!(
        rig.inspect(
            "198.51.100.77:5060",
            "OPTIONS",
            "",
            Some("friendly-scanner")
        ),
        Verdict::Pass
    );
    let mut cfg = open_config();
    cfg.scanner.builtin_patterns = false;
    cfg.scanner.patterns.push("acme-probe".into());
    rig.shared.reconfigure(cfg);
    assert_eq!(
        rig.inspect(
            "198.51.100.78:5060",
            "OPTIONS",
            "",
            Some("friendly-scanner")
        ),
        Verdict::Pass
    );
    assert_eq!(
        rig.inspect("198.51.100.79:5060", "OPTIONS", "", Some("ACME-Probe/2")),
        Verdict::Drop(DropReason::Scanner)
    );
}

#[test]
fn a_flood_from_a_registered_source_is_cut_back_not_banned() {
    let rig = Rig::start(open_config());
    rig.submit(event(SUCCESS, "198.51.100.150", 5060, "1005"));
    rig.settle();
    let now = rig.shared.now();
    let second = now - now.rem_euclid(1000);
    let req = SeenRequest {
        source: "198.51.100.150:5060".parse().unwrap(),
        transport: SipTransport::Udp,
        method: b"SUBSCRIBE",
        from_user: b"1005",
        user_agent: Some(b"Yealink SIP-T54W"),
        authorization: false,
    };
    let verdicts: Vec<Verdict> = (0..260).map(|_| rig.sensor.inspect(&req, second)).collect();
    assert!(verdicts[..200].iter().all(|v| *v == Verdict::Pass));
    assert!(
        verdicts[200..]
            .iter()
            .all(|v| *v == Verdict::Drop(DropReason::Flood))
    );
    let actions = rig.actions();
    assert!(
        !actions.iter().any(|a| matches!(a, Action::Ban(_))),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| matches!(a, Action::Alert(al)
            if al.message.contains("live registration"))),
        "{actions:?}"
    );
    assert!(!rig.shared.is_banned("198.51.100.150".parse().unwrap()));
    // The next second it is served again.
    assert_eq!(rig.sensor.inspect(&req, second + 1000), Verdict::Pass);
}

#[test]
fn answers_in_flight_never_take_a_failing_source_past_the_threshold() {
    let rig = Rig::start(open_config());
    let mut pending = 0u32;
    let mut processed = 0u32;
    let mut verdicts = Vec::new();
    // PJSIP checks each answer a few requests after the sensor let it through: the outcome of
    // an answer arrives once three more are in flight, or when the sensor holds one back.
    for _ in 0..30 {
        let v = rig.inspect_as("203.0.113.44:5060", "REGISTER", "1001", Some("sipp"), true);
        verdicts.push(v);
        if v == Verdict::Pass {
            processed += 1;
            pending += 1;
        }
        if pending > 0 && (pending >= 3 || v != Verdict::Pass) {
            pending -= 1;
            rig.submit(event(FAILED, "203.0.113.44", 5060, "1001"));
            rig.settle();
        }
    }
    assert_eq!(processed, 5, "{verdicts:?}");
    assert!(rig.shared.is_banned("203.0.113.44".parse().unwrap()));
    assert!(
        verdicts.contains(&Verdict::Drop(DropReason::InFlight)),
        "{verdicts:?}"
    );
    assert_eq!(verdicts.last(), Some(&Verdict::Drop(DropReason::Banned)));
    // Unbanned by the administrator, the source starts from zero: nothing is held back.
    let (ack, _answer) = unbounded();
    assert!(rig.shared.command(res_secast::decision::Command::Unban {
        net: "203.0.113.44/32".parse().unwrap(),
        ack,
    }));
    let deadline = Instant::now() + Duration::from_secs(10);
    while rig.shared.is_banned("203.0.113.44".parse().unwrap()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    rig.settle();
    assert_eq!(
        rig.inspect_as("203.0.113.44:5060", "REGISTER", "1001", Some("sipp"), true),
        Verdict::Pass
    );
    // A phone answering its challenges with no failure is never held back.
    for _ in 0..20 {
        assert_eq!(
            rig.inspect_as(
                "198.51.100.21:5060",
                "REGISTER",
                "1002",
                Some("Snom D785"),
                true
            ),
            Verdict::Pass
        );
    }
}
