//! A real Asterisk 22 for end-to-end tests: started in the sid chroot, in a network namespace
//! of its own, with the freshly built res_secast.so; stopped when the guard is dropped, even
//! when the test fails. A thin Rust face over `sandbox/asterisk.sh`.

#![allow(dead_code)] // each test file uses a different part

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Extra AMI users (`secast-reader`, which reads the security class, and `secast-reporter`)
/// for tests that listen for events: pass as `SECAST_ETC_APPEND` (see [`ami_users_env`]).
pub const AMI_USERS: &str = "sandbox/etc-ami-users";

/// The environment for `asterisk.sh up` that appends [`AMI_USERS`].
pub fn ami_users_env() -> (&'static str, String) {
    (
        "SECAST_ETC_APPEND",
        repo().join(AMI_USERS).to_string_lossy().into_owned(),
    )
}

/// The sandbox users' passwords (sandbox/etc/pjsip.conf): 1001, 1002 and 1003.
pub const PASSWORD_1001: &str = "Sandbox-alpha-pw";
pub const PASSWORD_1002: &str = "Sandbox-bravo-pw";
pub const PASSWORD_1003: &str = "Sandbox-charlie-pw";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script(name: &str) -> PathBuf {
    repo().join("sandbox").join(name)
}

/// The sid chroot the sandbox Asterisk runs in, as the host sees it.
pub fn chroot_dir() -> PathBuf {
    std::env::var_os("SECAST_CHROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/res_secast/sid-chroot"))
}

/// A directory inside the chroot for files a test hands to Asterisk (geo databases, lists):
/// returns (path on the host, path as Asterisk sees it).
pub fn fixture_dir(test: &str) -> (PathBuf, String) {
    let inside = format!("/srv/secast-fixtures/{test}");
    let host = chroot_dir().join(inside.trim_start_matches('/'));
    let _ = std::fs::remove_dir_all(&host);
    std::fs::create_dir_all(&host).expect("fixture dir in the chroot");
    (host, inside)
}

/// The sandbox's own secast.conf (whitelist narrowed so loopback attackers can be banned)
/// followed by `extra`.
pub fn conf_with(extra: &str) -> String {
    let base =
        std::fs::read_to_string(repo().join("sandbox/etc/secast.conf")).expect("sandbox conf");
    format!("{base}\n{extra}\n")
}

