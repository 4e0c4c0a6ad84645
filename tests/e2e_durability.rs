//! "Nothing lost", in the real Asterisk: bans in force survive a `kill -9`; a full disk under
//! the ledger keeps every ban enforced, says so, and writes them all, once, when space returns;
//! a reload with secast.conf gone keeps the running configuration; `cp` over the GeoIP
//! database while lookups run does not crash the PBX; `module unload` is quick and loses
//! nothing. Smaller versions of `make soak-ledger` (scripts/soak-ledger.sh).
//!
//! Run through `make test` (needs root and the sandbox); `#[ignore]`d for a plain `cargo test`.

mod geo_fixture;
mod sandbox;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sandbox::Asterisk;
use serde_json::Value;

const SETTLE: Duration = Duration::from_secs(15);

fn get<'a>(block: &'a Value, key: &str) -> &'a str {
    block.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The one response block of action `i` of an AMI session.
fn response(session: &Value, i: usize) -> Value {
    let blocks = session["answers"][i]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(blocks.len(), 1, "{blocks:#?}");
    blocks[0].clone()
}

/// A ledger (format 2) of `n` bans in force for a day: 2001:db8:K::/64 networks.
fn seed_ledger(dir: &Path, n: usize) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut text = String::from("secast-ledger 2\n");
    let mut nets = Vec::with_capacity(n);
    for i in 0..n {
        // As nft prints it (canonical: 2001:db8::/64 for the first).
        let net = format!("2001:db8:{:x}:{:x}::/64", i >> 16, i & 0xffff)
            .parse::<ipnet::IpNet>()
            .unwrap()
            .to_string();
        text.push_str(&format!(
            "B {} {now} {net} {} manual 1 seeded\n",
            i + 1,
            now + 86_400_000
        ));
        nets.push(net);
    }
    std::fs::write(dir.join("bans.ledger"), text).unwrap();
    nets
}

/// Elements of our nftables sets, counted by prefix (nft prints several per line).
fn count_in(table: &str, needle: &str) -> usize {
    table.matches(needle).count()
}

