//! The engine under a hostile user and an unlucky admin: a forged packet cannot turn it
//! against its own PBX (spellings of protected addresses, what the PBX depends on), bans no
//! firewall can apply are refused, and nothing grows without bound (bans, alerts, evictions,
//! IPv6 prefixes, thresholds, durations). Driven with events and a clock, no Asterisk.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use res_secast::config::{Config, ConfigEntry};
use res_secast::decision::{Action, Ban, BanOrigin, UnbanReason};
use res_secast::engine::pjsip_peers::{PeerRole, PjsipPeer};
use res_secast::engine::whitelist::Protection;
use res_secast::engine::{Engine, ProtectedSources};
use res_secast::intake::{Field, RawEvent, SecurityEvent};

const T0: i64 = 1_800_000_000_000;
const SEC: i64 = 1000;

fn ev(kind: i64, src: &str, account: &str) -> SecurityEvent {
    let mut raw = RawEvent::new(kind);
    raw.set(Field::Service, b"PJSIP");
    raw.set(Field::AccountId, account.as_bytes());
    let fam = if src.contains(':') { "IPV6" } else { "IPV4" };
    raw.set(
        Field::RemoteAddress,
        format!("{fam}/UDP/{src}/5060").as_bytes(),
    );
    raw.set(Field::LocalAddress, b"IPV4/UDP/127.0.0.1/5060");
    raw.parse().unwrap()
}

const CRF: i64 = 11; // ChallengeResponseFailed
const IAI: i64 = 1; // InvalidAccountID
const CHAL: i64 = 13; // ChallengeSent
const OK: i64 = 9; // SuccessfulAuth

/// The sandbox's whitelist: loopback and host addresses not protected by themselves.
fn open_config() -> Config {
    let mut c = Config::default();
    c.whitelist.loopback = false;
    c.whitelist.host_addresses = false;
    c
}

fn engine_with(cfg: Config) -> Engine {
    Engine::new(Arc::new(cfg), Vec::new())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn bans(actions: &[Action]) -> Vec<&Ban> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Ban(b) => Some(b),
            _ => None,
        })
        .collect()
}

fn alerts(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::Alert(_)))
        .count()
}

/// `n` events of `kind` from `src`, ten a second from `t`; returns all actions.
fn send(e: &mut Engine, kind: i64, src: &str, n: i64, t: i64) -> Vec<Action> {
    let mut out = Vec::new();
    for i in 0..n {
        let account = if kind == IAI {
            format!("ghost{i}")
        } else {
            "1001".to_owned()
        };
        out.extend(e.on_event(&ev(kind, src, &account), t + i * 100));
    }
    out
}

fn peer(role: PeerRole, object: &str) -> PjsipPeer {
    PjsipPeer {
        role,
        object: object.into(),
    }
}

/// What a PBX with a resolver, a gateway, a registration trunk and an identified carrier
/// depends on.
fn pbx_sources() -> ProtectedSources {
    ProtectedSources {
        host_addresses: vec![ip("192.0.2.5")],
        transports: vec![ip("192.0.2.5")],
        resolvers: vec![ip("192.0.2.53")],
        gateways: vec![ip("192.0.2.1"), ip("2001:db8:0:1::1")],
        pjsip: vec![
            (
                net("198.51.100.10/32"),
                peer(PeerRole::Registration, "carrier-reg"),
            ),
            (
                net("198.51.100.64/26"),
                peer(PeerRole::Identify, "carrier-identify"),
            ),
        ],
        unresolved: Vec::new(),
    }
}

// ---- lock-out and spoofing -------------------------------------------------------------

