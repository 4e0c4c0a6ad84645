//! One connection to Redis: opened, authenticated and pointed at its database within a time
//! limit, then used for commands (one at a time or pipelined) or for a subscription.
//!
//! Every wait is bounded by the connection's timeout, and the read buffer by [`MAX_BUFFER`]:
//! a hung server costs at most the timeout, a hostile one at most the buffer. After any
//! error but a refused command the connection is dropped, never reused: a late reply could
//! still be in flight and would answer the next command.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

use super::error::{ErrorKind, RedisError};
use super::resp::{self, Limits, Value};
use super::transport::Transport;
use super::url::{Address, RedisUrl};
use crate::util::escape::untrusted;

/// The most bytes of unparsed replies kept in memory (a few complete replies at most).
pub const MAX_BUFFER: usize = 8 << 20;

/// What a connection needs to come up.
#[derive(Clone)]
pub struct Target {
    pub url: RedisUrl,
    /// TLS settings for `rediss://`; None otherwise.
    pub tls: Option<Arc<ClientConfig>>,
    /// The name the server's certificate must carry (the URL's host unless configured).
    pub tls_name: String,
    pub timeout: Duration,
    /// `CLIENT SETNAME`, so that `CLIENT LIST` on the server shows who is who.
    pub client_name: String,
}

pub struct Connection {
    transport: Transport,
    buf: Vec<u8>,
    limits: Limits,
    timeout: Duration,
}

impl Connection {
    /// Connects, authenticates, selects the database and checks with PING that the server
    /// accepts commands from us.
    pub fn open(target: &Target) -> Result<Connection, RedisError> {
        let transport = match (&target.url.address, &target.tls) {
            (Address::Unix(path), _) => Transport::unix(path)?,
            (Address::Tcp { host, port }, None) => Transport::tcp(host, *port, target.timeout)?,
            (Address::Tcp { host, port }, Some(cfg)) => {
                Transport::tls(host, *port, &target.tls_name, cfg.clone(), target.timeout)?
            }
        };
        transport.set_timeouts(target.timeout, target.timeout);
        let mut conn = Connection {
            transport,
            buf: Vec::new(),
            limits: Limits::default(),
            timeout: target.timeout,
        };
        conn.log_in(&target.url, &target.client_name)?;
        Ok(conn)
    }

    fn log_in(&mut self, url: &RedisUrl, name: &str) -> Result<(), RedisError> {
        if let Some(pass) = &url.password {
            let reply = match &url.username {
                Some(user) => self.call(&[b"AUTH", user.as_bytes(), pass.as_bytes()]),
                None => self.call(&[b"AUTH", pass.as_bytes()]),
            };
            if let Err(e) = reply {
                return Err(if e.kind == ErrorKind::Server {
                    RedisError::new(ErrorKind::Auth, format!("login refused: {}", e.message))
                } else {
                    e
                });
            }
        }
        if url.db != 0 {
            self.call(&[b"SELECT", url.db.to_string().as_bytes()])?;
        }
        // Not every server or ACL allows naming the connection; that is not an error.
        let _ = self.call(&[b"CLIENT", b"SETNAME", name.as_bytes()]);
        match self.call(&[b"PING"]) {
            Err(e) if e.message.contains("NOAUTH") || e.message.contains("NOPERM") => Err(
                RedisError::new(ErrorKind::Auth, format!("not allowed in: {}", e.message)),
            ),
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }

    pub fn raw_fd(&self) -> RawFd {
        self.transport.raw_fd()
    }

    /// Sets how long one read may wait (the subscriber shortens it once poll said "readable").
    pub fn set_read_timeout(&self, read: Duration) {
        self.transport.set_timeouts(read, self.timeout);
    }

    /// Sends `args` as one command without waiting for the reply.
    pub fn send(&mut self, args: &[&[u8]]) -> Result<(), RedisError> {
        let mut out = Vec::new();
        resp::encode(args, &mut out);
        self.transport.write_all(&out)
    }

    /// One command and its reply. A refused command is `Err` with kind `Server`.
    pub fn call(&mut self, args: &[&[u8]]) -> Result<Value, RedisError> {
        self.send(args)?;
        match self.read_reply()? {
            Value::Error(e) => Err(RedisError::new(
                ErrorKind::Server,
                untrusted(e.as_bytes(), 200),
            )),
            v => Ok(v),
        }
    }

    /// Several commands in one round trip; each reply in order, refusals included as
    /// `Value::Error`.
    pub fn pipeline(&mut self, commands: &[Vec<Vec<u8>>]) -> Result<Vec<Value>, RedisError> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for c in commands {
            let args: Vec<&[u8]> = c.iter().map(Vec::as_slice).collect();
            resp::encode(&args, &mut out);
        }
        self.transport.write_all(&out)?;
        let deadline = Instant::now() + self.timeout;
        let mut replies = Vec::with_capacity(commands.len());
        for _ in commands {
            replies.push(self.read_reply_until(deadline)?);
        }
        Ok(replies)
    }

    /// The next complete reply, waiting at most the connection's timeout.
    pub fn read_reply(&mut self) -> Result<Value, RedisError> {
        self.read_reply_until(Instant::now() + self.timeout)
    }

    fn read_reply_until(&mut self, deadline: Instant) -> Result<Value, RedisError> {
        loop {
            if let Some(v) = self.take_buffered()? {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                return Err(RedisError::new(ErrorKind::Timeout, "reply: timed out"));
            }
            self.fill()?;
        }
    }

    /// A complete reply already received, if any.
    pub fn take_buffered(&mut self) -> Result<Option<Value>, RedisError> {
        match resp::parse(&self.buf, &self.limits) {
            Ok(Some((v, used))) => {
                self.buf.drain(..used);
                Ok(Some(v))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(RedisError::new(ErrorKind::Protocol, e.0)),
        }
    }

    /// Reads once from the server (up to the read timeout).
    pub fn fill(&mut self) -> Result<(), RedisError> {
        let room = MAX_BUFFER.saturating_sub(self.buf.len());
        if room == 0 {
            return Err(RedisError::new(
                ErrorKind::Protocol,
                format!("more than {MAX_BUFFER} bytes of unfinished reply"),
            ));
        }
        match self.transport.read_some(&mut self.buf, room)? {
            0 => Err(RedisError::new(
                ErrorKind::Io,
                "the server closed the connection",
            )),
            _ => Ok(()),
        }
    }
}

/// Commands are built as owned byte vectors so that a pipeline can be assembled first and
/// sent at once: `cmd(["HSET", key, field, value])`.
pub fn cmd<I, A>(args: I) -> Vec<Vec<u8>>
where
    I: IntoIterator<Item = A>,
    A: AsRef<[u8]>,
{
    args.into_iter().map(|a| a.as_ref().to_vec()).collect()
}
