//! The engine's side of the cluster, no Asterisk and no Redis: failures counted on other
//! servers add up with this server's, a ban decided elsewhere is applied under this server's
//! own whitelist and counts in its offence history, and what is worth sharing is only what
//! the rules count.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use res_secast::config::Config;
use res_secast::decision::{Action, Ban, BanOrigin, RemoteFailures};
use res_secast::engine::Engine;
use res_secast::intake::{Field, RawEvent, SecurityEvent};

const T0: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;

fn config() -> Config {
    let mut c = Config::default();
    c.whitelist.loopback = false;
    c.whitelist.host_addresses = false;
    c.whitelist
        .networks
        .push("198.51.100.0/24".parse().unwrap());
    c
}

fn engine() -> Engine {
    Engine::new(Arc::new(config()), Vec::new())
}

fn ev(kind: i64, service: &str, src: &str, account: &str) -> SecurityEvent {
    let mut raw = RawEvent::new(kind);
    raw.set(Field::Service, service.as_bytes());
    raw.set(Field::AccountId, account.as_bytes());
    raw.set(
        Field::RemoteAddress,
        format!("IPV4/UDP/{src}/5060").as_bytes(),
    );
    raw.set(Field::LocalAddress, b"IPV4/UDP/127.0.0.1/5060");
    raw.parse().unwrap()
}

const CRF: i64 = 11; // ChallengeResponseFailed
const IAI: i64 = 1; // InvalidAccountID
const CHAL: i64 = 13; // ChallengeSent

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn remote(src: &str, failures: u32) -> RemoteFailures {
    RemoteFailures {
        ip: ip(src),
        failures,
        ami_failures: 0,
        accounts: Vec::new(),
    }
}

fn first_ban(actions: &[Action]) -> Option<&Ban> {
    actions.iter().find_map(|a| match a {
        Action::Ban(b) => Some(b),
        _ => None,
    })
}

fn remote_ban(net: &str, offence: u32, node: &str) -> Ban {
    Ban {
        net: net.parse().unwrap(),
        since: T0,
        until: Some(T0 + HOUR),
        origin: BanOrigin::Remote {
            rule: "brute_force".into(),
            node: node.into(),
        },
        offence,
        reason: "brute_force: 5 authentication failures within 10m".into(),
    }
}

#[test]
fn three_guesses_on_each_of_three_servers_are_nine_against_a_threshold_of_five() {
    let mut e = engine();
    for i in 0..3 {
        assert!(
            e.on_event(&ev(CRF, "PJSIP", "203.0.113.5", "1001"), T0 + i)
                .is_empty()
        );
    }
    // Server B's batch of 3 brings the count to 6: banned here, by this server's rule.
    let actions = e.add_remote_failures(&remote("203.0.113.5", 3), T0 + 10);
    let ban = first_ban(&actions).expect("banned on the sum");
    assert_eq!(ban.origin, BanOrigin::Rule("brute_force".into()));
    assert!(
        ban.reason.contains("6 authentication failures"),
        "{}",
        ban.reason
    );
    assert!(ban.reason.contains("across the cluster"), "{}", ban.reason);
    // Server C's batch arrives after the ban: nothing more happens.
    assert!(
        e.add_remote_failures(&remote("203.0.113.5", 3), T0 + 20)
            .is_empty()
    );
}

#[test]
fn remote_failures_alone_reach_the_threshold_and_below_it_nothing_happens() {
    let mut e = engine();
    assert!(
        e.add_remote_failures(&remote("203.0.113.6", 2), T0)
            .is_empty()
    );
    assert!(
        e.add_remote_failures(&remote("203.0.113.6", 2), T0 + 1)
            .is_empty()
    );
    let actions = e.add_remote_failures(&remote("203.0.113.6", 1), T0 + 2);
    assert!(first_ban(&actions).is_some());
}

#[test]
fn unknown_accounts_tried_on_different_servers_add_up_to_enumeration() {
    let mut e = engine();
    // Two distinct names here; the same two and three more elsewhere: five distinct.
    e.on_event(&ev(IAI, "PJSIP", "203.0.113.7", "ghost1"), T0);
    e.on_event(&ev(IAI, "PJSIP", "203.0.113.7", "ghost2"), T0 + 1);
    let hashes: Vec<u32> = ["ghost1", "ghost2", "ghost3", "ghost4", "ghost5"]
        .iter()
        .map(|a| res_secast::engine::windows::hash32(a.as_bytes()))
        .collect();
    let f = RemoteFailures {
        ip: ip("203.0.113.7"),
        failures: 0,
        ami_failures: 0,
        accounts: hashes,
    };
    let actions = e.add_remote_failures(&f, T0 + 2);
    let ban = first_ban(&actions).expect("enumeration across servers");
    assert_eq!(ban.origin.label(), "enumeration");
}

