//! When two rules fire on the same event, the documented evaluation order (engine/rules/mod.rs)
//! decides which one bans: intel, geo, neighbour, enumeration, brute_force/ami, slow_attack,
//! challenge_flood, stolen_credentials. One test per rule family.

mod geo_fixture;

use std::sync::Arc;

use geo_fixture::{FixtureRecord, FixtureSchema, TempDir, net, write_fixture_db};
use res_secast::config::{Config, StolenCredentialAction};
use res_secast::decision::{Action, RuleId};
use res_secast::engine::Engine;
use res_secast::intake::{Field, RawEvent, SecurityEvent};
use res_secast::lookups::Lookups;
use res_secast::lookups::geo::{GeoAction, GeoDb, GeoPolicy, parse_rule};
use res_secast::lookups::intel::{Blocklist, ListFormat, ListSpec};

const T0: i64 = 1_800_000_000_000;
const SEC: i64 = 1000;

const IAI: i64 = 1; // InvalidAccountID
const OK: i64 = 9; // SuccessfulAuth
const CRF: i64 = 11; // ChallengeResponseFailed
const INVPW: i64 = 12; // InvalidPassword
const CHAL: i64 = 13; // ChallengeSent

/// 203.0.113.0/26 is in RU (denied below), 198.51.100.7 is on the blocklist.
const DENIED: &str = "203.0.113.9";
const LISTED: &str = "198.51.100.7";

fn ev(kind: i64, service: &str, src: &str, account: &str) -> SecurityEvent {
    let mut raw = RawEvent::new(kind);
    raw.set(Field::Service, service.as_bytes());
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

/// An engine whose lookups deny RU and list one address; the files live in `dir`.
fn engine(cfg: Config, dir: &TempDir) -> Engine {
    engine_denying(cfg, dir, "country:RU")
}

/// Like [`engine`], with `deny` as the one geo deny rule.
fn engine_denying(cfg: Config, dir: &TempDir, deny: &str) -> Engine {
    let db = dir.path().join("geo.mmdb");
    write_fixture_db(
        &db,
        FixtureSchema::IpLocationDb,
        &[
            (net("203.0.113.0/26"), FixtureRecord::country("RU")),
            (net("198.51.100.0/24"), FixtureRecord::country("RU")),
        ],
    )
    .unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, LISTED).unwrap();
    let (blocklist, issues) = Blocklist::load(&[ListSpec {
        name: "list.txt".into(),
        path: list,
        format: ListFormat::Plain,
    }]);
    assert!(issues.is_empty(), "{issues:?}");
    let rules = vec![parse_rule(false, deny, GeoAction::Ban).unwrap()];
    let mut e = Engine::new(Arc::new(cfg), Vec::new());
    e.set_lookups(Arc::new(Lookups {
        geo_db: Some(Arc::new(GeoDb::open(&db).unwrap())),
        geo_policy: Arc::new(GeoPolicy::new(
            rules,
            true,
            GeoAction::Ban,
            GeoPolicy::default_local_networks(),
        )),
        blocklist: Arc::new(blocklist),
        ..Lookups::default()
    }));
    e
}

/// The rule named by the one ban among `actions`.
fn banned_by(actions: &[Action]) -> Option<String> {
    let bans: Vec<String> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Ban(b) => Some(b.origin.label().to_owned()),
            _ => None,
        })
        .collect();
    assert!(bans.len() <= 1, "one event, one ban: {bans:?}");
    bans.into_iter().next()
}

#[test]
fn first_contact_a_listed_source_in_a_denied_place_is_banned_as_listed() {
    let dir = TempDir::new("order-first-contact");
    let mut e = engine(open_config(), &dir);
    // Both intel (listed) and geo (RU) fire on the first event: intel comes first.
    let a = e.on_event(&ev(CHAL, "PJSIP", LISTED, "1001"), T0);
    assert_eq!(banned_by(&a).as_deref(), Some("intel"));
}

#[test]
fn enumeration_is_named_before_the_failures_it_consisted_of() {
    let dir = TempDir::new("order-enumeration");
    let mut e = engine(open_config(), &dir);
    let src = "192.0.2.50";
    // Five unknown accounts are also five failures: enumeration and brute_force both reach
    // their threshold of 5 on the fifth event.
    for i in 0..4 {
        let a = e.on_event(&ev(IAI, "PJSIP", src, &format!("ghost{i}")), T0 + i * SEC);
        assert_eq!(banned_by(&a), None);
    }
    let a = e.on_event(&ev(IAI, "PJSIP", src, "ghost4"), T0 + 4 * SEC);
    assert_eq!(banned_by(&a).as_deref(), Some("enumeration"));
}

