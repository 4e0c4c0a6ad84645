//! What can go wrong talking to Redis, in words an admin can act on.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The configuration cannot work (bad URL, TLS not possible here, unreadable CA file).
    Config,
    /// Connecting, reading or writing failed; the connection is unusable.
    Io,
    /// No answer within the time allowed; the connection is unusable (a late reply may still
    /// be in flight).
    Timeout,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// The server spoke something that is not RESP2, or more than we accept.
    Protocol,
    /// Wrong user or password, or a command refused for lack of authentication.
    Auth,
    /// The server refused a command (`-ERR …`, `-NOPERM …`); the connection stays usable.
    Server,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisError {
    pub kind: ErrorKind,
    pub message: String,
}

impl RedisError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> RedisError {
        RedisError {
            kind,
            message: message.into(),
        }
    }

    /// After this error the connection must be dropped and opened again.
    pub fn breaks_connection(&self) -> bool {
        !matches!(self.kind, ErrorKind::Server)
    }

    pub fn from_io(what: &str, e: &std::io::Error) -> RedisError {
        use std::io::ErrorKind as K;
        let kind = match e.kind() {
            K::WouldBlock | K::TimedOut => ErrorKind::Timeout,
            K::InvalidData => ErrorKind::Tls,
            _ => ErrorKind::Io,
        };
        let text = match kind {
            ErrorKind::Timeout => "timed out".to_owned(),
            _ => e.to_string(),
        };
        RedisError::new(kind, format!("{what}: {text}"))
    }
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
