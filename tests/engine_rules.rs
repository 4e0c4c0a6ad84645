//! The Intrusion Analysis Engine, driven with events and a clock, no Asterisk.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use res_secast::config::{Config, StolenCredentialAction};
use res_secast::decision::BanOrigin;
use res_secast::decision::RuleId;
use res_secast::decision::{Action, UnbanReason};
use res_secast::engine::Engine;
use res_secast::intake::{Field, RawEvent, SecurityEvent};

const T0: i64 = 1_800_000_000_000;
const SEC: i64 = 1000;

fn ev(kind: i64, service: &str, src: &str, account: &str) -> SecurityEvent {
    let mut raw = RawEvent::new(kind);
    raw.set(Field::Service, service.as_bytes());
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
const INVPW: i64 = 12; // InvalidPassword

fn open_config() -> Config {
    let mut c = Config::default();
    c.whitelist.loopback = false;
    c.whitelist.host_addresses = false;
    c
}

fn engine() -> Engine {
    Engine::new(Arc::new(open_config()), Vec::new())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn bans(actions: &[Action]) -> Vec<&res_secast::decision::Ban> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Ban(b) => Some(b),
            _ => None,
        })
        .collect()
}

#[test]
fn bans_on_exactly_the_fifth_failure() {
    let mut e = engine();
    for i in 0..4 {
        let a = e.on_event(&ev(CRF, "PJSIP", "203.0.113.5", "1001"), T0 + i * SEC);
        assert!(bans(&a).is_empty(), "banned early at failure {}", i + 1);
    }
    let a = e.on_event(&ev(CRF, "PJSIP", "203.0.113.5", "1001"), T0 + 4 * SEC);
    let b = bans(&a);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].net, IpNet::from(ip("203.0.113.5")));
    assert_eq!(b[0].origin, BanOrigin::Rule("brute_force".into()));
    assert_eq!(b[0].until, Some(T0 + 4 * SEC + 3600 * SEC));
    assert!(
        b[0].reason.contains("5 authentication failures within 10m"),
        "{}",
        b[0].reason
    );
    assert_eq!(e.risk_of(ip("203.0.113.5"), T0 + 5 * SEC), 100);
}

#[test]
fn failures_outside_the_window_do_not_add_up() {
    let mut e = engine();
    for i in 0..4 {
        e.on_event(&ev(CRF, "PJSIP", "203.0.113.5", "1001"), T0 + i * SEC);
    }
    let later = T0 + 11 * 60 * SEC;
    let a = e.on_event(&ev(CRF, "PJSIP", "203.0.113.5", "1001"), later);
    assert!(bans(&a).is_empty());
}

#[test]
fn enumeration_bans_on_the_fifth_distinct_unknown_account() {
    let mut e = engine();
    // The same unknown name over and over is not enumeration (brute force counts it).
    let mut cfg = open_config();
    cfg.rules.brute_force.enabled = false;
    cfg.rules.slow_attack.enabled = false;
    e.reconfigure(Arc::new(cfg));
    for i in 0..10 {
        assert!(bans(&e.on_event(&ev(IAI, "PJSIP", "203.0.113.6", "ghost"), T0 + i)).is_empty());
    }
    for i in 0..4 {
        let a = e.on_event(
            &ev(IAI, "PJSIP", "203.0.113.7", &format!("user{i}")),
            T0 + i,
        );
        assert!(bans(&a).is_empty(), "{i}");
    }
    let a = e.on_event(&ev(IAI, "PJSIP", "203.0.113.7", "user4"), T0 + 5);
    let b = bans(&a);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].origin.label(), "enumeration");
}

