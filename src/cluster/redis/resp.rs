//! RESP2, the Redis wire protocol: commands as arrays of bulk strings out, typed replies in.
//!
//! The parser works on whatever has arrived so far and says "incomplete" until a whole reply
//! is there. Every length a server announces is checked against [`Limits`] before anything is
//! allocated for it: a broken or hostile server cannot make us reserve gigabytes with one
//! `$999999999999` line, nor nest arrays until the stack runs out.

use std::fmt;

/// A reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `$-1` or `*-1`.
    Nil,
    Simple(String),
    /// `-ERR …`: the server refused the command.
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Array(Vec<Value>),
}

impl Value {
    /// The reply as text (simple or bulk string).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Simple(s) => Some(s),
            Value::Bulk(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Simple(s) => Some(s.as_bytes()),
            Value::Bulk(b) => Some(b),
            _ => None,
        }
    }
}

/// What the parser accepts from a server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest bulk string.
    pub max_bulk: usize,
    /// Most elements in one array (all levels together).
    pub max_elements: usize,
    /// Deepest nesting of arrays.
    pub max_depth: usize,
    /// Longest simple string, error or integer line.
    pub max_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk: 4 << 20,
            max_elements: 100_000,
            max_depth: 4,
            max_line: 64 << 10,
        }
    }
}

