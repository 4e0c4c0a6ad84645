//! A test-owned redis-server (Debian's `redis-server`), killed when the guard is dropped even
//! when the test fails; TLS certificates made with `openssl` for it; and an in-process "server"
//! (the cluster link with a recording engine) for tests that need no Asterisk.
//!
//! Redis listens on a unix socket in a fresh directory, and on TCP only inside a network
//! namespace the test creates (documentation address 198.51.100.1), never on the host's
//! interfaces. Persistence is off: a restart starts empty, as after a crash.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const ACL_USER: &str = "secast";
pub const ACL_PASSWORD: &str = "Secast-redis-pw";

pub fn need(program: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{program} is missing: run scripts/host-deps.sh (as root) to install the test tools"
    );
}

pub fn need_root() {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "this test needs root (network namespaces)"
    );
}

/// A private directory under the system's temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("secast-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A network namespace of our own, deleted on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(name: &str) -> Netns {
        need_root();
        let _ = Command::new("ip").args(["netns", "del", name]).output();
        run("ip", &["netns", "add", name]);
        run("ip", &["-n", name, "link", "set", "lo", "up"]);
        Netns {
            name: name.to_owned(),
        }
    }

    /// Puts `addr/24` on the namespace's loopback (it is reachable only from inside).
    pub fn add_address(&self, addr: &str) {
        run(
            "ip",
            &[
                "-n",
                &self.name,
                "addr",
                "add",
                &format!("{addr}/24"),
                "dev",
                "lo",
            ],
        );
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// CA, server (IP SAN 198.51.100.1, DNS redis.secast.test) and client certificates.
pub struct Certs {
    pub dir: PathBuf,
}

impl Certs {
    pub fn make(dir: &Path) -> Certs {
        need("openssl");
        let sh = format!(
            r#"set -e
cd {dir}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=secast-test-ca -keyout ca.key -out ca.crt 2>/dev/null
for who in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=$who \
    -keyout $who.key -out $who.csr 2>/dev/null
done
printf 'subjectAltName=IP:198.51.100.1,DNS:redis.secast.test\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
for who in server client; do
  openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile $who.ext -out $who.crt 2>/dev/null
done
chmod 644 *.key"#,
            dir = dir.display()
        );
        run("sh", &["-c", &sh]);
        Certs {
            dir: dir.to_owned(),
        }
    }

    pub fn path(&self, file: &str) -> String {
        self.dir.join(file).display().to_string()
    }
}

/// How the test Redis listens.
pub struct RedisOptions {
    /// The unix socket (always).
    pub socket: PathBuf,
    /// Plain TCP and TLS on 198.51.100.1 inside this namespace.
    pub netns: Option<String>,
    pub tls: Option<PathBuf>,
}

/// A running redis-server with the default user off and one ACL user confined to `secast:*`.
pub struct Redis {
    child: Option<Child>,
    options: RedisOptions,
    pub log: PathBuf,
}

impl Redis {
    pub fn start(options: RedisOptions) -> Redis {
        need("redis-server");
        let log = options.socket.with_extension("log");
        let mut redis = Redis {
            child: None,
            options,
            log,
        };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let o = &self.options;
        let _ = std::fs::remove_file(&o.socket);
        let mut args: Vec<String> = vec![
            "--port".into(),
            "0".into(),
            "--unixsocket".into(),
            o.socket.display().to_string(),
            "--unixsocketperm".into(),
            "777".into(),
            "--save".into(),
            "".into(),
            "--appendonly".into(),
            "no".into(),
            "--daemonize".into(),
            "no".into(),
            "--dir".into(),
            o.socket.parent().unwrap().display().to_string(),
            "--logfile".into(),
            self.log.display().to_string(),
            "--user".into(),
            "default".into(),
            "off".into(),
            "--user".into(),
            ACL_USER.into(),
            "on".into(),
            format!(">{ACL_PASSWORD}"),
            "~secast:*".into(),
            "&secast:*".into(),
            "+@all".into(),
            "-@dangerous".into(),
        ];
        if o.netns.is_some() {
            args.splice(
                0..2,
                [
                    "--port".to_owned(),
                    "6379".into(),
                    "--bind".into(),
                    "198.51.100.1".into(),
                ],
            );
        }
        if let Some(certs) = &o.tls {
            for (k, v) in [
                ("--tls-port", "6380".to_owned()),
                (
                    "--tls-cert-file",
                    certs.join("server.crt").display().to_string(),
                ),
                (
                    "--tls-key-file",
                    certs.join("server.key").display().to_string(),
                ),
                (
                    "--tls-ca-cert-file",
                    certs.join("ca.crt").display().to_string(),
                ),
                ("--tls-auth-clients", "optional".to_owned()),
            ] {
                args.push(k.into());
                args.push(v);
            }
        }
        let mut cmd = match &o.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "redis-server"]);
                c
            }
            None => Command::new("redis-server"),
        };
        let child = cmd
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !o.socket.exists() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not come up: {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Stops it for good (its data is gone: no persistence).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again, empty.
    pub fn start_again(&mut self) {
        self.stop();
        self.spawn();
    }

    /// SIGSTOP / SIGCONT: a hung server (the socket stays open, nothing answers).
    pub fn freeze(&self, frozen: bool) {
        let sig = if frozen { "-STOP" } else { "-CONT" };
        run("kill", &[sig, &self.pid().to_string()]);
    }

    /// redis-cli on the unix socket as the ACL user; the reply text.
    pub fn cli(&self, args: &[&str]) -> String {
        need("redis-cli");
        let out = Command::new("redis-cli")
            .args(["-s", &self.options.socket.display().to_string()])
            .args([
                "--user",
                ACL_USER,
                "--pass",
                ACL_PASSWORD,
                "--no-auth-warning",
            ])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    pub fn unix_url(&self) -> String {
        format!(
            "unix://{}?user={ACL_USER}&pass={ACL_PASSWORD}",
            self.options.socket.display()
        )
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = Command::new("kill")
                .args(["-CONT", &self.pid().to_string()])
                .output();
        }
        self.stop();
    }
}

/// Everything the link handed to the engine, in order.
#[derive(Default)]
pub struct Recorder {
    pub commands: Mutex<Vec<res_secast::decision::Command>>,
}

impl Recorder {
    pub fn sink(self: &Arc<Self>) -> res_secast::cluster::EngineSink {
        let me = self.clone();
        Arc::new(move |c| {
            me.commands.lock().unwrap().push(c);
            true
        })
    }

    /// Waits (bounded) until `pick` finds something in what was recorded.
    pub fn wait_for<T>(
        &self,
        limit: Duration,
        pick: impl Fn(&res_secast::decision::Command) -> Option<T>,
    ) -> Option<(T, Duration)> {
        let start = Instant::now();
        loop {
            if let Some(t) = self.commands.lock().unwrap().iter().find_map(&pick) {
                return Some((t, start.elapsed()));
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Runs `f` on a thread that has entered the network namespace `ns` (`ip netns` keeps it
/// at /var/run/netns/<ns>); other threads of the test stay where they are.
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("netns file");
        res_secast_test_setns(&file);
        f()
    })
    .join()
    .expect("netns thread")
}

fn res_secast_test_setns(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: setns on a namespace file we hold open; it only changes this thread's netns.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
}
