//! The engine consulting geo, blocklists and neighbours on first contact.

mod geo_fixture;

use std::net::IpAddr;
use std::sync::Arc;

use geo_fixture::{FixtureRecord, FixtureSchema, TempDir, net, write_fixture_db};
use res_secast::config::{Config, ListedAction};
use res_secast::decision::Action;
use res_secast::decision::RuleId;
use res_secast::engine::Engine;
use res_secast::intake::{Field, RawEvent, SecurityEvent};
use res_secast::lookups::Lookups;
use res_secast::lookups::geo::{GeoAction, GeoDb, GeoPolicy, parse_rule};
use res_secast::lookups::intel::{Blocklist, ListFormat, ListSpec};
use res_secast::lookups::numbers::NumberLists;

const T0: i64 = 1_800_000_000_000;

fn ev(kind: i64, src: &str, account: &str) -> SecurityEvent {
    let mut raw = RawEvent::new(kind);
    raw.set(Field::Service, b"PJSIP");
    raw.set(Field::AccountId, account.as_bytes());
    raw.set(
        Field::RemoteAddress,
        format!("IPV4/UDP/{src}/5060").as_bytes(),
    );
    raw.parse().unwrap()
}

fn open_config() -> Config {
    let mut c = Config::default();
    c.whitelist.loopback = false;
    c.whitelist.host_addresses = false;
    c
}

fn bans(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Ban(b) => Some(format!("{} {}", b.net, b.origin.label())),
            _ => None,
        })
        .collect()
}

struct World {
    _dir: TempDir,
    lookups: Lookups,
}

fn world(rules: &[(bool, &str)], listed: &[&str]) -> World {
    let dir = TempDir::new("engine-lookups");
    let db = dir.path().join("geo.mmdb");
    write_fixture_db(
        &db,
        FixtureSchema::IpLocationDb,
        &[
            (net("203.0.113.0/26"), FixtureRecord::country("RU")),
            (net("203.0.113.128/26"), FixtureRecord::country("FR")),
        ],
    )
    .unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, listed.join("\n")).unwrap();
    let (blocklist, issues) = Blocklist::load(&[ListSpec {
        name: "list.txt".into(),
        path: list,
        format: ListFormat::Plain,
    }]);
    assert!(issues.is_empty(), "{issues:?}");
    let rules = rules
        .iter()
        .map(|(allow, t)| parse_rule(*allow, t, GeoAction::Ban).unwrap())
        .collect();
    World {
        lookups: Lookups {
            geo_db: Some(Arc::new(GeoDb::open(&db).unwrap())),
            geo_policy: Arc::new(GeoPolicy::new(
                rules,
                true,
                GeoAction::Ban,
                GeoPolicy::default_local_networks(),
            )),
            blocklist: Arc::new(blocklist),
            numbers: Arc::new(NumberLists::default()),
            epoch: 1,
        },
        _dir: dir,
    }
}

fn engine(cfg: Config, w: World) -> (Engine, World) {
    let mut e = Engine::new(Arc::new(cfg), Vec::new());
    let lookups = Lookups {
        geo_db: w.lookups.geo_db.clone(),
        geo_policy: w.lookups.geo_policy.clone(),
        blocklist: w.lookups.blocklist.clone(),
        numbers: w.lookups.numbers.clone(),
        epoch: 1,
    };
    e.set_lookups(Arc::new(lookups));
    (e, w)
}

#[test]
fn denied_country_is_banned_on_first_contact() {
    let (mut e, _w) = engine(open_config(), world(&[(false, "country:RU")], &[]));
    let a = e.on_event(&ev(13, "203.0.113.5", "1001"), T0);
    assert_eq!(bans(&a), ["203.0.113.5/32 geo"]);
    assert!(
        bans(&e.on_event(&ev(13, "203.0.113.130", "1001"), T0)).is_empty(),
        "FR is allowed"
    );
}

#[test]
fn roaming_account_exception_applies_only_to_that_account() {
    let rules = [(false, "country:FR"), (true, "account=1001 country:FR")];
    let (mut e, _w) = engine(open_config(), world(&rules, &[]));
    assert!(bans(&e.on_event(&ev(13, "203.0.113.130", "1001"), T0)).is_empty());
    assert_eq!(
        bans(&e.on_event(&ev(13, "203.0.113.131", "1002"), T0)),
        ["203.0.113.131/32 geo"]
    );
}