#[test]
fn ipv4_mapped_spellings_of_protected_addresses_are_refused() {
    // Loopback and host addresses unprotected by config, as in the sandbox: Asterisk's own
    // transport (127.0.0.1, from the events) and a whitelisted network still are.
    let mut cfg = open_config();
    cfg.whitelist.networks.push(net("10.0.0.0/8"));
    let mut e = engine_with(cfg);
    e.on_event(&ev(CHAL, "203.0.113.99", "1001"), T0);
    for typed in [
        "::ffff:127.0.0.1/128",
        "::ffff:127.0.0.0/104",
        "::ffff:10.0.0.0/104",
        "::ffff:10.1.2.3/128",
    ] {
        let r = e.manual_ban(net(typed), None, "", T0);
        assert!(r.is_err(), "{typed} was banned: {r:?}");
        assert!(r.unwrap_err().starts_with("refusing to ban"));
    }
    assert!(e.bans().is_empty());

    // Before any event: the transports PJSIP is bound to are known from its configuration.
    let mut e = engine_with(open_config());
    e.set_protected(ProtectedSources {
        transports: vec![ip("127.0.0.1"), ip("::1")],
        ..ProtectedSources::default()
    });
    for typed in ["::ffff:127.0.0.1/128", "::1/128", "127.0.0.0/24"] {
        let err = e.manual_ban(net(typed), None, "", T0).unwrap_err();
        assert!(
            err.ends_with("it covers an address Asterisk listens on"),
            "{err}"
        );
    }

    // The host's own address, typed mapped, with the default whitelist.
    let mut e = Engine::new(Arc::new(Config::default()), vec![ip("192.0.2.5")]);
    let err = e
        .manual_ban(net("::ffff:192.0.2.5/128"), None, "", T0)
        .unwrap_err();
    assert!(err.contains("an address of this host"), "{err}");
    let err = e
        .manual_ban(net("::ffff:127.0.0.1/128"), None, "", T0)
        .unwrap_err();
    assert_eq!(err, "refusing to ban 127.0.0.1/32: it covers loopback");
}

#[test]
fn bans_no_firewall_can_apply_are_refused_up_front() {
    let mut e = engine_with(open_config());
    for (typed, why) in [
        (
            "::ffff:0:0/96",
            "refusing to ban 0.0.0.0/0: that is every address",
        ),
        (
            "0.0.0.0/0",
            "refusing to ban 0.0.0.0/0: that is every address",
        ),
        ("::/0", "refusing to ban ::/0: that is every address"),
    ] {
        assert_eq!(e.manual_ban(net(typed), None, "", T0).unwrap_err(), why);
    }
    let err = e.manual_ban(net("::/64"), None, "", T0).unwrap_err();
    assert!(err.contains("IPv4-mapped"), "{err}");
    // A mapped network that is a plain IPv4 network is banned as that network.
    let b = e
        .manual_ban(net("::ffff:203.0.113.0/120"), None, "", T0)
        .unwrap();
    assert_eq!(b.net, net("203.0.113.0/24"));
}

#[test]
fn ledger_bans_that_may_not_stand_are_lifted_not_restored() {
    let mut e = Engine::new(Arc::new(Config::default()), vec![ip("192.0.2.5")]);
    let ban = |n: &str| Ban {
        net: net(n),
        since: T0 - 60 * SEC,
        until: None,
        origin: BanOrigin::Manual,
        offence: 1,
        reason: "from an old ledger".into(),
    };
    let undo = e.restore(
        vec![
            ban("::ffff:127.0.0.1/128"),
            ban("::ffff:0:0/96"),
            ban("::ffff:192.0.2.5/128"),
            ban("203.0.113.9/32"),
        ],
        Vec::new(),
        T0,
    );
    assert_eq!(undo.len(), 3, "{undo:?}");
    assert!(undo.iter().all(|a| matches!(
        a,
        Action::Unban {
            why: UnbanReason::Refused,
            ..
        }
    )));
    let kept: Vec<IpNet> = e.bans().iter().map(|b| b.net).collect();
    assert_eq!(kept, vec![net("203.0.113.9/32")]);
}