pub fn module_path() -> PathBuf {
    std::env::var_os("SECAST_MODULE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/res_secast.so"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// One running sandbox Asterisk.
pub struct Asterisk {
    pub name: String,
}

impl Asterisk {
    /// Starts with the sandbox's own `sandbox/etc/secast.conf`.
    pub fn start(name: &str) -> Asterisk {
        Self::start_with_conf(name, None)
    }

    /// `conf`, when given, replaces the sandbox's secast.conf.
    pub fn start_with_conf(name: &str, conf: Option<&str>) -> Asterisk {
        Self::start_full(name, conf, None, &[])
    }

    /// Like [`Asterisk::start_with_conf`], with the config files of `overlay` (a folder under
    /// `sandbox/`, e.g. `etc-weak`) over the sandbox's own.
    pub fn start_with_overlay(name: &str, conf: Option<&str>, overlay: Option<&str>) -> Asterisk {
        Self::start_full(name, conf, overlay, &[])
    }

    /// Like [`Asterisk::start_with_conf`], with environment for `asterisk.sh up`
    /// (`SECAST_ENTITY_ID`, `SECAST_SYSTEM_NAME`, `SECAST_ETC_APPEND`, …).
    pub fn start_with_env(name: &str, conf: Option<&str>, env: &[(&str, &str)]) -> Asterisk {
        Self::start_full(name, conf, None, env)
    }

    /// Starts with an optional secast.conf, config overlay and environment for `up`.
    pub fn start_full(
        name: &str,
        conf: Option<&str>,
        overlay: Option<&str>,
        env: &[(&str, &str)],
    ) -> Asterisk {
        let module = module_path();
        assert!(
            module.exists(),
            "{} missing: run `make build` (or `make test`)",
            module.display()
        );
        let mut cmd = Command::new(script("asterisk.sh"));
        cmd.args(["up", name]).arg(&module);
        cmd.envs(env.iter().copied());
        // This machine's environment points these at paths the chroot lacks; a TLS stack
        // that honours them would fail inside Asterisk. res_secast reads its CA file from
        // secast.conf only, and the tests keep Asterisk's environment clean of them anyway.
        cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
        let conf_file = std::env::temp_dir().join(format!("secast-e2e-{name}.conf"));
        if let Some(c) = conf {
            std::fs::write(&conf_file, c).unwrap();
            cmd.env("SECAST_CONF_OVERRIDE", &conf_file);
        }
        if let Some(dir) = overlay {
            cmd.env("SECAST_ETC_OVERLAY", repo().join("sandbox").join(dir));
        }
        let out = run(&mut cmd);
        // From here on the guard owns whatever `up` started, even if it failed half-way.
        let guard = Asterisk {
            name: name.to_owned(),
        };
        assert!(out.status.success(), "sandbox up failed:\n{}", text(&out));
        guard
    }

    pub fn cli(&self, command: &str) -> String {
        let out = run(Command::new(script("asterisk.sh")).args(["cli", &self.name, command]));
        text(&out)
    }

    pub fn status(&self) -> Status {
        Status::parse(&self.cli("secast show status"))
    }

    /// Polls `secast show status` until `done` holds, for at most `limit`.
    pub fn status_until(&self, limit: Duration, done: impl Fn(&Status) -> bool) -> Status {
        let deadline = Instant::now() + limit;
        loop {
            let s = self.status();
            if done(&s) || Instant::now() >= deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs a sipp attack to completion; returns sipp's summary line.
    pub fn attack(&self, kind: &str, source: &str, count: u32, rate: u32) -> String {
        let out = run(Command::new(script("attack.sh")).args([
            &self.name,
            kind,
            source,
            &count.to_string(),
            &rate.to_string(),
        ]));
        let t = text(&out);
        assert!(out.status.success(), "attack failed:\n{t}");
        t
    }

    /// Like [`Asterisk::attack`], as `user` with `password` (the right one logs in), answering
    /// the challenge after `rtt_ms` as a phone across a real network would.
    pub fn attack_as(
        &self,
        kind: &str,
        source: &str,
        count: u32,
        user: &str,
        password: &str,
        rtt_ms: u32,
    ) -> String {
        let out = run(Command::new(script("attack.sh"))
            .args([&self.name, kind, source, &count.to_string(), "10"])
            .env("SECAST_ATTACK_USER", user)
            .env("SECAST_ATTACK_PASSWORD", password)
            .env("SECAST_ATTACK_RTT_MS", rtt_ms.to_string()));
        let t = text(&out);
        assert!(out.status.success(), "attack failed:\n{t}");
        t
    }

    /// Security events of `kind` Asterisk itself logged from `ip`.
    pub fn logged_events_from(&self, kind: &str, ip: &str) -> usize {
        let needle = format!("/{ip}/");
        let kind = format!("SecurityEvent=\"{kind}\"");
        self.security_log()
            .lines()
            .filter(|l| l.contains(&kind) && l.contains(&needle))
            .count()
    }

    /// Evaluates a dialplan function over AMI (`Getvar` without a channel) as the sandbox's
    /// manager user; returns the value.
    pub fn ami_getvar(&self, expression: &str) -> String {
        let client = r#"
import socket, sys
s = socket.create_connection(("127.0.0.1", 5038), timeout=5)
f = s.makefile("rwb")
def send(lines):
    f.write(("".join(l + "\r\n" for l in lines) + "\r\n").encode()); f.flush()
def block():
    out = {}
    while True:
        line = f.readline().decode(errors="replace").rstrip("\r\n")
        if line == "":
            return out
        if ": " in line:
            k, v = line.split(": ", 1); out[k] = v
f.readline()
send(["Action: Login", "Username: secast-test", "Secret: Sandbox-ami-pw", "Events: off"]); block()
send(["Action: Getvar", "Variable: " + sys.argv[1], "ActionID: 1"])
while True:
    b = block()
    if b.get("ActionID") == "1":
        print(b.get("Value", "") if b.get("Response") == "Success" else "ERROR " + b.get("Message", ""))
        break
"#;
        let out = self.in_netns("python3", &["-c", client, expression]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Starts a sipp attack in the background; the child is ours to wait for.
    pub fn attack_in_background(
        &self,
        kind: &str,
        source: &str,
        count: u32,
        rate: u32,
    ) -> std::process::Child {
        Command::new(script("attack.sh"))
            .args([
                &self.name,
                kind,
                source,
                &count.to_string(),
                &rate.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("attack.sh starts")
    }

    /// Like [`Asterisk::attack`], with extra environment for attack.sh (e.g.
    /// SECAST_ATTACK_USERS_FILE).
    pub fn attack_with_env(
        &self,
        kind: &str,
        source: &str,
        count: u32,
        rate: u32,
        env: &[(&str, &str)],
    ) -> String {
        let out = run(Command::new(script("attack.sh"))
            .args([
                &self.name,
                kind,
                source,
                &count.to_string(),
                &rate.to_string(),
            ])
            .envs(env.iter().copied()));
        let t = text(&out);
        assert!(out.status.success(), "attack failed:\n{t}");
        t
    }

    /// An AMI session (`sandbox/ami-client.py`) as `user`, ready to spawn with the actions
    /// (one JSON object per line) on its stdin: it stays `listen` seconds after them, or until
    /// every event in `until` arrived, and prints the answers and events as JSON.
    pub fn ami_client(&self, user: &str, secret: &str, listen: f64, until: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.netns(), "python3"])
            .arg(script("ami-client.py"))
            .args([user, secret, "--listen", &listen.to_string()])
            .args(["--until", &until.join(",")])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    }

    /// Runs one AMI session: `actions` (header lists) in order; returns the client's JSON
    /// ({"login", "answers", "events"}).
    pub fn ami(&self, user: &str, secret: &str, actions: &[&[(&str, &str)]]) -> serde_json::Value {
        let child = self
            .ami_client(user, secret, 0.0, &[])
            .spawn()
            .expect("python3 runs");
        ami_finish(child, actions)
    }

    /// The carrier (a sipp UAS on 127.0.0.30:5070 in the namespace) answering `count` calls
    /// with `sandbox/sipp/call-uas-{scenario}.xml`, in the background; wait for it.
    pub fn carrier(&self, scenario: &str, count: u32, pause_ms: u32) -> std::process::Child {
        let child = Command::new(script("call.sh"))
            .args([
                &self.name,
                "carrier",
                scenario,
                &count.to_string(),
                &pause_ms.to_string(),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("call.sh starts");
        // Give sipp a moment to bind its port before calls arrive.
        std::thread::sleep(Duration::from_millis(400));
        child
    }

    /// Endpoint 1001 placing `count` calls to `number` with
    /// `sandbox/sipp/call-uac-{scenario}.xml`; returns (successful, failed).
    pub fn calls(
        &self,
        scenario: &str,
        number: &str,
        count: u32,
        rate: u32,
        limit: u32,
        pause_ms: u32,
    ) -> (u32, u32) {
        self.calls_from(scenario, number, count, rate, limit, pause_ms, "127.0.0.10")
    }

    /// [`Asterisk::calls`] from another source address.
    #[allow(clippy::too_many_arguments)]
    pub fn calls_from(
        &self,
        scenario: &str,
        number: &str,
        count: u32,
        rate: u32,
        limit: u32,
        pause_ms: u32,
        source: &str,
    ) -> (u32, u32) {
        let out = run(Command::new(script("call.sh")).args([
            &self.name,
            "caller",
            scenario,
            number,
            &count.to_string(),
            &rate.to_string(),
            &limit.to_string(),
            &pause_ms.to_string(),
            source,
        ]));
        let t = text(&out);
        assert!(out.status.success(), "call.sh failed:\n{t}");
        call_counts(&t)
    }

    /// [`Asterisk::calls`] in the background; read the result with [`call_counts`] of its
    /// output.
    pub fn calls_in_background(
        &self,
        scenario: &str,
        number: &str,
        count: u32,
        rate: u32,
        limit: u32,
        pause_ms: u32,
    ) -> std::process::Child {
        Command::new(script("call.sh"))
            .args([
                &self.name,
                "caller",
                scenario,
                number,
                &count.to_string(),
                &rate.to_string(),
                &limit.to_string(),
                &pause_ms.to_string(),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("call.sh starts")
    }

    /// Collects AMI events (as `Key: value` blocks) for `seconds` in the background, into the
    /// returned file; the child ends by itself. It logs in as `secast-reader`, which only an
    /// instance started with [`AMI_USERS`] appended has.
    pub fn ami_events(&self, seconds: u32) -> (std::process::Child, PathBuf) {
        let file = std::env::temp_dir().join(format!("secast-ami-{}.txt", self.name));
        let _ = std::fs::remove_file(&file);
        let client = r#"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 5038), timeout=5)
s.sendall(b"Action: Login\r\nUsername: secast-reader\r\nSecret: Listener-quartz-7391\r\nEvents: security\r\n\r\n")
end = time.time() + float(sys.argv[1])
out = open(sys.argv[2], "wb")
s.settimeout(0.5)
while time.time() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    if not d:
        break
    out.write(d); out.flush()
"#;
        let child = Command::new("ip")
            .args(["netns", "exec", &self.netns(), "python3", "-c", client])
            .arg(seconds.to_string())
            .arg(&file)
            .spawn()
            .expect("python3 starts");
        std::thread::sleep(Duration::from_millis(500));
        (child, file)
    }

    pub fn ami_login(&self, user: &str, secret: &str, count: u32) -> String {
        let out = run(Command::new(script("ami-login.sh")).args([
            &self.name,
            user,
            secret,
            &count.to_string(),
        ]));
        text(&out)
    }

    fn fact(&self, what: &str) -> String {
        let out = run(Command::new(script("asterisk.sh")).args([what, &self.name]));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    pub fn pid(&self) -> u32 {
        self.fact("pid").parse().expect("asterisk is running")
    }

    pub fn is_running(&self) -> bool {
        Command::new(script("asterisk.sh"))
            .args(["status", &self.name])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// Asterisk's `messages` log of this instance.
    pub fn messages_log(&self) -> String {
        std::fs::read_to_string(self.fact("log")).unwrap_or_default()
    }

    /// Asterisk's security log (res_security_log) of this instance.
    pub fn security_log(&self) -> String {
        std::fs::read_to_string(self.fact("seclog")).unwrap_or_default()
    }

    /// The instance's network namespace (`asterisk.sh netns`).
    pub fn netns(&self) -> String {
        self.fact("netns")
    }

    /// Runs a command inside the instance's network namespace.
    pub fn in_netns(&self, program: &str, args: &[&str]) -> Output {
        run(Command::new("ip")
            .args(["netns", "exec", &self.netns(), program])
            .args(args))
    }

    /// Our nftables table as `nft list` shows it inside the namespace ("" if absent).
    pub fn nft_table(&self) -> String {
        String::from_utf8_lossy(
            &self
                .in_netns("nft", &["list", "table", "inet", "secast"])
                .stdout,
        )
        .into_owned()
    }

    /// Polls until `what` appears in our nftables table (bounded).
    pub fn nft_until(&self, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let t = self.nft_table();
            if done(&t) || Instant::now() >= deadline {
                return t;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL, as a crash would.
    pub fn kill9(&self) {
        let out = run(Command::new(script("asterisk.sh")).args(["kill9", &self.name]));
        assert!(out.status.success(), "kill9 failed:\n{}", text(&out));
    }

    /// Starts Asterisk again on the same instance directory (ledger, logs) and module.
    pub fn restart(&self) {
        let out = run(Command::new(script("asterisk.sh"))
            .args(["restart", &self.name])
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR"));
        assert!(out.status.success(), "restart failed:\n{}", text(&out));
    }

    /// Lines of `secast show bans`, without the header.
    pub fn bans(&self) -> Vec<String> {
        self.cli("secast show bans")
            .lines()
            .filter(|l| l.starts_with("  "))
            .map(|l| l.trim().to_owned())
            .collect()
    }

    /// ChallengeResponseFailed events Asterisk itself logged from `ip`.
    pub fn logged_failures_from(&self, ip: &str) -> usize {
        let needle = format!("/{ip}/");
        self.security_log()
            .lines()
            .filter(|l| {
                l.contains("SecurityEvent=\"ChallengeResponseFailed\"") && l.contains(&needle)
            })
            .count()
    }

    /// The instance's secast.conf on the host side, for tests that edit it and reload.
    pub fn secast_conf_path(&self) -> PathBuf {
        Path::new(&self.fact("dir")).join("etc/secast.conf")
    }
}

/// Feeds `actions` to a spawned [`Asterisk::ami_client`] and returns its JSON.
pub fn ami_finish(
    mut child: std::process::Child,
    actions: &[&[(&str, &str)]],
) -> serde_json::Value {
    use std::io::Write;
    {
        let mut stdin = child.stdin.take().expect("piped stdin");
        for a in actions {
            let obj: serde_json::Map<String, serde_json::Value> = a
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                .collect();
            writeln!(stdin, "{}", serde_json::Value::Object(obj)).unwrap();
        }
    }
    let out = child.wait_with_output().expect("AMI client ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "AMI client output ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (successful, failed) from call.sh's summary line.
pub fn call_counts(out: &str) -> (u32, u32) {
    let line = out
        .lines()
        .find(|l| l.starts_with("call: ") && l.contains(" successful, "))
        .unwrap_or_else(|| panic!("no summary from call.sh:\n{out}"));
    let n = |word: &str| -> u32 {
        let before = &line[..line.find(word).expect("word")];
        before
            .split_whitespace()
            .last()
            .and_then(|w| w.parse().ok())
            .unwrap_or(0)
    };
    (n(" successful"), n(" failed"))
}

/// AMI events of `name` in a capture from [`Asterisk::ami_events`], each as its fields.
pub fn ami_events_named(capture: &Path, name: &str) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(capture).unwrap_or_default();
    text.replace('\r', "")
        .split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect::<BTreeMap<_, _>>()
        })
        .filter(|f| f.get("Event").map(String::as_str) == Some(name))
        .collect()
}

impl Drop for Asterisk {
    fn drop(&mut self) {
        let _ = Command::new(script("asterisk.sh"))
            .args(["down", &self.name])
            .output();
    }
}

/// `secast show status`, parsed.
#[derive(Debug, Default)]
pub struct Status {
    pub raw: String,
    pub fields: BTreeMap<String, String>,
    /// source address → (counter name → value), counters being `events`, `accounts` and the
    /// event type names.
    pub sources: BTreeMap<String, BTreeMap<String, u64>>,
    pub by_type: BTreeMap<String, u64>,
    pub by_service: BTreeMap<String, u64>,
}

impl Status {
    pub fn parse(raw: &str) -> Status {
        let mut s = Status {
            raw: raw.to_owned(),
            ..Status::default()
        };
        let mut section = "";
        for line in raw.lines() {
            if line.starts_with("Events by type") {
                section = "type";
                continue;
            }
            if line.starts_with("Events by service") {
                section = "service";
                continue;
            }
            if line.starts_with("Top sources") {
                section = "sources";
                continue;
            }
            if let Some(rest) = line.strip_prefix("  ") {
                let mut words = rest.split_whitespace();
                let Some(first) = words.next() else { continue };
                match section {
                    "type" | "service" => {
                        let n = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                        let map = if section == "type" {
                            &mut s.by_type
                        } else {
                            &mut s.by_service
                        };
                        map.insert(first.to_owned(), n);
                    }
                    "sources" => {
                        let counters = words
                            .filter_map(|w| w.split_once('='))
                            .map(|(k, v)| {
                                (k.to_owned(), v.trim_end_matches('+').parse().unwrap_or(0))
                            })
                            .collect();
                        s.sources.insert(first.to_owned(), counters);
                    }
                    _ => {}
                }
            } else if let Some((k, v)) = line.split_once(": ") {
                s.fields.insert(k.to_owned(), v.to_owned());
            }
        }
        s
    }

    pub fn number(&self, field: &str) -> u64 {
        self.fields
            .get(field)
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    pub fn source_count(&self, ip: &str, counter: &str) -> u64 {
        self.sources
            .get(ip)
            .and_then(|c| c.get(counter))
            .copied()
            .unwrap_or(0)
    }
}
