//! Where Redis is and how to log in, as an admin writes it:
//!
//! - `redis://[user[:password]@]host[:port][/db]`, plain TCP (port 6379 by default);
//! - `rediss://…`, the same over TLS;
//! - `unix:///path/to/redis.sock[?user=…&pass=…&db=…]`, a local socket.
//!
//! User and password are percent-decoded (`%40` for `@`), so any password can be written.
//! The host may be a name, an IPv4 address or a bracketed IPv6 address (`[2001:db8::1]`).

use std::fmt;
use std::path::PathBuf;

use crate::util::escape::for_log;

pub const DEFAULT_PORT: u16 = 6379;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    pub address: Address,
    pub tls: bool,
    /// An ACL user; None logs in as `default` (password only, or no AUTH at all).
    pub username: Option<String>,
    pub password: Option<String>,
    pub db: u32,
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` sequences decoded; the result must be UTF-8 without control characters.
fn percent_decode(text: &str, what: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let pair = bytes
                .get(i + 1)
                .and_then(|h| hex(*h))
                .zip(bytes.get(i + 2).and_then(|l| hex(*l)));
            let Some((h, l)) = pair else {
                return Err(format!("bad %-escape in the {what}"));
            };
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).map_err(|_| format!("the {what} is not UTF-8"))?;
    if s.chars().any(char::is_control) {
        return Err(format!("the {what} holds control characters"));
    }
    Ok(s)
}

fn parse_db(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|n| *n <= 65_535)
        .ok_or_else(|| format!("database '{}' is not a number", for_log(text)))
}

fn parse_host_port(text: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 host needs its closing ']'".to_owned())?;
        if inside.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("'{}' is not an IPv6 address", for_log(inside)));
        }
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| "expected ':port' after the IPv6 address".to_owned())?,
            ),
        };
        (inside.to_owned(), port)
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (text.to_owned(), None),
        }
    };
    if host.is_empty() {
        return Err("no host".to_owned());
    }
    let valid_name = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    if !valid_name || host.len() > 253 {
        return Err(format!(
            "'{}' is not a host name or address",
            for_log(&host)
        ));
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("port '{}' is not 1 to 65535", for_log(p)))?,
    };
    Ok((host, port))
}

impl RedisUrl {
    pub fn parse(text: &str) -> Result<RedisUrl, String> {
        let text = text.trim();
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| "expected redis://, rediss:// or unix://".to_owned())?;
        match scheme.to_ascii_lowercase().as_str() {
            "redis" => Self::parse_tcp(rest, false),
            "rediss" => Self::parse_tcp(rest, true),
            "unix" => Self::parse_unix(rest),
            other => Err(format!(
                "unknown scheme '{}' (redis, rediss or unix)",
                for_log(other)
            )),
        }
    }

    fn parse_tcp(rest: &str, tls: bool) -> Result<RedisUrl, String> {
        if rest.contains(['?', '#']) {
            return Err("redis:// URLs take no query or fragment".to_owned());
        }
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pass) = match u.split_once(':') {
                    Some((user, pass)) => (user, Some(pass)),
                    None => (u, None),
                };
                let user = Some(percent_decode(user, "user name")?).filter(|s| !s.is_empty());
                let pass = pass
                    .map(|p| percent_decode(p, "password"))
                    .transpose()?
                    .filter(|s| !s.is_empty());
                // `redis://secret@host` is a password by convention (no ACL user).
                match (user, pass) {
                    (Some(user), None) => (None, Some(user)),
                    (user, pass) => (user, pass),
                }
            }
        };
        let (host, port) = parse_host_port(hostport)?;
        let db = match path.trim_end_matches('/') {
            "" => 0,
            p => parse_db(p)?,
        };
        Ok(RedisUrl {
            address: Address::Tcp { host, port },
            tls,
            username,
            password,
            db,
        })
    }

    fn parse_unix(rest: &str) -> Result<RedisUrl, String> {
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let path = percent_decode(path, "socket path")?;
        if !path.starts_with('/') {
            return Err("unix:// needs an absolute path: unix:///path/redis.sock".to_owned());
        }
        let mut url = RedisUrl {
            address: Address::Unix(PathBuf::from(path)),
            tls: false,
            username: None,
            password: None,
            db: 0,
        };
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "user" => url.username = Some(percent_decode(value, "user name")?),
                "pass" | "password" => url.password = Some(percent_decode(value, "password")?),
                "db" => url.db = parse_db(value)?,
                other => {
                    return Err(format!(
                        "unknown parameter '{}' (user, pass or db)",
                        for_log(other)
                    ));
                }
            }
        }
        url.username = url.username.filter(|s| !s.is_empty());
        url.password = url.password.filter(|s| !s.is_empty());
        Ok(url)
    }

    /// The URL as it may be shown: the password replaced by `***`.
    pub fn redacted(&self) -> String {
        let who = match (&self.username, &self.password) {
            (Some(u), Some(_)) => format!("{}:***@", for_log(u)),
            (Some(u), None) => format!("{}@", for_log(u)),
            (None, Some(_)) => ":***@".to_owned(),
            (None, None) => String::new(),
        };
        match &self.address {
            Address::Tcp { host, port } => {
                let scheme = if self.tls { "rediss" } else { "redis" };
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                format!("{scheme}://{who}{host}:{port}/{}", self.db)
            }
            Address::Unix(path) => format!(
                "unix://{}{}",
                for_log(&path.to_string_lossy()),
                match (&self.username, &self.password) {
                    (None, None) => format!("?db={}", self.db),
                    _ => format!(
                        "?{}db={} (credentials hidden)",
                        self.username
                            .as_deref()
                            .map(|u| format!("user={}&", for_log(u)))
                            .unwrap_or_default(),
                        self.db
                    ),
                }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_url_with_acl_user_password_and_database() {
        let u = RedisUrl::parse("redis://secast:p%40ss%3Aw@198.51.100.1:6380/2").unwrap();
        assert_eq!(
            u.address,
            Address::Tcp {
                host: "198.51.100.1".into(),
                port: 6380
            }
        );
        assert_eq!(u.username.as_deref(), Some("secast"));
        assert_eq!(u.password.as_deref(), Some("p@ss:w"));
        assert_eq!(u.db, 2);
        assert!(!u.tls);
        assert!(!format!("{u:?}").contains("p@ss"));
    }

    #[test]
    fn password_only_forms_and_defaults() {
        let u = RedisUrl::parse("redis://:secret@redis.example").unwrap();
        assert_eq!((u.username, u.password.as_deref()), (None, Some("secret")));
        let u = RedisUrl::parse("rediss://secret@[2001:db8::1]").unwrap();
        assert!(u.tls);
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(
            u.address,
            Address::Tcp {
                host: "2001:db8::1".into(),
                port: DEFAULT_PORT
            }
        );
        let u = RedisUrl::parse("redis://198.51.100.1").unwrap();
        assert_eq!((u.username, u.password, u.db), (None, None, 0));
    }

    #[test]
    fn unix_socket_with_query_credentials() {
        let u =
            RedisUrl::parse("unix:///srv/redis/redis.sock?user=secast&pass=a%26b&db=3").unwrap();
        assert_eq!(u.address, Address::Unix("/srv/redis/redis.sock".into()));
        assert_eq!(u.username.as_deref(), Some("secast"));
        assert_eq!(u.password.as_deref(), Some("a&b"));
        assert_eq!(u.db, 3);
        assert!(!u.redacted().contains("a&b"));
    }

    #[test]
    fn malformed_urls_say_what_is_wrong() {
        for (bad, says) in [
            ("http://x", "unknown scheme"),
            ("198.51.100.1:6379", "expected redis://"),
            ("redis://host:0", "port"),
            ("redis://host:99999", "port"),
            ("redis://host/x", "database"),
            ("redis://[2001:db8::1:6379", "closing"),
            ("redis://ho st", "not a host"),
            ("redis://u:p%zz@host", "%-escape"),
            ("redis://u:p%0a@host", "control"),
            ("unix://relative.sock", "absolute"),
            ("unix:///s.sock?color=red", "unknown parameter"),
            ("redis://host?db=1", "no query"),
        ] {
            let err = RedisUrl::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