#[test]
fn challenge_flood_bans_and_a_successful_login_resets_it() {
    let mut cfg = open_config();
    // The login alone, not the allowance a live registration also earns (tested apart).
    cfg.general.registered_factor = 1;
    let mut e = Engine::new(Arc::new(cfg), Vec::new());
    for i in 0..29 {
        assert!(bans(&e.on_event(&ev(CHAL, "PJSIP", "203.0.113.8", "1001"), T0 + i)).is_empty());
    }
    e.on_event(&ev(OK, "PJSIP", "203.0.113.8", "1001"), T0 + 30);
    for i in 0..29 {
        assert!(
            bans(&e.on_event(&ev(CHAL, "PJSIP", "203.0.113.8", "1001"), T0 + 40 + i)).is_empty()
        );
    }
    let b = e.on_event(&ev(CHAL, "PJSIP", "203.0.113.8", "1001"), T0 + 100);
    assert_eq!(bans(&b)[0].origin.label(), "challenge_flood");
    assert_eq!(bans(&b)[0].until, Some(T0 + 100 + 600 * SEC));
}

#[test]
fn slow_attack_is_caught_over_hours() {
    let mut e = engine();
    let mut banned = None;
    for i in 0..20 {
        let a = e.on_event(
            &ev(CRF, "PJSIP", "203.0.113.9", "1001"),
            T0 + i * 3600 * SEC,
        );
        if let Some(b) = bans(&a).first() {
            banned = Some((i, b.origin.label().to_owned()));
            break;
        }
    }
    assert_eq!(banned, Some((19, "slow_attack".to_owned())));
}

#[test]
fn ami_failures_are_their_own_rule() {
    let mut e = engine();
    let mut cfg = open_config();
    cfg.rules.ami.threshold = 3;
    e.reconfigure(Arc::new(cfg));
    for i in 0..2 {
        assert!(bans(&e.on_event(&ev(INVPW, "AMI", "203.0.113.10", "admin"), T0 + i)).is_empty());
    }
    let a = e.on_event(&ev(INVPW, "AMI", "203.0.113.10", "admin"), T0 + 3);
    assert_eq!(bans(&a)[0].origin.label(), "ami");
}

#[test]
fn distributed_attack_on_one_account_alerts_without_banning() {
    let mut e = engine();
    let mut alerts = Vec::new();
    for i in 0..5 {
        let a = e.on_event(
            &ev(CRF, "PJSIP", &format!("198.51.100.{i}"), "1001"),
            T0 + i,
        );
        assert!(bans(&a).is_empty());
        alerts.extend(
            a.into_iter()
                .filter(|a| matches!(a, Action::Alert(x) if x.rule == RuleId::Distributed)),
        );
    }
    assert_eq!(alerts.len(), 1, "one alert when the fifth source fails");
    let accounts = e.accounts_report(T0 + 10, 10);
    assert_eq!(accounts[0].account, "1001");
    assert_eq!(accounts[0].risk, 100);
    assert_eq!(accounts[0].sources_in_window, 5);
}

#[test]
fn successful_login_after_failing_other_accounts_is_a_stolen_credential_signal() {
    let mut e = engine();
    e.on_event(&ev(CRF, "PJSIP", "203.0.113.11", "1002"), T0);
    e.on_event(&ev(CRF, "PJSIP", "203.0.113.11", "1003"), T0 + 1);
    let a = e.on_event(&ev(OK, "PJSIP", "203.0.113.11", "1001"), T0 + 2);
    let alert = a.iter().find_map(|a| match a {
        Action::Alert(x) if x.rule == RuleId::StolenCredentials => Some(x),
        _ => None,
    });
    assert!(alert.is_some(), "{a:?}");
    assert!(bans(&a).is_empty(), "default action is alert");
    // Logging in to the account it failed on is not the signal.
    let a = e.on_event(&ev(CRF, "PJSIP", "203.0.113.12", "1001"), T0);
    assert!(a.is_empty());
    let a = e.on_event(&ev(OK, "PJSIP", "203.0.113.12", "1001"), T0 + 1);
    assert!(a.is_empty(), "{a:?}");

    let mut cfg = open_config();
    cfg.rules.stolen_credentials_action = StolenCredentialAction::Ban;
    e.reconfigure(Arc::new(cfg));
    e.on_event(&ev(CRF, "PJSIP", "203.0.113.13", "1002"), T0);
    let a = e.on_event(&ev(OK, "PJSIP", "203.0.113.13", "1001"), T0 + 1);
    assert_eq!(bans(&a)[0].origin.label(), "stolen_credentials");
}