/// A small tmpfs mounted for the test, unmounted when dropped (after Asterisk, declared
/// before it, has stopped).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .expect("mount runs")
            .success();
        assert!(ok, "cannot mount a tmpfs at {} (root needed)", at.display());
        Tmpfs(at.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the filesystem of `dir` with a file `filler` until it refuses more.
fn fill(dir: &Path) {
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=1k", "count=100000"])
        .arg(format!("of={}", dir.join("filler").display()))
        .stderr(std::process::Stdio::null())
        .status();
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn kill9_with_1000_bans_in_force_then_restart_restores_every_one_to_the_kernel() {
    let (host, inside) = sandbox::fixture_dir("e2e-dur-kill");
    let nets = seed_ledger(&host.join("ledger"), 1000);
    let conf = sandbox::conf_with(&format!("[ledger]\ndirectory = {inside}/ledger\n"));
    let ast = Asterisk::start_with_conf("e2e-dur-kill", Some(&conf));
    let table = ast.nft_until(SETTLE, |t| count_in(t, "2001:db8:") >= 1000);
    assert_eq!(count_in(&table, "2001:db8:"), 1000, "restored at load");
    // Five more over AMI, acknowledged as durable.
    let actions: Vec<Vec<(&str, String)>> = (1..=5)
        .map(|i| {
            vec![
                ("Action", "SecAstBan".to_owned()),
                ("Address", format!("203.0.113.{i}")),
            ]
        })
        .collect();
    let refs: Vec<Vec<(&str, &str)>> = actions
        .iter()
        .map(|a| a.iter().map(|(k, v)| (*k, v.as_str())).collect())
        .collect();
    let slices: Vec<&[(&str, &str)]> = refs.iter().map(Vec::as_slice).collect();
    let session = ast.ami("secast-test", "Sandbox-ami-pw", &slices);
    for i in 0..5 {
        let r = response(&session, i);
        assert_eq!(get(&r, "Response"), "Success", "{r:#?}");
        assert_eq!(get(&r, "Durable"), "yes", "{r:#?}");
    }
    ast.kill9();
    let started = Instant::now();
    ast.restart();
    let table = ast.nft_until(SETTLE, |t| {
        count_in(t, "2001:db8:") >= 1000 && count_in(t, "203.0.113.") >= 5
    });
    let restore = started.elapsed();
    assert_eq!(
        count_in(&table, "2001:db8:"),
        1000,
        "100% back in the kernel"
    );
    assert_eq!(count_in(&table, "203.0.113."), 5);
    for net in nets.iter().step_by(97) {
        assert!(
            // The /64 set holds the prefix's address.
            table.contains(&format!("{} timeout", net.trim_end_matches("/64"))),
            "{net} missing: {}",
            &table[..table.len().min(1500)]
        );
    }
    eprintln!("restart to 1,005 bans in the kernel: {restore:?}");
    assert!(
        ast.messages_log().contains("1005 bans in force restored"),
        "{}",
        ast.messages_log()
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn a_full_ledger_disk_keeps_bans_enforced_says_so_and_writes_all_once_space_returns() {
    let (host, inside) = sandbox::fixture_dir("e2e-dur-full");
    let _disk = Tmpfs::mount(&host.join("ledger"), "64k");
    let conf = sandbox::conf_with(&format!("[ledger]\ndirectory = {inside}/ledger\n"));
    let (key, users) = sandbox::ami_users_env();
    let ast = Asterisk::start_with_env("e2e-dur-full", Some(&conf), &[(key, users.as_str())]);
    let ledger = host.join("ledger/bans.ledger");
    assert!(ledger.exists(), "created at load");
    // Listens for SecAstBan events while the disk is full.
    let (events, capture) = ast.ami_events(20);
    fill(&host.join("ledger"));
    // The ledger's last page was allocated before the disk filled: the first records still fit
    // in it; from the first one refused on, every ack must say so.
    let n = 120;
    let mut first_refused = None;
    for i in 1..=n {
        let answer = ast.cli(&format!("secast ban 203.0.113.{i} 2h"));
        assert!(
            answer.contains(&format!("banned 203.0.113.{i}/32 for 2h")),
            "{answer}"
        );
        let durable = !answer.contains("not yet durable");
        match first_refused {
            None if !durable => first_refused = Some(i),
            Some(_) => assert!(!durable, "durable again on a full disk: {answer}"),
            None => {}
        }
    }
    let first_refused = first_refused.expect("the full disk refused a record");
    eprintln!("the disk filled at ban {first_refused} of {n}");
    let session = ast.ami(
        "secast-test",
        "Sandbox-ami-pw",
        &[&[("Action", "SecAstBan"), ("Address", "203.0.113.200")]],
    );
    let r = response(&session, 0);
    assert_eq!(get(&r, "Response"), "Success", "{r:#?}");
    assert_eq!(get(&r, "Durable"), "no", "{r:#?}");
    let _ = events.wait_with_output();
    let told = sandbox::ami_events_named(&capture, "SecAstBan");
    let durable_of = |address: &str| {
        told.iter()
            .find(|e| e.get("Address").map(String::as_str) == Some(address))
            .and_then(|e| e.get("Durable").cloned())
            .unwrap_or_else(|| panic!("no SecAstBan event for {address}: {told:?}"))
    };
    assert_eq!(
        durable_of("203.0.113.1/32"),
        "yes",
        "on disk before it filled"
    );
    assert_eq!(durable_of("203.0.113.200/32"), "no");
    // Enforced all the same.
    let table = ast.nft_until(SETTLE, |t| count_in(t, "203.0.113.") > n);
    assert_eq!(count_in(&table, "203.0.113."), n + 1, "{table}");
    let status = ast.cli("secast show status");
    assert!(status.contains("Ledger: CANNOT BE WRITTEN"), "{status}");
    let log = ast.messages_log();
    assert!(
        log.contains("cannot write the ban ledger") && log.contains("not yet durable"),
        "{log}"
    );
    // Space comes back: the retry timer writes everything, once.
    std::fs::remove_file(host.join("ledger/filler")).unwrap();
    let status = ast.status_until(SETTLE, |s| s.raw.contains("Ledger: every decision on disk"));
    assert!(
        status.raw.contains("every decision on disk"),
        "{}",
        status.raw
    );
    assert!(ast.messages_log().contains("writable again"));
    let text = std::fs::read_to_string(&ledger).unwrap();
    let mut nets: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("B "))
        .map(|l| l.split(' ').nth(3).unwrap())
        .collect();
    let mut seqs: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("B ") || l.starts_with("U "))
        .map(|l| l.split(' ').nth(1).unwrap())
        .collect();
    assert_eq!(nets.len(), n + 1, "every ban written:\n{text}");
    nets.sort();
    nets.dedup();
    assert_eq!(nets.len(), n + 1, "no duplicates:\n{text}");
    let all = seqs.len();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), all, "no sequence number twice");
    drop(ast);
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn reload_with_secast_conf_missing_keeps_the_running_configuration() {
    let conf = sandbox::conf_with("[whitelist]\nnetwork = 198.51.100.0/24\n");
    let ast = Asterisk::start_with_conf("e2e-dur-reload", Some(&conf));
    assert!(ast.cli("secast show whitelist").contains("198.51.100.0/24"));
    let path = ast.secast_conf_path();
    let aside = path.with_extension("conf.aside");
    std::fs::rename(&path, &aside).unwrap();
    let out = ast.cli("module reload res_secast.so");
    let whitelist = ast.cli("secast show whitelist");
    std::fs::rename(&aside, &path).unwrap();
    assert!(
        whitelist.contains("198.51.100.0/24"),
        "whitelist reset by a reload without the file ({out}):\n{whitelist}"
    );
    assert!(
        ast.cli("secast ban 198.51.100.7").starts_with("Not done"),
        "the whitelisted network stays protected"
    );
    assert!(
        ast.messages_log()
            .contains("keeping the running configuration (whitelist included)"),
        "warned"
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn cp_over_the_geo_database_while_lookups_run_does_not_crash_asterisk() {
    use geo_fixture::{FixtureRecord, FixtureSchema, net, write_fixture_db};
    let (host, inside) = sandbox::fixture_dir("e2e-dur-geo");
    let db = host.join("geo.mmdb");
    let write = |path: &Path, cc: &str| {
        write_fixture_db(
            path,
            FixtureSchema::MaxMindCity,
            &[(
                net("203.0.113.0/24"),
                FixtureRecord::country(cc).continent("EU"),
            )],
        )
        .expect("fixture database")
    };
    write(&db, "FR");
    // Another, different file to copy over it (as an admin's `cp new.mmdb geo.mmdb` would).
    let other = host.join("other.mmdb");
    write(&other, "DE");
    let conf = sandbox::conf_with(&format!(
        "[geo]\ndatabase = {inside}/geo.mmdb\n[intel]\ncheck_interval = 2s\n"
    ));
    let ast = Asterisk::start_with_conf("e2e-dur-geo", Some(&conf));
    assert_eq!(ast.ami_getvar("SECAST_GEO(203.0.113.9)"), "FR");
    // Lookups in a loop on one AMI session while the file is rewritten in place.
    let client = r#"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 5038), timeout=5)
f = s.makefile("rwb")
def send(lines):
    f.write(("".join(l + "\r\n" for l in lines) + "\r\n").encode()); f.flush()
def block():
    out = {}
    while True:
        raw = f.readline()
        if not raw:
            # Asterisk went away (a crash): say how far it got, and fail.
            print(n); sys.exit(1)
        line = raw.decode(errors="replace").rstrip("\r\n")
        if line == "":
            return out
        if ": " in line:
            k, v = line.split(": ", 1); out[k] = v
n = 0
f.readline()
send(["Action: Login", "Username: secast-test", "Secret: Sandbox-ami-pw", "Events: off"]); block()
end = time.time() + 4
while time.time() < end and n < 100000:
    n += 1
    send(["Action: Getvar", "Variable: SECAST_GEO(203.0.113.9)", "ActionID: %d" % n])
    while block().get("ActionID") != str(n):
        pass
print(n)
"#;
    let netns = ast.netns();
    let lookups = Command::new("ip")
        .args(["netns", "exec", &netns, "python3", "-c", client])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    for _ in 0..20 {
        std::fs::copy(&other, &db).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        std::fs::write(&db, b"").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        std::fs::copy(&other, &db).unwrap();
    }
    let out = lookups.wait_with_output().unwrap();
    let done: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(
        out.status.success(),
        "the AMI session ended under the lookups after {done}"
    );
    assert!(done > 0, "lookups ran");
    assert!(
        ast.is_running(),
        "Asterisk survived cp over its geo database"
    );
    // The module reloads the changed file: the copy's answer, eventually.
    let deadline = Instant::now() + SETTLE;
    let mut answer = ast.ami_getvar("SECAST_GEO(203.0.113.9)");
    while answer != "DE" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        answer = ast.ami_getvar("SECAST_GEO(203.0.113.9)");
    }
    assert_eq!(answer, "DE");
    eprintln!("{done} lookups during 40 in-place rewrites of the database");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn module_unload_is_quick_and_a_reload_of_the_module_keeps_every_ban() {
    let (host, inside) = sandbox::fixture_dir("e2e-dur-unload");
    seed_ledger(&host.join("ledger"), 1000);
    let conf = sandbox::conf_with(&format!("[ledger]\ndirectory = {inside}/ledger\n"));
    let ast = Asterisk::start_with_conf("e2e-dur-unload", Some(&conf));
    ast.nft_until(SETTLE, |t| count_in(t, "2001:db8:") >= 1000);
    // Under attack: events in flight while the module goes.
    let attack = ast.attack_in_background("wrong-password", "127.0.0.9", 200, 100);
    std::thread::sleep(Duration::from_millis(300));
    let out = ast.cli("module unload res_secast.so");
    assert!(!out.contains("Error") && !out.contains("failed"), "{out}");
    let log = ast.messages_log();
    let ms: u64 = log
        .lines()
        .rev()
        .find_map(|l| {
            l.split("res_secast stopped in ")
                .nth(1)
                .and_then(|r| r.split(' ').next())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no unload time logged:\n{log}"));
    // Measured, not asserted (timings go in benchmarks): the bound itself is tested without
    // Asterisk (tests/enforcer_durability.rs, a stuck firewall).
    eprintln!("module unload took {ms} ms (bound: 2000 ms)");
    let _ = ast.cli("module load res_secast.so");
    let _ = attack.wait_with_output();
    assert!(ast.is_running());
    let bans = ast.cli("secast show status");
    assert!(bans.contains("res_secast"), "{bans}");
    let table = ast.nft_until(SETTLE, |t| count_in(t, "2001:db8:") >= 1000);
    assert_eq!(count_in(&table, "2001:db8:"), 1000);
    // The second load restores the seeded bans and whatever the attack earned meanwhile.
    let log = ast.messages_log();
    assert!(
        log.matches("bans in force restored").count() >= 2,
        "restored at both loads: {log}"
    );
}
