//! res_secast banning real attackers in the kernel: a real Asterisk 22, real sipp, real
//! nftables in the sandbox's own network namespace.
//!
//! Run through `make test` (needs root and the sandbox); `#[ignore]`d for a plain `cargo test`.

mod sandbox;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use sandbox::Asterisk;

const SETTLE: Duration = Duration::from_secs(10);

fn ban_line<'a>(bans: &'a [String], net: &str) -> Option<&'a String> {
    bans.iter()
        .find(|l| l.split_whitespace().next() == Some(net))
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn wrong_password_attack_is_banned_on_the_threshold_attempt_and_then_dropped() {
    let ast = Asterisk::start("e2e-ban");
    // Twice the threshold at 20/s: everything after the 5th must die in the kernel.
    let out = ast.attack("wrong-password", "127.0.0.5", 10, 20);
    let bans = ast.bans();
    let line = ban_line(&bans, "127.0.0.5/32").unwrap_or_else(|| panic!("no ban: {bans:?}"));
    assert!(
        line.contains("rule=brute_force") && line.contains("offence=1"),
        "{line}"
    );
    assert_eq!(
        ast.logged_failures_from("127.0.0.5"),
        5,
        "Asterisk processed attempts past the threshold"
    );
    assert!(
        out.contains("5 successful, 5 failed"),
        "sipp got answers after the ban:\n{out}"
    );
    assert!(ast.nft_table().contains("127.0.0.5"), "{}", ast.nft_table());

    // Later attempts raise no events at all: the kernel drops them.
    let before = ast.status().number("Events processed");
    let out = ast.attack("wrong-password", "127.0.0.5", 3, 20);
    assert!(out.contains("0 successful, 3 failed"), "{out}");
    assert_eq!(ast.status().number("Events processed"), before);
    assert!(ast.messages_log().contains("banned 127.0.0.5/32 for 1h"));
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn enumeration_is_banned() {
    let ast = Asterisk::start("e2e-enumban");
    ast.attack("unknown-users", "127.0.0.6", 8, 20);
    let bans = ast.bans();
    let line = ban_line(&bans, "127.0.0.6/32").unwrap_or_else(|| panic!("no ban: {bans:?}"));
    assert!(line.contains("rule=enumeration"), "{line}");
    let status = ast.status();
    assert_eq!(
        status.source_count("127.0.0.6", "InvalidAccountID"),
        5,
        "{}",
        status.raw
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn invite_challenge_flood_is_banned() {
    let ast = Asterisk::start("e2e-flood");
    ast.attack("invite-flood", "127.0.0.7", 40, 50);
    let bans = ast.bans();
    let line = ban_line(&bans, "127.0.0.7/32").unwrap_or_else(|| panic!("no ban: {bans:?}"));
    assert!(line.contains("rule=challenge_flood"), "{line}");
    let status = ast.status();
    assert_eq!(
        status.source_count("127.0.0.7", "ChallengeSent"),
        30,
        "{}",
        status.raw
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn ipv6_attacker_is_banned_with_its_64_in_the_ipv6_sets() {
    let ast = Asterisk::start("e2e-v6");
    ast.attack("wrong-password", "2001:db8::5", 8, 20);
    let bans = ast.bans();
    // IPv6 sources are counted and banned per /64 ([general] ipv6_prefix).
    assert!(ban_line(&bans, "2001:db8::/64").is_some(), "{bans:?}");
    let table = ast.nft_table();
    assert!(
        table.contains("set v6_64") && table.contains("2001:db8::"),
        "{table}"
    );
    assert_eq!(ast.logged_failures_from("2001:db8::5"), 5);
    // Another address of the same /64 is dropped too.
    let out = ast.attack("wrong-password", "2001:db8::6", 2, 20);
    assert!(out.contains("0 successful, 2 failed"), "{out}");
    assert_eq!(ast.logged_failures_from("2001:db8::6"), 0);
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn whitelisted_source_is_never_banned() {
    let ast = Asterisk::start_with_conf(
        "e2e-white",
        Some(&sandbox::conf_with("[whitelist]\nnetwork = 127.0.0.8/32")),
    );
    ast.attack("wrong-password", "127.0.0.8", 40, 50);
    assert!(ban_line(&ast.bans(), "127.0.0.8/32").is_none());
    assert!(!ast.nft_table().contains("127.0.0.8"));
    assert_eq!(ast.logged_failures_from("127.0.0.8"), 40);
    let report = ast.cli("secast show ip 127.0.0.8");
    assert!(
        report.contains("Protected: yes (whitelisted network 127.0.0.8/32)"),
        "{report}"
    );
    assert!(report.contains("Risk: "), "{report}");
    let refused = ast.cli("secast ban 127.0.0.8");
    assert!(refused.contains("refusing to ban"), "{refused}");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn ban_survives_module_reload_and_a_crash() {
    let ast = Asterisk::start("e2e-durable");
    ast.attack("wrong-password", "127.0.0.5", 5, 20);
    assert!(ban_line(&ast.bans(), "127.0.0.5/32").is_some());
    let acked = ast.cli("secast ban 203.0.113.50 permanent persistent scanner");
    assert!(
        acked.contains("banned 203.0.113.50/32 permanently"),
        "{acked}"
    );

    ast.cli("module unload res_secast.so");
    ast.cli("module load res_secast.so");
    let bans = ast.bans();
    assert!(
        ban_line(&bans, "127.0.0.5/32").is_some(),
        "lost on unload/load: {bans:?}"
    );

    // A crash: the kill -9 lands right after the CLI acknowledged the ban.
    ast.kill9();
    ast.restart();
    let bans = ast.bans();
    assert!(
        ban_line(&bans, "127.0.0.5/32").is_some(),
        "lost in the crash: {bans:?}"
    );
    let scanner = ban_line(&bans, "203.0.113.50/32").unwrap_or_else(|| panic!("{bans:?}"));
    assert!(
        scanner.contains("permanent") && scanner.contains("reason=persistent scanner"),
        "{scanner}"
    );
    // The restart made a fresh namespace: the kernel set was refilled from the ledger.
    let table = ast.nft_until(SETTLE, |t| {
        t.contains("127.0.0.5") && t.contains("203.0.113.50")
    });
    assert!(
        table.contains("127.0.0.5") && table.contains("203.0.113.50"),
        "{table}"
    );
    let out = ast.attack("wrong-password", "127.0.0.5", 2, 20);
    assert!(out.contains("0 successful, 2 failed"), "{out}");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn ban_expires_on_time() {
    let ast = Asterisk::start("e2e-expire");
    let acked = ast.cli("secast ban 127.0.0.9 3s");
    assert!(acked.contains("banned 127.0.0.9/32 for 3s"), "{acked}");
    assert!(ast.nft_table().contains("127.0.0.9"));
    let out = ast.attack("wrong-password", "127.0.0.9", 1, 10);
    assert!(out.contains("0 successful, 1 failed"), "{out}");
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        ban_line(&ast.bans(), "127.0.0.9/32").is_none(),
        "{:?}",
        ast.bans()
    );
    assert!(
        !ast.nft_table().contains("127.0.0.9"),
        "{}",
        ast.nft_table()
    );
    let out = ast.attack("wrong-password", "127.0.0.9", 1, 10);
    assert!(out.contains("1 successful, 0 failed"), "{out}");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn repeat_offences_escalate_and_the_nth_ban_is_permanent() {
    let extra = "[brute_force]\nban = 2s\n[escalation]\npermanent_after = 3\n";
    let ast = Asterisk::start_with_conf("e2e-escalate", Some(&sandbox::conf_with(extra)));
    let mut seen = Vec::new();
    for round in 1..=3 {
        ast.attack("wrong-password", "127.0.0.5", 5, 20);
        let bans = ast.bans();
        let line = ban_line(&bans, "127.0.0.5/32")
            .unwrap_or_else(|| panic!("round {round}: no ban {bans:?}"))
            .clone();
        assert!(line.contains(&format!("offence={round}")), "{line}");
        seen.push(line);
        if round < 3 {
            // 2s, then 4s: wait until it has ended.
            let deadline = std::time::Instant::now() + Duration::from_secs(8);
            while ban_line(&ast.bans(), "127.0.0.5/32").is_some()
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    assert!(seen[0].contains("length=2s"), "{}", seen[0]);
    assert!(seen[1].contains("length=4s"), "doubled: {}", seen[1]);
    assert!(seen[2].contains("length=permanent"), "{}", seen[2]);
    // Fewer strikes for a repeat offender: 5, then 3, then 2 failures processed.
    assert_eq!(ast.logged_failures_from("127.0.0.5"), 5 + 3 + 2);
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn an_established_udp_flow_is_cut_the_moment_it_is_banned() {
    let ast = Asterisk::start("e2e-flow");
    // A typical admin firewall that lets established traffic through early: our drop must
    // come before it (and before connection tracking).
    for cmd in [
        &["add", "table", "inet", "admin"][..],
        &[
            "add",
            "chain",
            "inet",
            "admin",
            "in",
            "{ type filter hook input priority 0 ; }",
        ],
        &[
            "add",
            "rule",
            "inet",
            "admin",
            "in",
            "ct",
            "state",
            "established,related",
            "counter",
            "accept",
        ],
    ] {
        let out = ast.in_netns("nft", cmd);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // One UDP socket, one flow: OPTIONS, answer; wait for "go"; OPTIONS again.
    let client = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.10", 15070)); s.settimeout(2)
def options(n):
    msg = ("OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.10:15070;branch=z9hG4bK-flow%d\r\n"
           "From: <sip:probe@127.0.0.10>;tag=f%d\r\nTo: <sip:127.0.0.1>\r\nCall-ID: flow-%d@127.0.0.10\r\n"
           "CSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (n, n, n, n)
    s.sendto(msg.encode(), ("127.0.0.1", 5060))
    try:
        s.recv(4096); return "answered"
    except socket.timeout:
        return "silence"
print(options(1), flush=True)
sys.stdin.readline()
print(options(2), flush=True)
"#;
    let mut child = Command::new("ip")
        .args(["netns", "exec", &ast.netns(), "python3", "-c", client])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert_eq!(first, "answered", "the flow never got established");
    // The answer made the flow "established" in conntrack.
    let admin = String::from_utf8_lossy(
        &ast.in_netns("nft", &["list", "table", "inet", "admin"])
            .stdout,
    )
    .into_owned();
    assert!(
        !admin.contains("packets 0 "),
        "conntrack saw no established packet:\n{admin}"
    );

    let acked = ast.cli("secast ban 127.0.0.10 10m");
    assert!(acked.contains("banned 127.0.0.10/32"), "{acked}");
    writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
    let second = lines.next().unwrap().unwrap();
    let _ = child.wait();
    assert_eq!(second, "silence", "the established flow still got through");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn cli_shows_the_ip_with_its_explanation_and_the_accounts() {
    let ast = Asterisk::start("e2e-explain");
    ast.attack("wrong-password", "127.0.0.11", 3, 20);
    let report = ast.cli("secast show ip 127.0.0.11");
    assert!(report.contains("Risk: 60"), "{report}");
    assert!(
        report.contains("brute_force: 3 of 5 authentication failures within 10m"),
        "{report}"
    );
    assert!(
        report.contains("ChallengeResponseFailed PJSIP account=\"1001\""),
        "{report}"
    );
    let accounts = ast.cli("secast show accounts");
    assert!(
        accounts.contains("1001") && accounts.contains("failures=3"),
        "{accounts}"
    );
    let usage = ast.cli("secast show ip not-an-ip");
    assert!(usage.contains("Usage: secast show ip"), "{usage}");
    let unban = ast.cli("secast unban 127.0.0.99");
    assert!(unban.contains("not banned"), "{unban}");
}