#[test]
fn a_forged_challenge_flood_from_what_the_pbx_depends_on_gives_an_alert_not_a_ban() {
    let mut e = engine_with(open_config());
    e.set_protected(pbx_sources());
    for (src, why) in [
        ("192.0.2.53", "resolver"),
        ("192.0.2.1", "gateway"),
        (
            "198.51.100.10",
            "trunk host (PJSIP registration 'carrier-reg')",
        ),
        (
            "198.51.100.77",
            "identify match (PJSIP identify 'carrier-identify')",
        ),
        ("2001:db8:0:1::1", "gateway"),
    ] {
        let a = send(&mut e, CHAL, src, 300, T0);
        assert!(bans(&a).is_empty(), "{src} banned");
        assert_eq!(alerts(&a), 1, "{src}: one alert, rate-limited");
        assert_eq!(
            e.protection(ip(src)).map(|p| p.reason()).as_deref(),
            Some(why)
        );
        // Enumeration with forged InvalidAccountIDs: the same.
        assert!(bans(&send(&mut e, IAI, src, 20, T0 + 400 * SEC)).is_empty());
    }
    // The admin cannot ban them either.
    for n in ["192.0.2.53/32", "198.51.100.0/24", "::ffff:192.0.2.1/128"] {
        let err = e.manual_ban(net(n), None, "", T0).unwrap_err();
        assert!(err.contains("it covers"), "{err}");
    }
    // A neighbour of the resolver is banned as usual.
    assert_eq!(bans(&send(&mut e, CHAL, "192.0.2.54", 30, T0)).len(), 1);
}

#[test]
fn an_ipv6_source_next_to_a_protected_gateway_is_banned_alone() {
    let mut e = engine_with(open_config());
    e.set_protected(pbx_sources());
    let a = send(&mut e, CRF, "2001:db8:0:1::66", 5, T0);
    assert_eq!(bans(&a)[0].net, net("2001:db8:0:1::66/128"));
}

#[test]
fn bans_that_come_to_cover_a_protected_address_are_lifted() {
    let mut e = engine_with(open_config());
    let b = e.manual_ban(net("198.51.100.0/24"), None, "", T0).unwrap();
    assert_eq!(b.net, net("198.51.100.0/24"));
    e.set_protected(pbx_sources());
    let lifted: Vec<IpNet> = e
        .tick(T0 + SEC)
        .iter()
        .filter_map(|a| match a {
            Action::Unban {
                ban,
                why: UnbanReason::Refused,
            } => Some(ban.net),
            _ => None,
        })
        .collect();
    assert_eq!(lifted, vec![net("198.51.100.0/24")]);
    assert!(e.bans().is_empty());
    assert_eq!(e.counters.lifted_protected, 1);
}

#[test]
fn a_live_registration_raises_the_bar_for_a_ban_until_it_lapses() {
    let mut e = engine_with(open_config());
    // An office NAT: a phone registers, then a misconfigured one fails.
    e.on_event(&ev(OK, "203.0.113.60", "1001"), T0);
    let a = send(&mut e, CRF, "203.0.113.60", 19, T0 + SEC);
    assert!(bans(&a).is_empty(), "banned under 4 × 5 failures");
    let a = e.on_event(&ev(CRF, "203.0.113.60", "1002"), T0 + 20 * SEC);
    assert_eq!(bans(&a).len(), 1, "banned at the 20th");
    // Without a registration in the last hour, 5 is enough again.
    let later = T0 + 2 * 3600 * SEC;
    let a = send(&mut e, CRF, "203.0.113.61", 5, later);
    assert_eq!(bans(&a).len(), 1);
    e.on_event(&ev(OK, "203.0.113.62", "1001"), T0);
    let a = send(&mut e, CRF, "203.0.113.62", 5, later);
    assert_eq!(
        bans(&a).len(),
        1,
        "a lapsed registration gives no allowance"
    );
}

// ---- bounds ------------------------------------------------------------------------------

#[test]
fn at_max_bans_automatic_bans_are_refused_with_one_alert_and_manual_bans_still_work() {
    let mut cfg = open_config();
    cfg.general.max_bans = 100;
    let mut e = engine_with(cfg);
    let mut refused_alerts = 0;
    for i in 0..150u32 {
        let src = format!("203.0.{}.{}", i / 256, i % 256);
        let a = send(&mut e, CRF, &src, 5, T0 + i64::from(i) * SEC);
        refused_alerts += a
            .iter()
            .filter(|a| matches!(a, Action::Alert(x) if x.message.contains("ban table full")))
            .count();
    }
    assert_eq!(e.bans().len(), 100);
    assert_eq!(e.counters.refused_at_cap, 50);
    // One alert per rule and interval (the 50 refusals fall within a minute).
    assert_eq!(refused_alerts, 1, "table-full alerts");
    let b = e.manual_ban(net("198.51.100.7/32"), None, "", T0).unwrap();
    assert_eq!(b.origin, BanOrigin::Manual);
    assert_eq!(e.bans().len(), 101);
}

