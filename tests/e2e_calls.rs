//! The toll-fraud guard in a real Asterisk 22: endpoint 1001 (sipp, digest auth) calls
//! international numbers; the dialplan asks SECAST_CALLCHECK and sends allowed calls to a sipp
//! UAS playing the carrier; a context without the check is left to the passive watch.
//!
//! Run through `make e2e` (needs root and the sandbox); `#[ignore]`d for a plain `cargo test`.

mod sandbox;

use std::time::{Duration, Instant};

use sandbox::{Asterisk, ami_events_named, conf_with};

const NUMBER: &str = "011442071234567";
/// The same number through the context without SECAST_CALLCHECK.
const UNCHECKED: &str = "022442071234567";

/// An instance with `calls` added to the sandbox's secast.conf, and phone 1001 registered
/// from 127.0.0.10, as a phone does before it calls.
fn start(name: &str, calls: &str) -> Asterisk {
    // With the AMI listener user, for the tests that watch SecAstFraud.
    let (key, users) = sandbox::ami_users_env();
    let ast = Asterisk::start_full(name, Some(&conf_with(calls)), None, &[(key, &users)]);
    ast.attack_as(
        "wrong-password",
        "127.0.0.10",
        1,
        "1001",
        sandbox::PASSWORD_1001,
        0,
    );
    let s = ast.status_until(Duration::from_secs(5), |s| {
        s.by_type.get("SuccessfulAuth").copied().unwrap_or(0) >= 1
    });
    assert!(
        s.by_type.get("SuccessfulAuth").copied().unwrap_or(0) >= 1,
        "{}",
        s.raw
    );
    ast
}

/// The account's line of `secast show calls ACCOUNT` for a limit.
fn limit_line(ast: &Asterisk, account: &str, limit: &str) -> String {
    let page = ast.cli(&format!("secast show calls {account}"));
    page.lines()
        .find(|l| l.trim_start().starts_with(&format!("{limit}:")))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no {limit} line:\n{page}"))
}

