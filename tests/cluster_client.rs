//! Our Redis client against a hostile or broken "server" (a unix socket served by this test):
//! what a server announces is checked before anything is allocated for it, a silent server
//! costs at most the timeout, and garbage is an error, never a panic or a hang.

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

use res_secast::cluster::redis::{Connection, ErrorKind, RedisUrl, Target};

/// Serves one connection: answers the login (CLIENT SETNAME, PING), then sends `reply` to the
/// first command after it.
fn serve(name: &str, reply: Vec<u8>) -> Target {
    let dir = std::env::temp_dir().join(format!("secast-client-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fake.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        let mut answered = 0;
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                return;
            }
            seen.extend_from_slice(&buf[..n]);
            // Each command starts with '*'; answer them in order.
            let commands = seen.iter().filter(|b| **b == b'*').count();
            while answered < commands {
                let out: &[u8] = match answered {
                    0 => b"+OK\r\n",
                    1 => b"+PONG\r\n",
                    _ => &reply,
                };
                if s.write_all(out).is_err() {
                    return;
                }
                answered += 1;
            }
        }
    });
    Target {
        url: RedisUrl::parse(&format!("unix://{}", path.display())).unwrap(),
        tls: None,
        tls_name: String::new(),
        timeout: Duration::from_millis(500),
        client_name: "test".into(),
    }
}

#[test]
fn an_announced_gigabyte_is_refused_before_it_is_allocated() {
    let mut c = Connection::open(&serve("huge", b"$999999999999\r\n".to_vec())).unwrap();
    let e = c.call(&[b"GET", b"k"]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol, "{e}");
}

#[test]
fn arrays_nested_without_end_are_refused() {
    let mut c = Connection::open(&serve("nested", b"*1\r\n".repeat(100))).unwrap();
    let e = c.call(&[b"GET", b"k"]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol, "{e}");
}

#[test]
fn a_reply_that_never_completes_costs_the_timeout_only() {
    let mut c = Connection::open(&serve("slow", b"$100\r\nabc".to_vec())).unwrap();
    let started = Instant::now();
    let e = c.call(&[b"GET", b"k"]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn garbage_is_an_error_and_a_refusal_is_kept_apart() {
    let mut c = Connection::open(&serve("garbage", b"hello\r\n".to_vec())).unwrap();
    assert_eq!(
        c.call(&[b"GET", b"k"]).unwrap_err().kind,
        ErrorKind::Protocol
    );
    let mut c = Connection::open(&serve("refused", b"-NOPERM no\r\n".to_vec())).unwrap();
    let e = c.call(&[b"GET", b"k"]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Server);
    assert!(!e.breaks_connection());
}

#[test]
fn no_server_at_all_is_an_io_error_at_once() {
    let target = Target {
        url: RedisUrl::parse("unix:///nonexistent/secast/redis.sock").unwrap(),
        tls: None,
        tls_name: String::new(),
        timeout: Duration::from_secs(2),
        client_name: "test".into(),
    };
    let e = Connection::open(&target).err().unwrap();
    assert_eq!(e.kind, ErrorKind::Io, "{e}");
}
