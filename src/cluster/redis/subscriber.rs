//! A connection in subscribe mode (RESP2 allows nothing else on it but PING and more
//! SUBSCRIBEs), read only when `poll` says bytes arrived.
//!
//! A hung server looks exactly like an idle one to a subscriber, so the owner sends a PING
//! now and then and treats a missing PONG as a dead link ([`Subscriber::pong_overdue`]).

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use super::connection::{Connection, Target};
use super::error::{ErrorKind, RedisError};
use super::resp::Value;

/// What arrived on the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Message {
        channel: Vec<u8>,
        payload: Vec<u8>,
    },
    Pong,
    /// A (re)subscription confirmed, or anything else the protocol allows here.
    Other,
}

pub struct Subscriber {
    conn: Connection,
    ping_sent: Option<Instant>,
}

/// How long one read may block once poll said the socket is readable: only a TLS record still
/// in transit can make it wait.
const READ_SLICE: Duration = Duration::from_millis(200);

impl Subscriber {
    /// Opens a connection and subscribes to `channel`; returns once Redis confirmed.
    pub fn open(target: &Target, channel: &str) -> Result<Subscriber, RedisError> {
        let mut conn = Connection::open(target)?;
        conn.send(&[b"SUBSCRIBE", channel.as_bytes()])?;
        match conn.read_reply()? {
            Value::Array(items) if items.first().and_then(Value::as_text) == Some("subscribe") => {}
            Value::Error(e) => {
                return Err(RedisError::new(
                    ErrorKind::Auth,
                    format!(
                        "SUBSCRIBE refused: {}",
                        crate::util::escape::untrusted(e.as_bytes(), 200)
                    ),
                ));
            }
            other => {
                return Err(RedisError::new(
                    ErrorKind::Protocol,
                    format!("unexpected answer to SUBSCRIBE: {other:?}"),
                ));
            }
        }
        conn.set_read_timeout(READ_SLICE);
        Ok(Subscriber {
            conn,
            ping_sent: None,
        })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.conn.raw_fd()
    }

    /// Sends a PING unless one is already waiting for its PONG.
    pub fn ping(&mut self) -> Result<(), RedisError> {
        if self.ping_sent.is_none() {
            self.conn.send(&[b"PING"])?;
            self.ping_sent = Some(Instant::now());
        }
        Ok(())
    }

    /// True when a PING has gone unanswered for longer than `limit`: the server is hung or
    /// the path to it is broken.
    pub fn pong_overdue(&self, limit: Duration) -> bool {
        self.ping_sent.is_some_and(|t| t.elapsed() > limit)
    }

    /// Reads what arrived (call after poll reported the socket readable) and returns every
    /// complete delivery.
    pub fn receive(&mut self) -> Result<Vec<Delivery>, RedisError> {
        self.conn.fill()?;
        let mut out = Vec::new();
        while let Some(v) = self.conn.take_buffered()? {
            out.push(self.classify(v));
        }
        Ok(out)
    }

    fn classify(&mut self, v: Value) -> Delivery {
        let Value::Array(mut items) = v else {
            return Delivery::Other;
        };
        let kind = items.first().and_then(Value::as_text).unwrap_or("");
        if kind.eq_ignore_ascii_case("pong") {
            self.ping_sent = None;
            return Delivery::Pong;
        }
        if kind == "message" && items.len() == 3 {
            let payload = items.pop();
            let channel = items.pop();
            if let (Some(Value::Bulk(channel)), Some(Value::Bulk(payload))) = (channel, payload) {
                return Delivery::Message { channel, payload };
            }
        }
        Delivery::Other
    }
}