/// Polls `secast show calls ACCOUNT` until `done` holds (bounded).
fn calls_until(
    ast: &Asterisk,
    account: &str,
    limit: Duration,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let page = ast.cli(&format!("secast show calls {account}"));
        if done(&page) || Instant::now() >= deadline {
            return page;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait(child: std::process::Child) -> String {
    let out = child.wait_with_output().expect("child");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs the sandbox Asterisk: make e2e"]
fn international_calls_reach_the_carrier_until_the_per_minute_limit_denies_them() {
    let ast = start(
        "e2e-cpm",
        "[calls-international]\ncalls_per_minute_warning = 1\ncalls_per_minute_critical = 3",
    );
    let carrier = ast.carrier("answer", 3, 50);
    let (ok, failed) = ast.calls("answer", NUMBER, 5, 10, 1, 200);
    let (carried, _) = sandbox::call_counts(&wait(carrier));
    assert_eq!(
        (ok, failed, carried),
        (3, 2, 3),
        "3 calls through, 2 refused"
    );
    let log = ast.messages_log();
    let refused: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("SECAST refused"))
        .collect();
    assert_eq!(refused.len(), 2, "{log}");
    assert!(
        refused[0].contains("for 1001: international: calls_per_minute 4 above the critical level"),
        "{}",
        refused[0]
    );
    // The caller was told why in SIP terms: Hangup(21), call rejected, is a 403.
    assert!(
        log.contains("toll fraud (critical): account \"1001\" from 127.0.0.10"),
        "{log}"
    );
    let line = limit_line(&ast, "1001", "international");
    assert!(
        line.contains("3 in the last minute") && line.contains("0 live"),
        "{line}"
    );
    let page = ast.cli("secast show calls 1001");
    assert!(
        page.contains("denied 2") && page.contains("countries called: GB"),
        "{page}"
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make e2e"]
fn the_concurrent_limit_holds_while_calls_stay_up() {
    let ast = start(
        "e2e-conc",
        "[calls-international]\ncalls_per_minute_critical = off\nconcurrent_critical = 5",
    );
    let carrier = ast.carrier("answer", 5, 50);
    // 20 attempts at once, each answered call held 4 s.
    let callers = ast.calls_in_background("answer", NUMBER, 20, 100, 20, 4000);
    let during = calls_until(&ast, "1001", Duration::from_secs(10), |p| {
        p.contains("denied 15")
    });
    assert!(
        during.contains("live 5") && during.contains("denied 15"),
        "{during}"
    );
    let (ok, failed) = sandbox::call_counts(&wait(callers));
    assert_eq!((ok, failed), (5, 15));
    let (carried, _) = sandbox::call_counts(&wait(carrier));
    assert_eq!(carried, 5);
    let after = calls_until(&ast, "1001", Duration::from_secs(5), |p| {
        p.contains("live 0")
    });
    assert!(after.contains("live 0"), "{after}");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make e2e"]
fn cancelled_busy_and_failed_calls_free_their_slots() {
    let ast = start(
        "e2e-free",
        "[calls-international]\ncalls_per_minute_critical = off\nconcurrent_critical = 10",
    );
    // At most 5 calls at once from sipp against a limit of 10: a slot comes back when
    // Asterisk destroys the channel, a few milliseconds after sipp sees the call end.
    let runs = [
        ("ring", "cancel", 34, 300),
        ("486", "fail", 33, 50),
        ("503", "fail", 33, 50),
    ];
    let mut carried = 0;
    for (uas, uac, n, pause) in runs {
        let carrier = ast.carrier(uas, n, 50);
        let (ok, failed) = ast.calls(uac, NUMBER, n, 20, 5, pause);
        assert_eq!(
            (ok, failed),
            (n, 0),
            "{uac} against {uas}: every call ended as expected"
        );
        carried += sandbox::call_counts(&wait(carrier)).0;
    }
    assert_eq!(
        carried, 100,
        "no call was refused: every slot came back in time"
    );
    let page = calls_until(&ast, "1001", Duration::from_secs(5), |p| {
        p.contains("live 0")
    });
    assert!(page.contains("live 0  calls 100  denied 0"), "{page}");
    let line = limit_line(&ast, "1001", "international");
    assert!(line.contains("; 0 live"), "{line}");
    let summary = ast.cli("secast show calls");
    assert!(
        summary.contains("busy 33, cancelled 34, failed 33"),
        "{summary}"
    );
    assert!(summary.contains("release mismatches 0"), "{summary}");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make e2e"]
fn a_context_without_the_check_still_raises_secastfraud_and_hangs_up_over_limit_calls() {
    let ast = start(
        "e2e-watch",
        "[calls-international]\ncalls_per_minute_critical = off\nconcurrent_critical = 2\nhangup = yes",
    );
    let (ami, capture) = ast.ami_events(15);
    let carrier = ast.carrier("answer", 4, 300);
    let (ok, failed) = ast.calls("answer", UNCHECKED, 4, 100, 4, 3000);
    assert_eq!(
        (ok, failed),
        (2, 2),
        "two calls up, the two over the limit hung up"
    );
    drop(carrier);
    let _ = ami.wait_with_output();
    let fraud = ami_events_named(&capture, "SecAstFraud");
    let critical: Vec<_> = fraud.iter().filter(|e| e["Level"] == "critical").collect();
    assert_eq!(critical.len(), 2, "{fraud:?}");
    let e = critical[0];
    assert_eq!(e["Account"], "1001");
    assert_eq!(e["Destination"], "011442071234567");
    assert_eq!(e["E164"], "+442071234567");
    assert_eq!(e["Country"], "GB");
    assert_eq!(e["Class"], "international");
    assert_eq!(e["Counter"], "concurrent");
    assert_eq!(e["Value"], "3");
    assert_eq!(e["Rule"], "international");
    assert_eq!(e["HangUp"], "yes");
    assert_eq!(e["Privilege"].split(',').next(), Some("security"), "{e:?}");
    let log = ast.messages_log();
    assert_eq!(log.matches("hung up channel").count(), 2, "{log}");
    let summary = ast.cli("secast show calls");
    assert!(summary.contains("counted by the watch 4"), "{summary}");
    let page = calls_until(&ast, "1001", Duration::from_secs(5), |p| {
        p.contains("live 0")
    });
    assert!(page.contains("live 0"), "{page}");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make e2e"]
fn a_login_after_wrong_passwords_from_the_same_address_gets_international_calls_denied() {
    let ast = Asterisk::start("e2e-stolen");
    // Four wrong passwords for another account (one short of a ban), then 1001's right one.
    ast.attack_as("wrong-password", "127.0.0.11", 4, "1002", "Wrong-pw", 0);
    ast.attack_as(
        "wrong-password",
        "127.0.0.11",
        1,
        "1001",
        sandbox::PASSWORD_1001,
        50,
    );
    let restricted = calls_until(&ast, "1001", Duration::from_secs(5), |p| {
        p.contains("restricted by")
    });
    assert!(
        restricted.contains("restricted by stolen_credentials"),
        "{restricted}"
    );
    let (ok, failed) = ast.calls_from("answer", NUMBER, 1, 1, 1, 200, "127.0.0.11");
    assert_eq!((ok, failed), (0, 1));
    let log = ast.messages_log();
    let refused = log
        .lines()
        .find(|l| l.contains("SECAST refused"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        refused.contains(
            "restricted by stolen_credentials: international and high-risk calls refused"
        ),
        "{refused}"
    );
    // Domestic calls are not touched; the admin can lift the restriction.
    assert!(ast.cli("secast clear account 1001").contains("cleared"));
    assert!(ast.cli("secast show calls 1001").contains("not restricted"));
}

#[test]
#[ignore = "needs the sandbox Asterisk: make e2e"]
fn a_call_longer_than_its_duration_limit_is_hung_up_while_it_is_up() {
    let ast = start(
        "e2e-dur",
        "[calls-international]\nduration_critical = 2s\nhangup = yes",
    );
    let carrier = ast.carrier("answer", 1, 50);
    let started = Instant::now();
    // The caller never hangs up: it waits up to 60 s for Asterisk's BYE.
    let (ok, failed) = ast.calls("answer-waitbye", NUMBER, 1, 1, 1, 0);
    let took = started.elapsed();
    assert_eq!(
        (ok, failed),
        (1, 0),
        "the call was answered and then hung up by Asterisk"
    );
    assert!(took < Duration::from_secs(8), "hung up after {took:?}");
    let _ = wait(carrier);
    let log = ast.messages_log();
    assert!(
        log.contains("international: call up") && log.contains("s, above the critical level"),
        "{log}"
    );
    assert!(log.contains("hung up channel"), "{log}");
}
