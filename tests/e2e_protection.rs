//! res_secast cannot be turned against its own PBX, in a real Asterisk 22 with real sipp and
//! nftables in the sandbox's network namespace: a mapped spelling of Asterisk's own address
//! is refused, a ban no firewall can apply holds back nothing, a forged flood from the
//! upstream trunk the sandbox's pjsip.conf defines raises an alert instead of a ban, and the
//! ban table has a cap that manual bans pass.
//!
//! Run through `make test` (needs root and the sandbox); `#[ignore]`d for a plain `cargo test`.

mod sandbox;

use std::time::{Duration, Instant};

use sandbox::{Asterisk, conf_with};

/// Polls a CLI command until its output satisfies `done` (bounded).
fn cli_until(ast: &Asterisk, command: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = ast.cli(command);
        if done(&out) || Instant::now() >= deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn ban_line<'a>(bans: &'a [String], net: &str) -> Option<&'a String> {
    bans.iter()
        .find(|l| l.split_whitespace().next() == Some(net))
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn mapped_loopback_is_refused_and_a_bad_ban_holds_back_nothing() {
    // The sandbox does not whitelist loopback, but Asterisk listens on 127.0.0.1 and ::1.
    let ast = Asterisk::start_with_conf(
        "e2e-mapped",
        Some(&conf_with("[firewall]\ncheck_interval = 1s")),
    );
    // Our table exists from load, before any ban: an admin can see it.
    let table = ast.nft_table();
    assert!(
        table.contains("set v4") && table.contains("prerouting"),
        "{table}"
    );

    let refused = ast.cli("secast ban ::ffff:127.0.0.1/128");
    assert!(
        refused.contains("refusing to ban 127.0.0.1/32: it covers an address Asterisk listens on"),
        "{refused}"
    );
    let refused = ast.cli("secast ban ::ffff:0:0/96");
    assert!(
        refused.contains("refusing to ban 0.0.0.0/0: that is every address"),
        "{refused}"
    );
    let banned = ast.cli("secast ban 203.0.113.9");
    assert!(banned.contains("banned 203.0.113.9/32 for 1h"), "{banned}");
    assert!(!banned.contains("pending"), "{banned}");
    let table = ast.nft_until(Duration::from_secs(5), |t| t.contains("203.0.113.9"));
    assert!(table.contains("203.0.113.9"), "{table}");
    assert!(!table.contains("127.0.0.1"), "{table}");
    assert!(ast.bans().iter().all(|l| !l.starts_with("127.0.0.1")));

    // Several check intervals later, a healthy firewall reports no trouble.
    std::thread::sleep(Duration::from_millis(2500));
    let status = ast.status();
    assert!(
        !status.raw.contains("Last enforcement error"),
        "{}",
        status.raw
    );
    assert!(
        status.raw.contains("pending 0 repairs 0 rejected 0"),
        "{}",
        status.raw
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn a_forged_flood_from_the_upstream_trunk_raises_an_alert_not_a_ban() {
    let ast = Asterisk::start("e2e-trunk");
    let whitelist = cli_until(&ast, "secast show whitelist", |w| w.contains("127.0.0.40"));
    for want in [
        "127.0.0.40/32                               identify match (PJSIP identify 'upstream-identify')",
        "127.0.0.41/32                               trunk host (PJSIP aor 'upstream')",
        "127.0.0.1/32                                Asterisk transport",
        "::1/128                                     Asterisk transport",
    ] {
        assert!(whitelist.contains(want), "{want}\n{whitelist}");
    }

    // INVITEs that never answer the challenge, from the address the identify names: a
    // challenge flood (30 in 10 s) from anyone else.
    ast.attack("invite-flood", "127.0.0.40", 60, 100);
    assert!(ban_line(&ast.bans(), "127.0.0.40/32").is_none());
    assert!(!ast.nft_table().contains("127.0.0.40"));
    let status = ast.status_until(Duration::from_secs(5), |s| {
        s.source_count("127.0.0.40", "ChallengeSent") >= 60
    });
    assert!(
        status.raw.contains("spared-by-whitelist 2"),
        "two floods' worth spared:\n{}",
        status.raw
    );
    let log = ast.messages_log();
    let alerts: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("alert (challenge_flood): 127.0.0.40 would be banned"))
        .collect();
    assert_eq!(alerts.len(), 1, "rate-limited to one: {alerts:?}");
    assert!(
        alerts[0].contains("identify match (PJSIP identify 'upstream-identify')"),
        "{}",
        alerts[0]
    );
    let refused = ast.cli("secast ban 127.0.0.41");
    assert!(
        refused.contains("it covers a trunk host (PJSIP aor 'upstream')"),
        "{refused}"
    );
    // The same flood from an address nobody depends on is banned.
    ast.attack("invite-flood", "127.0.0.42", 40, 100);
    assert!(ban_line(&ast.bans(), "127.0.0.42/32").is_some());
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn at_max_bans_rules_are_refused_and_counted_while_manual_bans_pass() {
    let ast = Asterisk::start_with_conf("e2e-maxbans", Some(&conf_with("[general]\nmax_bans = 1")));
    ast.attack("wrong-password", "127.0.0.5", 6, 20);
    assert!(ban_line(&ast.bans(), "127.0.0.5/32").is_some());
    ast.attack("wrong-password", "127.0.0.6", 12, 20);
    let status = ast.status();
    assert_eq!(
        status.number("Bans refused at max_bans"),
        2,
        "{}",
        status.raw
    );
    assert!(ban_line(&ast.bans(), "127.0.0.6/32").is_none());
    assert!(!ast.nft_table().contains("127.0.0.6"));
    let full: Vec<String> = ast
        .messages_log()
        .lines()
        .filter(|l| l.contains("ban table full"))
        .map(str::to_owned)
        .collect();
    assert_eq!(full.len(), 1, "one warning, rate-limited: {full:?}");
    let manual = ast.cli("secast ban 203.0.113.9");
    assert!(manual.contains("banned 203.0.113.9/32"), "{manual}");
    let table = ast.nft_until(Duration::from_secs(5), |t| t.contains("203.0.113.9"));
    assert!(table.contains("203.0.113.9"), "{table}");
}