#[test]
fn a_flood_of_forged_sources_does_not_wipe_a_slow_attackers_counts() {
    let mut cfg = open_config();
    cfg.general.max_tracked_ips = 1000;
    let mut e = engine_with(cfg);
    let attacker = "198.51.100.200";
    let mut t = T0;
    // Eight failures over eight hours: slow, under every short window.
    for _ in 0..8 {
        assert!(bans(&e.on_event(&ev(CRF, attacker, "1001"), t)).is_empty());
        t += 3600 * SEC;
    }
    // Ten tables' worth of forged new sources, one packet each.
    for i in 0..10_000u32 {
        let src = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
        e.on_event(&ev(IAI, &src, "ghost"), t + i64::from(i));
    }
    assert!(e.tracked_ips() <= 1000);
    assert!(e.counters.evicted_ips >= 9000);
    // Its count survived: the 20th failure of the day bans it.
    t += 600 * SEC;
    let mut banned_at = None;
    for n in 9..=20 {
        let a = e.on_event(&ev(CRF, attacker, "1001"), t);
        if let Some(b) = bans(&a).first() {
            banned_at = Some((n, b.origin.label().to_owned()));
            break;
        }
        t += 1800 * SEC;
    }
    assert_eq!(banned_at, Some((20, "slow_attack".to_owned())));
}

#[test]
fn rotating_addresses_inside_one_ipv6_prefix_keeps_one_count_and_the_ban_covers_it() {
    let mut e = engine_with(open_config());
    for i in 1..=4 {
        let a = e.on_event(&ev(CRF, &format!("2001:db8:7:7::{i:x}"), "1001"), T0 + i);
        assert!(bans(&a).is_empty());
    }
    let a = e.on_event(&ev(CRF, "2001:db8:7:7:ffff::5", "1001"), T0 + 5);
    assert_eq!(bans(&a)[0].net, net("2001:db8:7:7::/64"));
    // Any address of the prefix is now banned; one next door is not.
    assert_eq!(e.risk_of(ip("2001:db8:7:7::abcd"), T0 + 6), 100);
    assert_eq!(e.risk_of(ip("2001:db8:7:8::1"), T0 + 6), 0);
    assert!(e.manual_unban(&net("2001:db8:7:7::/64")).is_some());

    // ipv6_prefix = 128: per address again.
    let mut cfg = open_config();
    cfg.general.ipv6_prefix = 128;
    let mut e = engine_with(cfg);
    for i in 1..=10 {
        let a = e.on_event(&ev(CRF, &format!("2001:db8:7:7::{i:x}"), "1001"), T0 + i);
        assert!(bans(&a).is_empty());
    }
}

#[test]
fn alerts_from_three_enumerating_loopback_sources_are_rate_limited() {
    // As measured before: 3 loopback sources enumerating at 1,000/s each for 15 s gave 9,000
    // warnings and 9,000 AMI alerts. Loopback is protected (the default whitelist).
    let mut e = engine_with(Config::default());
    let mut sent = 0;
    let mut alert_count = 0;
    for ms in 0..15_000i64 {
        for src in ["127.0.0.5", "127.0.0.6", "127.0.0.7"] {
            let account = format!("ghost{ms}");
            alert_count += alerts(&e.on_event(&ev(IAI, src, &account), T0 + ms));
        }
        if ms % 500 == 0 {
            sent += alerts(&e.tick(T0 + ms));
        }
    }
    sent += alerts(&e.tick(T0 + 60 * SEC));
    assert!(bans(&[]).is_empty());
    assert_eq!(alert_count, 3, "one alert per source and minute");
    assert!(sent <= 2, "{sent} summary lines");
    assert_eq!(e.counters.spared, 9000);
    assert_eq!(e.counters.alerts_suppressed, 8997);
}