#[test]
fn a_successful_login_from_a_denied_place_is_judged_again_and_alerts() {
    // First contact allowed by a risk-only rule, then the login itself is judged again.
    let rules = [(false, "country:FR action=risk:40")];
    let (mut e, _w) = engine(open_config(), world(&rules, &[]));
    assert!(bans(&e.on_event(&ev(13, "203.0.113.140", "1002"), T0)).is_empty());
    assert_eq!(e.risk_of("203.0.113.140".parse().unwrap(), T0), 40);
    let a = e.on_event(&ev(9, "203.0.113.140", "1002"), T0 + 1);
    let alert = a.iter().find_map(|a| match a {
        Action::Alert(x) if x.rule == RuleId::Geo => Some(x.message.clone()),
        _ => None,
    });
    assert!(
        alert.is_some_and(|m| m.contains("successful login as \"1002\"")),
        "{a:?}"
    );
}

#[test]
fn local_networks_are_never_geo_blocked() {
    let mut cfg = open_config();
    cfg.geo.default_allow = false;
    let rules = [(false, "continent:EU")];
    let w = world(&rules, &[]);
    let strict = Arc::new(GeoPolicy::new(
        vec![parse_rule(false, "continent:EU", GeoAction::Ban).unwrap()],
        false,
        GeoAction::Ban,
        GeoPolicy::default_local_networks(),
    ));
    let (mut e, w) = engine(cfg, w);
    e.set_lookups(Arc::new(Lookups {
        geo_db: w.lookups.geo_db.clone(),
        geo_policy: strict,
        blocklist: w.lookups.blocklist.clone(),
        numbers: w.lookups.numbers.clone(),
        epoch: 2,
    }));
    assert!(bans(&e.on_event(&ev(13, "10.1.2.3", "1001"), T0)).is_empty());
    assert!(bans(&e.on_event(&ev(13, "192.168.1.20", "1001"), T0)).is_empty());
    assert_eq!(
        bans(&e.on_event(&ev(13, "203.0.113.5", "1001"), T0)),
        ["203.0.113.5/32 geo"]
    );
    // An address the database does not know is let through (and counted as unknown).
    assert!(bans(&e.on_event(&ev(13, "192.0.2.1", "1001"), T0)).is_empty());
}

#[test]
fn listed_source_is_banned_or_scored_at_first_contact() {
    let (mut e, _w) = engine(open_config(), world(&[], &["198.51.100.0/24"]));
    assert_eq!(
        bans(&e.on_event(&ev(13, "198.51.100.9", "1001"), T0)),
        ["198.51.100.9/32 intel"]
    );

    let mut cfg = open_config();
    cfg.intel.listed = ListedAction::Score;
    let (mut e, _w) = engine(cfg, world(&[], &["198.51.100.0/24"]));
    assert!(bans(&e.on_event(&ev(13, "198.51.100.9", "1001"), T0)).is_empty());
    assert_eq!(e.risk_of("198.51.100.9".parse().unwrap(), T0), 50);
    let report = e.ip_report("198.51.100.9".parse().unwrap(), T0, 5);
    assert_eq!(report.listed.as_deref(), Some("list.txt (198.51.100.0/24)"));
}

#[test]
fn neighbours_of_recent_offenders_start_with_risk() {
    let (mut e, _w) = engine(open_config(), world(&[], &[]));
    for host in 1..=3 {
        let src = format!("192.0.2.{host}");
        for i in 0..5 {
            e.on_event(&ev(11, &src, "1001"), T0 + i);
        }
        assert!(e.bans().covering(src.parse::<IpAddr>().unwrap()).is_some());
    }
    e.on_event(&ev(13, "192.0.2.77", "1001"), T0 + 10);
    assert_eq!(e.risk_of("192.0.2.77".parse().unwrap(), T0 + 10), 30);
    e.on_event(&ev(13, "192.0.3.77", "1001"), T0 + 10);
    // Another /24: only its own unanswered challenge counts (100/30 points).
    assert_eq!(e.risk_of("192.0.3.77".parse().unwrap(), T0 + 10), 3);
}