#[test]
fn whitelisted_here_is_never_banned_by_the_cluster() {
    let mut e = engine();
    let refused = e.apply_remote_ban(remote_ban("198.51.100.7/32", 1, "nodeB"), T0 + 1);
    let why = refused.unwrap_err();
    assert!(
        why.contains("198.51.100.0/24") && why.contains("nodeB"),
        "{why}"
    );
    let wide = e.apply_remote_ban(remote_ban("198.51.0.0/16", 1, "nodeB"), T0 + 1);
    assert!(
        wide.is_err(),
        "a network covering a protected one is refused too"
    );
    assert!(e.bans().is_empty());
    assert!(
        e.add_remote_failures(&remote("198.51.100.7", 50), T0)
            .iter()
            .all(|a| !matches!(a, Action::Ban(_)))
    );
    assert_eq!(e.counters.remote_refused, 2);
}

#[test]
fn a_remote_ban_keeps_its_length_rule_reason_and_offence_and_is_applied_once() {
    let mut e = engine();
    let applied = e
        .apply_remote_ban(remote_ban("203.0.113.8/32", 2, "nodeB"), T0 + 1000)
        .unwrap()
        .expect("applied");
    assert_eq!(applied.until, Some(T0 + HOUR));
    assert_eq!(applied.offence, 2);
    assert_eq!(applied.origin.label(), "brute_force@nodeB");
    // The same ban again (or from a node that decided it at the same time): nothing new.
    let again = e.apply_remote_ban(remote_ban("203.0.113.8/32", 2, "nodeC"), T0 + 2000);
    assert_eq!(again, Ok(None));
    // Ended already: not applied.
    let mut old = remote_ban("203.0.113.9/32", 1, "nodeB");
    old.until = Some(T0 + 10);
    assert_eq!(e.apply_remote_ban(old, T0 + 20), Ok(None));
    // A later offence replaces the earlier ban.
    let later = e.apply_remote_ban(remote_ban("203.0.113.8/32", 3, "nodeB"), T0 + 3000);
    assert!(matches!(later, Ok(Some(b)) if b.offence == 3));
}

#[test]
fn offences_on_other_servers_escalate_the_next_ban_here() {
    let mut e = engine();
    // Banned twice elsewhere (offence 2), that ban since ended.
    let mut ended = remote_ban("203.0.113.10/32", 2, "nodeB");
    ended.until = Some(T0 + 1000);
    e.apply_remote_ban(ended, T0 + 10).unwrap();
    let later = T0 + 2 * HOUR;
    e.tick(later);
    let mut actions = Vec::new();
    for i in 0..5 {
        actions.extend(e.on_event(&ev(CRF, "PJSIP", "203.0.113.10", "1001"), later + i));
    }
    let ban = first_ban(&actions).expect("banned here");
    assert_eq!(ban.offence, 3, "the third offence cluster-wide");
    // 1h doubled twice.
    assert_eq!(ban.until.unwrap() - ban.since, 4 * HOUR);

    // The offence history read from Redis at a (re)connect does the same.
    let mut f = engine();
    let net: IpNet = "203.0.113.11/32".parse().unwrap();
    f.note_offences(net, 1, T0, T0 + 10);
    f.note_offences(net, 1, T0, T0 + 10); // read twice: still one offence
    let mut actions = Vec::new();
    for i in 0..5 {
        actions.extend(f.on_event(&ev(CRF, "PJSIP", "203.0.113.11", "1001"), T0 + 100 + i));
    }
    assert_eq!(first_ban(&actions).unwrap().offence, 2);
}

#[test]
fn only_what_the_rules_count_is_shared() {
    let mut e = engine();
    let fail = e
        .failure_to_share(&ev(CRF, "PJSIP", "203.0.113.12", "1001"))
        .unwrap();
    assert!(!fail.ami && fail.account.is_none());
    let ami = e
        .failure_to_share(&ev(CRF, "AMI", "203.0.113.12", "admin"))
        .unwrap();
    assert!(ami.ami);
    let ghost = e
        .failure_to_share(&ev(IAI, "PJSIP", "203.0.113.12", "ghost"))
        .unwrap();
    assert!(ghost.account.is_some());
    assert!(
        e.failure_to_share(&ev(CHAL, "PJSIP", "203.0.113.12", "1001"))
            .is_none()
    );
    // A banned source's events are dropped by the kernel anyway: not shared.
    e.manual_ban("203.0.113.12/32".parse().unwrap(), None, "test", T0)
        .unwrap();
    assert!(
        e.failure_to_share(&ev(CRF, "PJSIP", "203.0.113.12", "1001"))
            .is_none()
    );
}
