//! One connected session with Redis: a command connection and a subscriber, opened together
//! and dropped together at the first error that breaks either.

use super::super::redis::{Connection, Delivery, ErrorKind, RedisError, Subscriber, Target, Value};

/// Replies asked for per SCAN/HSCAN round trip.
const SCAN_COUNT: &str = "500";

pub(super) struct Session {
    pub cmd: Connection,
    pub sub: Subscriber,
}

impl Session {
    /// Command connection first (so a wrong password is reported once), then the subscription.
    pub fn open(target: &Target, channel: &str) -> Result<Session, RedisError> {
        let cmd = Connection::open(target)?;
        let sub = Subscriber::open(target, channel)?;
        Ok(Session { cmd, sub })
    }

    pub fn receive(&mut self) -> Result<Vec<Delivery>, RedisError> {
        self.sub.receive()
    }

    /// Runs commands in one round trip. A refused command is returned in `refused` (the
    /// session stays usable); anything else that fails breaks the session.
    pub fn pipeline(&mut self, commands: &[Vec<Vec<u8>>]) -> Result<Refusals, RedisError> {
        let replies = self.cmd.pipeline(commands)?;
        let refused = replies
            .iter()
            .filter_map(|r| match r {
                Value::Error(e) => Some(crate::util::escape::untrusted(e.as_bytes(), 200)),
                _ => None,
            })
            .collect();
        Ok(Refusals(refused))
    }

    /// Every key matching `pattern`, at most `max` (a bound on what a flooded Redis can make
    /// us read).
    pub fn scan_keys(&mut self, pattern: &str, max: usize) -> Result<Vec<Vec<u8>>, RedisError> {
        let mut keys = Vec::new();
        let mut cursor = b"0".to_vec();
        // SCAN may return empty pages; bound the walk as well as the result.
        for _ in 0..(max / 10 + 10_000) {
            let reply = self.cmd.call(&[
                b"SCAN",
                &cursor,
                b"MATCH",
                pattern.as_bytes(),
                b"COUNT",
                SCAN_COUNT.as_bytes(),
            ])?;
            let (next, page) = page_of(reply)?;
            for k in page {
                if let Some(b) = k.as_bytes()
                    && keys.len() < max
                {
                    keys.push(b.to_vec());
                }
            }
            if next == b"0" || keys.len() >= max {
                return Ok(keys);
            }
            cursor = next;
        }
        Ok(keys)
    }

    /// Every (field, value) of the hash `key`, at most `max`.
    pub fn hash_entries(&mut self, key: &str, max: usize) -> Result<Vec<HashEntry>, RedisError> {
        let mut out = Vec::new();
        let mut cursor = b"0".to_vec();
        for _ in 0..(max / 10 + 10_000) {
            let reply = self.cmd.call(&[
                b"HSCAN",
                key.as_bytes(),
                &cursor,
                b"COUNT",
                SCAN_COUNT.as_bytes(),
            ])?;
            let (next, page) = page_of(reply)?;
            let mut items = page.into_iter();
            while let (Some(f), Some(v)) = (items.next(), items.next()) {
                if let (Some(f), Some(v)) = (f.as_bytes(), v.as_bytes())
                    && out.len() < max
                {
                    out.push((f.to_vec(), v.to_vec()));
                }
            }
            if next == b"0" || out.len() >= max {
                return Ok(out);
            }
            cursor = next;
        }
        Ok(out)
    }

    /// The values of `keys` (None for keys gone meanwhile), 500 per round trip.
    pub fn values(&mut self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, RedisError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(500) {
            let mut args: Vec<&[u8]> = vec![b"MGET"];
            args.extend(chunk.iter().map(Vec::as_slice));
            match self.cmd.call(&args)? {
                Value::Array(items) if items.len() == chunk.len() => {
                    out.extend(items.into_iter().map(|v| match v {
                        Value::Bulk(b) => Some(b),
                        _ => None,
                    }));
                }
                other => {
                    return Err(RedisError::new(
                        ErrorKind::Protocol,
                        format!("unexpected MGET reply: {}", short(&other)),
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// One (field, value) of a hash.
pub(super) type HashEntry = (Vec<u8>, Vec<u8>);

/// Commands Redis refused (NOPERM, WRONGTYPE…), escaped for the log.
pub(super) struct Refusals(pub Vec<String>);

fn short(v: &Value) -> String {
    let text = format!("{v:?}");
    crate::util::escape::untrusted(text.as_bytes(), 80)
}

/// `[cursor, [items…]]`, the reply of SCAN and HSCAN.
fn page_of(reply: Value) -> Result<(Vec<u8>, Vec<Value>), RedisError> {
    if let Value::Array(mut parts) = reply
        && parts.len() == 2
        && let (Some(Value::Array(items)), Some(cursor)) = (parts.pop(), parts.pop())
        && let Some(c) = cursor.as_bytes()
    {
        return Ok((c.to_vec(), items));
    }
    Err(RedisError::new(
        ErrorKind::Protocol,
        "unexpected SCAN reply".to_owned(),
    ))
}