#[test]
fn whitelisted_source_is_scored_but_never_banned() {
    let mut cfg = open_config();
    cfg.whitelist
        .networks
        .push("203.0.113.0/28".parse().unwrap());
    let mut e = Engine::new(Arc::new(cfg), Vec::new());
    let mut alerts = 0;
    for i in 0..200 {
        let a = e.on_event(&ev(CRF, "PJSIP", "203.0.113.5", "1001"), T0 + i);
        assert!(bans(&a).is_empty());
        alerts += a.iter().filter(|a| matches!(a, Action::Alert(_))).count();
    }
    // Every fifth failure would have banned it; one alert says so, the rest are counted.
    assert_eq!(e.counters.spared, 40);
    assert_eq!(alerts, 1, "alerts are rate-limited per rule and source");
    assert_eq!(e.counters.alerts_suppressed, 39);
    let r = e.ip_report(ip("203.0.113.5"), T0 + 200, 5);
    assert!(r.risk > 0);
    assert!(r.protection.is_some());
}

#[test]
fn loopback_host_addresses_and_transport_addresses_are_protected_by_default() {
    let host = ip("192.0.2.44");
    let mut e = Engine::new(Arc::new(Config::default()), vec![host]);
    for src in ["127.0.0.5", "::1", "192.0.2.44"] {
        for i in 0..50 {
            assert!(
                bans(&e.on_event(&ev(CRF, "PJSIP", src, "1001"), T0 + i)).is_empty(),
                "{src}"
            );
        }
    }
    // With the whitelist narrowed, Asterisk's own listening address still cannot be banned.
    let mut e = engine();
    for i in 0..50 {
        assert!(bans(&e.on_event(&ev(CRF, "PJSIP", "127.0.0.1", "1001"), T0 + i)).is_empty());
    }
    assert!(
        e.manual_ban("127.0.0.0/24".parse().unwrap(), None, "", T0)
            .is_err()
    );
}

#[test]
fn repeat_offences_escalate_and_the_fifth_is_permanent() {
    let mut e = engine();
    let mut now = T0;
    let mut lengths = Vec::new();
    let mut strikes = Vec::new();
    for _ in 0..5 {
        let mut n = 0;
        let ban = loop {
            n += 1;
            now += SEC;
            let a = e.on_event(&ev(CRF, "PJSIP", "203.0.113.20", "1001"), now);
            if let Some(b) = bans(&a).first() {
                break (*b).clone();
            }
            assert!(n < 10);
        };
        strikes.push(n);
        lengths.push(ban.until.map(|u| (u - ban.since) / SEC));
        // Let the ban end, as the kernel would.
        now = ban.until.unwrap_or(now) + SEC;
        let ended = e.tick(now);
        if ban.until.is_some() {
            assert!(
                matches!(
                    &ended[..],
                    [Action::Unban {
                        why: UnbanReason::Expired,
                        ..
                    }]
                ),
                "{ended:?}"
            );
        }
    }
    assert_eq!(
        lengths,
        vec![Some(3600), Some(7200), Some(14_400), Some(28_800), None]
    );
    assert_eq!(
        strikes,
        vec![5, 3, 2, 1, 1],
        "repeat offenders need fewer strikes"
    );
}

#[test]
fn ban_length_is_capped() {
    let mut cfg = open_config();
    cfg.escalation.max_ban = Duration::from_secs(2 * 3600);
    cfg.escalation.permanent_after = 0;
    let mut e = Engine::new(Arc::new(cfg), Vec::new());
    let mut now = T0;
    let mut last = 0;
    for _ in 0..6 {
        loop {
            now += SEC;
            let a = e.on_event(&ev(CRF, "PJSIP", "203.0.113.21", "1001"), now);
            if let Some(b) = bans(&a).first() {
                last = (b.until.unwrap() - b.since) / SEC;
                now = b.until.unwrap() + SEC;
                e.tick(now);
                break;
            }
        }
    }
    assert_eq!(last, 7200);
}

