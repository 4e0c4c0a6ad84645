//! res_secast inside a real Asterisk 22 (Debian sid, sandboxed), attacked by real sipp.
//!
//! Needs root, the sandbox chroot and the built module: run through `make test` (these tests are
//! `#[ignore]`d for a plain `cargo test`).

mod sandbox;

use std::process::Command;
use std::time::Duration;

use sandbox::{Asterisk, Status};

const SETTLE: Duration = Duration::from_secs(10);

/// These tests are about seeing and counting, so they keep the default whitelist (loopback is
/// never banned) and the attackers keep coming for as long as the test needs them.
const COUNTING_CONF: &str = "[general]\nstatus_top_sources = 50\n";

fn counting(name: &str) -> Asterisk {
    Asterisk::start_with_conf(name, Some(COUNTING_CONF))
}

fn proc_status_number(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim_start_matches(':').split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn module_runs_after_asterisk_starts() {
    let ast = Asterisk::start("e2e-run");
    let modules = ast.cli("module show like res_secast");
    assert!(
        modules
            .lines()
            .any(|l| l.starts_with("res_secast.so") && l.contains("Running")),
        "{modules}"
    );
    let version = ast.cli("secast show version");
    assert!(
        version.contains(concat!("res_secast ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let status = ast.status();
    assert_eq!(status.number("Events dropped"), 0, "{}", status.raw);
    // Asterisk's core complains about config files the sandbox leaves out (cel.conf, …); every
    // line res_secast logs comes from a Rust file or its engine, never a `.c` file.
    let ours: Vec<String> = ast
        .messages_log()
        .lines()
        .filter(|l| (l.contains("ERROR[") || l.contains("WARNING[")) && !l.contains(".c:"))
        .map(str::to_owned)
        .collect();
    assert!(
        ours.is_empty(),
        "res_secast complained at start-up:\n{ours:#?}"
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn counts_every_wrong_password_register_from_its_source() {
    let ast = counting("e2e-wrongpw");
    let sent = 25;
    ast.attack("wrong-password", "127.0.0.5", sent, 50);
    let status = ast.status_until(SETTLE, |s| {
        s.source_count("127.0.0.5", "ChallengeResponseFailed") >= sent as u64
    });
    assert_eq!(
        status.source_count("127.0.0.5", "ChallengeResponseFailed"),
        sent as u64,
        "{}",
        status.raw
    );
    assert_eq!(
        status.source_count("127.0.0.5", "ChallengeSent"),
        sent as u64,
        "{}",
        status.raw
    );
    assert_eq!(
        status.source_count("127.0.0.5", "accounts"),
        1,
        "{}",
        status.raw
    );
    assert_eq!(
        status.by_service.get("PJSIP"),
        Some(&(2 * sent as u64)),
        "{}",
        status.raw
    );
    // Asterisk's own security log saw the same attempts.
    let seclog = ast.security_log();
    let logged = seclog
        .lines()
        .filter(|l| {
            l.contains("SecurityEvent=\"ChallengeResponseFailed\"") && l.contains("/127.0.0.5/")
        })
        .count();
    assert_eq!(logged, sent as usize, "security log disagrees");
    let cost = status
        .fields
        .get("Callback cost (us)")
        .cloned()
        .unwrap_or_default();
    assert!(
        cost.starts_with("p50 ") && !cost.starts_with("p50 -"),
        "{cost}"
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn counts_invalid_account_ids_with_the_distinct_accounts_tried() {
    let ast = counting("e2e-enum");
    let sent = 15;
    ast.attack("unknown-users", "127.0.0.6", sent, 50);
    let status = ast.status_until(SETTLE, |s| {
        s.source_count("127.0.0.6", "InvalidAccountID") >= sent as u64
    });
    assert_eq!(
        status.source_count("127.0.0.6", "InvalidAccountID"),
        sent as u64,
        "{}",
        status.raw
    );
    assert_eq!(
        status.source_count("127.0.0.6", "accounts"),
        sent as u64,
        "{}",
        status.raw
    );
    assert_eq!(status.source_count("127.0.0.5", "events"), 0);
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn counts_ami_login_with_a_wrong_secret_under_ami() {
    let ast = counting("e2e-ami");
    let replies = ast.ami_login("secast-test", "not-the-secret", 3);
    assert!(replies.contains("Authentication failed"), "{replies}");
    let status = ast.status_until(SETTLE, |s| {
        s.by_service.get("AMI").copied().unwrap_or(0) >= 3
    });
    assert_eq!(status.by_service.get("AMI"), Some(&3), "{}", status.raw);
    assert_eq!(
        status.by_type.get("InvalidPassword"),
        Some(&3),
        "{}",
        status.raw
    );
    assert_eq!(
        status.source_count("127.0.0.1", "InvalidPassword"),
        3,
        "{}",
        status.raw
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn survives_twenty_unload_load_reload_cycles_under_attack() {
    let ast = counting("e2e-cycles");
    let pid = ast.pid();
    // A steady attack for the whole test: 20 attempts/s, far more than the cycles need.
    let mut attacker = ast.attack_in_background("wrong-password", "127.0.0.5", 4000, 20);

    let cycle = |round: u32| -> Status {
        let out = ast.cli("module unload res_secast.so");
        assert!(
            out.contains("Unloaded") || out.is_empty(),
            "round {round} unload: {out}"
        );
        let out = ast.cli("module load res_secast.so");
        assert!(out.contains("Loaded"), "round {round} load: {out}");
        let out = ast.cli("module reload res_secast.so");
        assert!(!out.contains("ERROR"), "round {round} reload: {out}");
        // Counting resumes: the fresh runtime sees new events from the running attack.
        let s = ast.status_until(SETTLE, |s| s.number("Events processed") > 0);
        assert!(
            s.number("Events processed") > 0,
            "round {round}: nothing counted\n{}",
            s.raw
        );
        s
    };
    for round in 0..3 {
        cycle(round);
    }
    let threads_before = proc_status_number(pid, "Threads");
    let rss_before = proc_status_number(pid, "VmRSS");
    for round in 3..23 {
        cycle(round);
    }
    let threads_after = proc_status_number(pid, "Threads");
    let rss_after = proc_status_number(pid, "VmRSS");
    let _ = attacker.kill();
    let _ = attacker.wait();

    assert!(ast.is_running(), "Asterisk died");
    assert_eq!(ast.pid(), pid, "Asterisk restarted");
    assert_eq!(threads_after, threads_before, "threads left behind");
    // Allocator noise is fine; a leak per cycle (an engine, a queue) is not.
    assert!(
        rss_after < rss_before + 4 * 1024,
        "RSS grew from {rss_before} kB to {rss_after} kB over 20 cycles"
    );
    let log = ast.messages_log();
    for bad in [
        "dlclose",
        "TLS",
        "out of TLS keys",
        "could not be completely unloaded",
        "panic",
    ] {
        assert!(!log.contains(bad), "log mentions {bad:?}:\n{log}");
    }
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mapped = maps
        .lines()
        .filter(|l| l.ends_with("res_secast.so"))
        .count();
    assert!(mapped > 0, "the module image stays mapped (NODELETE)");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn bad_config_line_is_reported_and_reload_swaps_the_config() {
    let ast = Asterisk::start_with_conf(
        "e2e-config",
        Some("[general]\nstatus_top_sources = many\nqueue_sise = 10\n"),
    );
    let log = ast.messages_log();
    assert!(
        log.contains("secast.conf:2: bad value 'many' for 'status_top_sources'"),
        "no warning naming key and value:\n{log}"
    );
    assert!(log.contains("unknown key 'queue_sise'"), "{log}");

    ast.attack("wrong-password", "127.0.0.5", 2, 20);
    ast.attack("wrong-password", "127.0.0.7", 1, 20);
    let status = ast.status_until(SETTLE, |s| s.sources.len() >= 2);
    assert_eq!(status.sources.len(), 2, "{}", status.raw);

    std::fs::write(
        ast.secast_conf_path(),
        "[general]\nstatus_top_sources = 1\n",
    )
    .unwrap();
    let out = ast.cli("module reload res_secast.so");
    assert!(!out.contains("Error"), "{out}");
    let status = ast.status();
    assert_eq!(
        status.sources.len(),
        1,
        "reloaded top-N not applied:\n{}",
        status.raw
    );
    assert!(status.sources.contains_key("127.0.0.5"));

    // A file gone at reload keeps the running configuration (issue 12: it used to reset
    // everything, the whitelist included, to defaults); tests/e2e_durability.rs checks the
    // whitelist.
    std::fs::remove_file(ast.secast_conf_path()).unwrap();
    ast.cli("module reload res_secast.so");
    let status = ast.status();
    assert_eq!(
        status.sources.len(),
        1,
        "a missing file at reload must keep the running configuration:\n{}",
        status.raw
    );
    assert!(
        ast.messages_log()
            .contains("secast.conf is missing or unreadable; keeping the running configuration")
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn our_abi_declarations_match_the_real_asterisk_headers() {
    let out = Command::new(sandbox::repo().join("tests/abi/check.sh"))
        .output()
        .expect("tests/abi/check.sh runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("match"), "{text}");
}