#[test]
fn failures_the_short_window_is_named_before_the_slow_attack() {
    let dir = TempDir::new("order-failures");
    let mut cfg = open_config();
    cfg.rules.slow_attack.threshold = 5;
    let mut e = engine(cfg, &dir);
    let src = "192.0.2.51";
    for i in 0..4 {
        let a = e.on_event(&ev(CRF, "PJSIP", src, "1001"), T0 + i * SEC);
        assert_eq!(banned_by(&a), None);
    }
    let a = e.on_event(&ev(CRF, "PJSIP", src, "1001"), T0 + 4 * SEC);
    assert_eq!(banned_by(&a).as_deref(), Some("brute_force"));

    // The same for manager logins: ami before slow_attack.
    let src = "192.0.2.52";
    for i in 0..4 {
        e.on_event(&ev(INVPW, "AMI", src, "admin"), T0 + i * SEC);
    }
    let a = e.on_event(&ev(INVPW, "AMI", src, "admin"), T0 + 4 * SEC);
    assert_eq!(banned_by(&a).as_deref(), Some("ami"));
}

#[test]
fn challenge_flood_yields_to_the_first_contact_verdict() {
    let dir = TempDir::new("order-flood");
    let mut cfg = open_config();
    cfg.rules.challenge_flood.threshold = 1;
    let mut e = engine(cfg, &dir);
    // One challenge reaches the flood threshold, from a denied place: geo comes first.
    let a = e.on_event(&ev(CHAL, "PJSIP", DENIED, "1001"), T0);
    assert_eq!(banned_by(&a).as_deref(), Some("geo"));
}

#[test]
fn stolen_credentials_yield_to_the_geo_verdict_on_the_same_login() {
    let dir = TempDir::new("order-stolen");
    let mut cfg = open_config();
    cfg.rules.stolen_credentials_action = StolenCredentialAction::Ban;
    // Let the failures through without a ban, so that only the login decides.
    cfg.rules.brute_force.threshold = 100;
    cfg.rules.slow_attack.threshold = 100;
    let mut e = engine(cfg, &dir);
    let src = "192.0.2.53";
    e.on_event(&ev(CRF, "PJSIP", src, "1002"), T0);
    let a = e.on_event(&ev(OK, "PJSIP", src, "1001"), T0 + SEC);
    assert_eq!(banned_by(&a).as_deref(), Some("stolen_credentials"));

    // From a place denied to 1001 only, a login as 1001 after failing 1002 fires both geo
    // (judged again at every login) and stolen_credentials: geo comes first.
    let mut cfg = open_config();
    cfg.rules.stolen_credentials_action = StolenCredentialAction::Ban;
    cfg.rules.brute_force.threshold = 100;
    cfg.rules.slow_attack.threshold = 100;
    let dir = TempDir::new("order-stolen-geo");
    let mut e = engine_denying(cfg, &dir, "account=1001 country:RU");
    let first = e.on_event(&ev(CRF, "PJSIP", DENIED, "1002"), T0);
    assert_eq!(banned_by(&first), None, "RU is denied to 1001 only");
    let a = e.on_event(&ev(OK, "PJSIP", DENIED, "1001"), T0 + SEC);
    assert_eq!(banned_by(&a).as_deref(), Some("geo"));
    let alerts: Vec<RuleId> = a
        .iter()
        .filter_map(|x| match x {
            Action::Alert(al) => Some(al.rule),
            _ => None,
        })
        .collect();
    assert!(
        alerts.contains(&RuleId::StolenCredentials) && alerts.contains(&RuleId::Geo),
        "both are still reported: {alerts:?}"
    );
}

#[test]
fn distributed_alerts_while_the_source_rule_bans() {
    let dir = TempDir::new("order-distributed");
    let mut cfg = open_config();
    cfg.rules.brute_force.threshold = 1;
    cfg.rules.distributed.threshold = 1;
    let mut e = engine(cfg, &dir);
    // One failure reaches both thresholds: the source is banned for brute_force, and the
    // account rule, which never bans, raises its alert.
    let a = e.on_event(&ev(CRF, "PJSIP", "192.0.2.54", "1001"), T0);
    assert_eq!(banned_by(&a).as_deref(), Some("brute_force"));
    assert!(a.iter().any(|x| matches!(x,
        Action::Alert(al) if al.rule == RuleId::Distributed)));
}