#[test]
fn manual_ban_and_unban() {
    let mut e = engine();
    let net: IpNet = "198.51.100.0/24".parse().unwrap();
    let b = e
        .manual_ban(net, Some(Duration::from_secs(60)), "scanner\nfrom hell", T0)
        .unwrap();
    assert_eq!(b.origin, BanOrigin::Manual);
    assert_eq!(b.reason, "scanner\\x0afrom hell");
    assert!(e.bans().covering(ip("198.51.100.77")).is_some());
    // Events from inside a banned network count as such, not as new offences.
    let a = e.on_event(&ev(CRF, "PJSIP", "198.51.100.77", "1001"), T0 + 1);
    assert!(a.is_empty());
    assert_eq!(e.counters.events_from_banned, 1);
    assert!(e.manual_unban(&net).is_some());
    assert!(e.manual_unban(&net).is_none());
    assert!(e.bans().covering(ip("198.51.100.77")).is_none());
}

#[test]
fn restored_history_makes_the_next_ban_longer() {
    let mut e = engine();
    let net = IpNet::from(ip("203.0.113.30"));
    e.restore(Vec::new(), vec![(net, T0 - 86_400 * SEC)], T0);
    let mut last = Vec::new();
    for i in 0..5 {
        last = e.on_event(&ev(CRF, "PJSIP", "203.0.113.30", "1001"), T0 + i * SEC);
        if !bans(&last).is_empty() {
            break;
        }
    }
    let b = bans(&last)[0];
    assert_eq!(b.offence, 2);
    assert_eq!((b.until.unwrap() - b.since) / SEC, 7200);
}

#[test]
fn ip_report_explains_the_score() {
    let mut e = engine();
    for i in 0..3 {
        e.on_event(&ev(CRF, "PJSIP", "203.0.113.40", "1001"), T0 + i);
    }
    let r = e.ip_report(ip("203.0.113.40"), T0 + 10, 10);
    assert_eq!(r.risk, 60, "3 of 5 failures");
    assert!(
        r.explanation.iter().any(|l| l == "brute_force: +60"),
        "{:?}",
        r.explanation
    );
    assert!(
        r.explanation
            .iter()
            .any(|l| l == "brute_force: 3 of 5 authentication failures within 10m"),
        "{:?}",
        r.explanation
    );
    assert_eq!(r.recent.len(), 3);
    // The score decays: one half-life later it is half.
    assert_eq!(e.risk_of(ip("203.0.113.40"), T0 + 10 + 600 * SEC), 30);
}

#[test]
fn idle_sources_are_evicted_and_memory_stays_bounded() {
    let mut cfg = open_config();
    cfg.general.max_tracked_ips = 1000;
    let mut e = Engine::new(Arc::new(cfg), Vec::new());
    for i in 0..5000u32 {
        let src = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
        e.on_event(&ev(CHAL, "PJSIP", &src, "1001"), T0 + i as i64);
    }
    assert!(e.tracked_ips() <= 1000, "{}", e.tracked_ips());
    e.tick(T0 + 3 * 86_400 * SEC);
    assert_eq!(e.tracked_ips(), 0);
}

#[test]
fn a_phone_that_logs_in_and_places_calls_gains_no_challenge_risk() {
    let mut e = engine();
    // Every call starts with a challenge; a busy phone answers them all.
    for i in 0..20 {
        e.on_event(&ev(CHAL, "PJSIP", "192.0.2.50", "1001"), T0 + i * SEC);
        e.on_event(&ev(OK, "PJSIP", "192.0.2.50", "1001"), T0 + i * SEC + 50);
    }
    assert_eq!(e.risk_of(ip("192.0.2.50"), T0 + 20 * SEC), 0);
    // A burst of challenges before the next answers, from a phone that just logged in.
    for i in 0..20 {
        e.on_event(&ev(CHAL, "PJSIP", "192.0.2.50", "1001"), T0 + 21 * SEC + i);
    }
    assert_eq!(e.risk_of(ip("192.0.2.50"), T0 + 22 * SEC), 0);
    // A source that never answers still gains risk, and is banned at the threshold.
    for i in 0..10 {
        e.on_event(&ev(CHAL, "PJSIP", "192.0.2.51", "1001"), T0 + i);
    }
    assert!(e.risk_of(ip("192.0.2.51"), T0 + SEC) >= 30);
}