/// The server sent something that is not RESP2, or more than [`Limits`] allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Appends one command (an array of bulk strings) to `out`.
pub fn encode(args: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// One reply from the start of `buf`: `Ok(Some((value, bytes used)))`, `Ok(None)` when more
/// bytes are needed.
pub fn parse(buf: &[u8], limits: &Limits) -> Result<Option<(Value, usize)>, ProtocolError> {
    let mut budget = limits.max_elements;
    let mut p = Parser {
        buf,
        pos: 0,
        limits,
        budget: &mut budget,
    };
    match p.value(0)? {
        Some(v) => Ok(Some((v, p.pos))),
        None => Ok(None),
    }
}

struct Parser<'a, 'b> {
    buf: &'a [u8],
    pos: usize,
    limits: &'a Limits,
    budget: &'b mut usize,
}

impl Parser<'_, '_> {
    /// The line at the cursor without its CRLF, or None when it has not fully arrived.
    fn line(&mut self) -> Result<Option<&[u8]>, ProtocolError> {
        let rest = &self.buf[self.pos..];
        let window = &rest[..rest.len().min(self.limits.max_line + 2)];
        match window.windows(2).position(|w| w == b"\r\n") {
            Some(end) => {
                let line = &self.buf[self.pos..self.pos + end];
                self.pos += end + 2;
                Ok(Some(line))
            }
            None if rest.len() > self.limits.max_line + 1 => Err(ProtocolError(format!(
                "reply line longer than {} bytes",
                self.limits.max_line
            ))),
            None => Ok(None),
        }
    }

    fn number(line: &[u8]) -> Result<i64, ProtocolError> {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| {
                ProtocolError(format!(
                    "bad number '{}'",
                    crate::util::escape::untrusted(line, 32)
                ))
            })
    }

    fn text(line: &[u8]) -> String {
        String::from_utf8_lossy(line).into_owned()
    }

    fn value(&mut self, depth: usize) -> Result<Option<Value>, ProtocolError> {
        let Some(&kind) = self.buf.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        let Some(line) = self.line()? else {
            return Ok(None);
        };
        match kind {
            b'+' => Ok(Some(Value::Simple(Self::text(line)))),
            b'-' => Ok(Some(Value::Error(Self::text(line)))),
            b':' => Ok(Some(Value::Int(Self::number(line)?))),
            b'$' => {
                let n = Self::number(line)?;
                if n == -1 {
                    return Ok(Some(Value::Nil));
                }
                let n = usize::try_from(n)
                    .ok()
                    .filter(|n| *n <= self.limits.max_bulk)
                    .ok_or_else(|| {
                        ProtocolError(format!(
                            "bulk string of {n} bytes (limit {})",
                            self.limits.max_bulk
                        ))
                    })?;
                if self.buf.len() < self.pos + n + 2 {
                    return Ok(None);
                }
                let data = self.buf[self.pos..self.pos + n].to_vec();
                if &self.buf[self.pos + n..self.pos + n + 2] != b"\r\n" {
                    return Err(ProtocolError("bulk string not ended by CRLF".to_owned()));
                }
                self.pos += n + 2;
                Ok(Some(Value::Bulk(data)))
            }
            b'*' => {
                let n = Self::number(line)?;
                if n == -1 {
                    return Ok(Some(Value::Nil));
                }
                if depth + 1 > self.limits.max_depth {
                    return Err(ProtocolError(format!(
                        "arrays nested deeper than {}",
                        self.limits.max_depth
                    )));
                }
                let n = usize::try_from(n)
                    .ok()
                    .filter(|n| *n <= *self.budget)
                    .ok_or_else(|| {
                        ProtocolError(format!(
                            "array of {n} elements (limit {})",
                            self.limits.max_elements
                        ))
                    })?;
                *self.budget -= n;
                // Grow as elements arrive: the announced count is only a claim.
                let mut items = Vec::with_capacity(n.min(64));
                for _ in 0..n {
                    match self.value(depth + 1)? {
                        Some(v) => items.push(v),
                        None => return Ok(None),
                    }
                }
                Ok(Some(Value::Array(items)))
            }
            other => Err(ProtocolError(format!(
                "unknown reply type byte 0x{other:02x}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bytes: &[u8]) -> Result<Option<(Value, usize)>, ProtocolError> {
        parse(bytes, &Limits::default())
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        encode(&[b"SET", b"k", b"a b\r\n"], &mut out);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na b\r\n\r\n");
    }

    #[test]
    fn every_reply_type_parses_and_reports_its_length() {
        assert_eq!(
            one(b"+OK\r\nrest").unwrap(),
            Some((Value::Simple("OK".into()), 5))
        );
        assert_eq!(
            one(b"-NOAUTH Authentication required.\r\n")
                .unwrap()
                .unwrap()
                .0,
            Value::Error("NOAUTH Authentication required.".into())
        );
        assert_eq!(one(b":-42\r\n").unwrap().unwrap().0, Value::Int(-42));
        assert_eq!(one(b"$-1\r\n").unwrap().unwrap().0, Value::Nil);
        assert_eq!(
            one(b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n")
                .unwrap()
                .unwrap()
                .0,
            Value::Array(vec![
                Value::Bulk(b"message".to_vec()),
                Value::Bulk(b"ch".to_vec()),
                Value::Bulk(Vec::new()),
            ])
        );
    }

    #[test]
    fn a_partial_reply_asks_for_more_at_every_cut() {
        let whole = b"*2\r\n$5\r\nhello\r\n*1\r\n:7\r\n";
        for cut in 0..whole.len() {
            assert_eq!(one(&whole[..cut]).unwrap(), None, "cut at {cut}");
        }
        assert!(one(whole).unwrap().is_some());
    }

    #[test]
    fn announced_sizes_beyond_the_limits_are_refused_before_allocating() {
        let err = one(b"$999999999999\r\n").unwrap_err();
        assert!(err.0.contains("bulk string"), "{err}");
        let err = one(b"*99999999999\r\n").unwrap_err();
        assert!(err.0.contains("array of"), "{err}");
        let err = one(b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n").unwrap_err();
        assert!(err.0.contains("nested"), "{err}");
        let tight = Limits {
            max_elements: 3,
            ..Limits::default()
        };
        let err = parse(b"*2\r\n*2\r\n:1\r\n:2\r\n*2\r\n:3\r\n:4\r\n", &tight).unwrap_err();
        assert!(err.0.contains("array of"), "{err}");
        let err = one(&[b'+'; 70_000]).unwrap_err();
        assert!(err.0.contains("line longer"), "{err}");
    }

    #[test]
    fn garbage_is_a_protocol_error_not_a_panic() {
        for bad in [
            &b"?what\r\n"[..],
            b":12x\r\n",
            b"$3\r\nabcXY",
            b"$-7\r\n",
            b"*-3\r\n",
        ] {
            assert!(one(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
