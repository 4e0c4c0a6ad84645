//! How a handler's program is started (`os::process`): argv taken literally, nothing of our
//! environment or descriptors inherited, a session of its own, and a timeout that kills the
//! whole process group. Real processes on this host (no Asterisk needed).

use std::ffi::OsString;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use res_secast::os::process::{Ending, Spawn, run};

fn sh(script: &str, args: &[&str], timeout: Duration) -> Spawn {
    let mut argv: Vec<OsString> = vec!["-c".into(), script.into(), "handler".into()];
    argv.extend(args.iter().map(OsString::from));
    Spawn {
        program: "/bin/sh".into(),
        args: argv,
        env: vec![("SECAST_ACTION".into(), "ban".into())],
        uid: None,
        gid: None,
        stdin: b"{\"action\":\"ban\"}\n".to_vec(),
        timeout,
        capture: 4096,
    }
}

#[test]
fn a_program_gets_its_argv_environment_and_stdin_and_nothing_else() {
    // A descriptor of ours without close-on-exec: the program must not see it.
    let leaked = std::fs::File::open("/dev/null").unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&leaked);
    // SAFETY: clears FD_CLOEXEC on a descriptor we own, as a careless library might.
    assert_eq!(unsafe { libc::fcntl(fd, libc::F_SETFD, 0) }, 0);
    let script = r#"
        printf 'argc=%s\n' "$#"; for a in "$@"; do printf 'arg=[%s]\n' "$a"; done
        env | sort | sed 's/^/env=/'
        printf 'stdin=%s\n' "$(cat)"
        printf 'fds=%s\n' "$(ls /proc/self/fd | sort -n | tr '\n' ' ')"
        read -r _ _ _ _ _ sid _ < /proc/self/stat; printf 'session_leader=%s\n' "$([ "$sid" = $$ ] && echo yes || echo no)"
    "#;
    let out = run(
        &sh(
            script,
            &["$(touch /tmp/secast-x);|&", "two words", ""],
            Duration::from_secs(10),
        ),
        &AtomicBool::new(false),
    )
    .expect("runs");
    drop(leaked);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.ending, Ending::Exited(0), "{text}");
    assert!(text.contains("argc=3\n"), "{text}");
    assert!(text.contains("arg=[$(touch /tmp/secast-x);|&]\n"), "{text}");
    assert!(
        text.contains("arg=[two words]\n") && text.contains("arg=[]\n"),
        "{text}"
    );
    assert!(!std::path::Path::new("/tmp/secast-x").exists());
    let env: Vec<&str> = text.lines().filter(|l| l.starts_with("env=")).collect();
    // dash adds PWD of its own; nothing else but what we gave.
    assert!(
        env.iter()
            .all(|l| l.starts_with("env=SECAST_ACTION=") || l.starts_with("env=PWD=")),
        "{env:?}"
    );
    assert!(text.contains("stdin={\"action\":\"ban\"}\n"), "{text}");
    // 0, 1, 2 and the one ls itself opens for /proc/self/fd.
    let fds = text.lines().find(|l| l.starts_with("fds=")).unwrap();
    assert_eq!(fds.split_whitespace().count(), 4, "{fds}");
    assert!(text.contains("session_leader=yes"), "{text}");
}

#[test]
fn a_hanging_program_is_killed_with_everything_it_started_at_its_timeout() {
    let dir = std::env::temp_dir().join(format!("secast-proc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pidfile = dir.join("child.pid");
    let script = format!("sleep 600 & echo $! > {}; wait", pidfile.display());
    let started = std::time::Instant::now();
    let out = run(
        &sh(&script, &[], Duration::from_millis(500)),
        &AtomicBool::new(false),
    )
    .expect("runs");
    assert_eq!(out.ending, Ending::TimedOut);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    // The background sleep was in the program's process group: gone too (or a zombie
    // waiting for init to reap it).
    std::thread::sleep(Duration::from_millis(200));
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let gone = state.is_empty() || state.split_whitespace().nth(2) == Some("Z");
    assert!(gone, "background child {pid} survived: {state}");
    let _ = std::fs::remove_dir_all(&dir);
}
