//! The byte pipe under a Redis connection: TCP, a unix socket, or TLS over TCP.
//!
//! TLS is driven by hand (rustls' `ClientConnection` over our own socket) rather than through
//! a stream adapter, so that a read can hand over every byte rustls has decrypted: the cluster
//! thread sleeps in `poll` on the socket, and plaintext left inside rustls would never wake it.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use super::error::{ErrorKind, RedisError};
use crate::util::escape::for_log;

pub enum Transport {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<TlsStream>),
}

pub struct TlsStream {
    sock: TcpStream,
    conn: ClientConnection,
}

/// The addresses of `host:port`. Names are resolved by the system resolver, on the cluster
/// thread (never an Asterisk thread); an address avoids that wait altogether.
fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, RedisError> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    (host, port)
        .to_socket_addrs()
        .map(|a| a.collect())
        .map_err(|e| RedisError::new(ErrorKind::Io, format!("resolve {}: {e}", for_log(host))))
}

fn tcp_connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, RedisError> {
    let mut last = RedisError::new(ErrorKind::Io, format!("{}: no address", for_log(host)));
    for addr in resolve(host, port)? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = RedisError::from_io(&format!("connect {addr}"), &e),
        }
    }
    Err(last)
}

impl Transport {
    pub fn tcp(host: &str, port: u16, timeout: Duration) -> Result<Transport, RedisError> {
        Ok(Transport::Tcp(tcp_connect(host, port, timeout)?))
    }

    pub fn unix(path: &Path) -> Result<Transport, RedisError> {
        UnixStream::connect(path).map(Transport::Unix).map_err(|e| {
            RedisError::from_io(&format!("connect {}", for_log(&path.to_string_lossy())), &e)
        })
    }

    /// TCP, then the TLS handshake, both within `timeout`. `server_name` is what the server's
    /// certificate must name (the URL's host, an address or a DNS name).
    pub fn tls(
        host: &str,
        port: u16,
        server_name: &str,
        config: Arc<ClientConfig>,
        timeout: Duration,
    ) -> Result<Transport, RedisError> {
        let deadline = Instant::now() + timeout;
        let sock = tcp_connect(host, port, timeout)?;
        let name = ServerName::try_from(server_name.to_owned()).map_err(|_| {
            RedisError::new(
                ErrorKind::Config,
                format!(
                    "'{}' cannot be checked against a certificate",
                    for_log(server_name)
                ),
            )
        })?;
        let conn = ClientConnection::new(config, name)
            .map_err(|e| RedisError::new(ErrorKind::Tls, format!("TLS: {e}")))?;
        let mut tls = TlsStream { sock, conn };
        while tls.conn.is_handshaking() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(RedisError::new(
                    ErrorKind::Timeout,
                    "TLS handshake: timed out",
                ));
            }
            let _ = tls.sock.set_read_timeout(Some(left));
            let _ = tls.sock.set_write_timeout(Some(left));
            tls.conn
                .complete_io(&mut tls.sock)
                .map_err(|e| tls_error("TLS handshake", &e))?;
        }
        Ok(Transport::Tls(Box::new(tls)))
    }

    pub fn set_timeouts(&self, read: Duration, write: Duration) {
        let (read, write) = (Some(read), Some(write));
        let _ = match self {
            Transport::Tcp(s) => s.set_read_timeout(read).and(s.set_write_timeout(write)),
            Transport::Unix(s) => s.set_read_timeout(read).and(s.set_write_timeout(write)),
            Transport::Tls(t) => t
                .sock
                .set_read_timeout(read)
                .and(t.sock.set_write_timeout(write)),
        };
    }

    pub fn raw_fd(&self) -> RawFd {
        match self {
            Transport::Tcp(s) => s.as_raw_fd(),
            Transport::Unix(s) => s.as_raw_fd(),
            Transport::Tls(t) => t.sock.as_raw_fd(),
        }
    }

    /// Reads what is available (blocking up to the read timeout for the first byte) and
    /// appends at most `max` bytes to `buf`. 0 means the server closed the connection.
    pub fn read_some(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, RedisError> {
        let mut chunk = [0u8; 16 * 1024];
        let want = chunk.len().min(max.max(1));
        match self {
            Transport::Tcp(s) => read_plain(s, &mut chunk[..want], buf),
            Transport::Unix(s) => read_plain(s, &mut chunk[..want], buf),
            Transport::Tls(t) => t.read_some(&mut chunk[..want], buf, max),
        }
    }

    pub fn write_all(&mut self, data: &[u8]) -> Result<(), RedisError> {
        match self {
            Transport::Tcp(s) => s
                .write_all(data)
                .map_err(|e| RedisError::from_io("send", &e)),
            Transport::Unix(s) => s
                .write_all(data)
                .map_err(|e| RedisError::from_io("send", &e)),
            Transport::Tls(t) => t.write_all(data),
        }
    }
}

fn read_plain(s: &mut impl Read, chunk: &mut [u8], buf: &mut Vec<u8>) -> Result<usize, RedisError> {
    loop {
        match s.read(chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(RedisError::from_io("receive", &e)),
        }
    }
}

fn tls_error(what: &str, e: &io::Error) -> RedisError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            RedisError::new(ErrorKind::Timeout, format!("{what}: timed out"))
        }
        io::ErrorKind::InvalidData => RedisError::new(ErrorKind::Tls, format!("{what}: {e}")),
        _ => RedisError::new(ErrorKind::Io, format!("{what}: {e}")),
    }
}

impl TlsStream {
    fn read_some(
        &mut self,
        chunk: &mut [u8],
        buf: &mut Vec<u8>,
        max: usize,
    ) -> Result<usize, RedisError> {
        let mut total = 0;
        loop {
            // Hand over everything already decrypted before touching the socket again.
            loop {
                if total >= max {
                    return Ok(total);
                }
                match self.conn.reader().read(chunk) {
                    Ok(0) => return Ok(total),
                    Ok(n) => {
                        buf.extend_from_slice(&chunk[..n]);
                        total += n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(tls_error("receive", &e)),
                }
            }
            if total > 0 {
                return Ok(total);
            }
            let n = match self.conn.read_tls(&mut self.sock) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(tls_error("receive", &e)),
            };
            if n == 0 {
                return Ok(0);
            }
            self.conn
                .process_new_packets()
                .map_err(|e| RedisError::new(ErrorKind::Tls, format!("TLS: {e}")))?;
        }
    }

    fn write_all(&mut self, data: &[u8]) -> Result<(), RedisError> {
        self.conn
            .writer()
            .write_all(data)
            .map_err(|e| tls_error("send", &e))?;
        while self.conn.wants_write() {
            self.conn
                .write_tls(&mut self.sock)
                .map_err(|e| tls_error("send", &e))?;
        }
        Ok(())
    }
}