#[test]
fn enumeration_and_distributed_thresholds_above_64_fire_and_beyond_256_are_refused() {
    let mut cfg = open_config();
    cfg.rules.enumeration.threshold = 100;
    cfg.rules.brute_force.enabled = false;
    cfg.rules.slow_attack.enabled = false;
    cfg.rules.distributed.threshold = 100;
    let mut e = engine_with(cfg);
    let a = send(&mut e, IAI, "203.0.113.70", 99, T0);
    assert!(bans(&a).is_empty());
    let a = e.on_event(&ev(IAI, "203.0.113.70", "ghost-last"), T0 + 10 * SEC);
    assert_eq!(bans(&a)[0].origin.label(), "enumeration");

    let mut distributed = 0;
    for i in 0..100u32 {
        let src = format!("198.51.{}.{}", i / 200, i % 200 + 1);
        let a = e.on_event(&ev(CRF, &src, "2001"), T0 + i64::from(i));
        distributed += alerts(&a);
    }
    assert_eq!(distributed, 1, "the 100th distinct source alerts");

    let (cfg, issues) = Config::from_entries(
        &[
            ConfigEntry::new("enumeration", "threshold", "257"),
            ConfigEntry::new("distributed", "threshold", "1000"),
        ],
        &Config::default(),
    );
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert!(
        issues[0].to_string().contains("from 1 to 256"),
        "{}",
        issues[0]
    );
    assert_eq!(cfg.rules.enumeration.threshold, 5);
}

#[test]
fn durations_that_would_overflow_are_refused_and_the_longest_accepted_work() {
    let (cfg, issues) = Config::from_entries(
        &[
            ConfigEntry::new("escalation", "history", "99999999999w"),
            ConfigEntry::new("general", "risk_half_life", "3651d"),
            ConfigEntry::new("brute_force", "ban", "18446744073709551615"),
        ],
        &Config::default(),
    );
    assert_eq!(issues.len(), 3, "{issues:?}");
    assert!(issues[0].to_string().contains("from 1s to 3650d"));
    assert_eq!(cfg, Config::default());

    // The longest accepted everywhere at once: no overflow in windows, decay or sweeps.
    let longest = Duration::from_secs(3650 * 86_400);
    let mut cfg = open_config();
    cfg.escalation.history = longest;
    cfg.escalation.max_ban = longest;
    cfg.general.risk_half_life = longest;
    cfg.general.registered_lifetime = longest;
    cfg.rules.brute_force.ban = longest;
    let mut e = engine_with(cfg);
    let a = send(&mut e, CRF, "203.0.113.80", 5, T0);
    assert_eq!(
        bans(&a)[0].until,
        Some(T0 + 400 + longest.as_millis() as i64)
    );
    e.tick(T0 + 120 * SEC);
    assert_eq!(e.risk_of(ip("203.0.113.80"), T0 + 120 * SEC), 100);
}

#[test]
fn protection_reasons_name_what_protects() {
    let mut e = Engine::new(Arc::new(Config::default()), vec![ip("192.0.2.5")]);
    e.set_protected(ProtectedSources {
        host_addresses: vec![ip("192.0.2.5")],
        ..pbx_sources()
    });
    let view = e.whitelist_view();
    let lines: Vec<String> = view
        .entries
        .iter()
        .map(|w| format!("{} {}", w.net, w.why.reason()))
        .collect();
    for want in [
        "127.0.0.0/8 loopback",
        "::1/128 loopback",
        "192.0.2.5/32 host address",
        "192.0.2.53/32 resolver",
        "192.0.2.1/32 gateway",
        "198.51.100.10/32 trunk host (PJSIP registration 'carrier-reg')",
        "198.51.100.64/26 identify match (PJSIP identify 'carrier-identify')",
    ] {
        assert!(lines.iter().any(|l| l == want), "{want} missing: {lines:?}");
    }
    assert_eq!(
        e.protection(ip("198.51.100.70")),
        Some(Protection::Pjsip(peer(
            PeerRole::Identify,
            "carrier-identify"
        )))
    );
}
