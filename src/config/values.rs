//! Parsers for the kinds of value secast.conf holds, and how a kept value is named in a
//! warning. Each parser's error is the "expected …" half of the admin's message.

use std::time::Duration;

use ipnet::IpNet;

pub fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "y" | "t" => Ok(true),
        "no" | "false" | "off" | "0" | "n" | "f" => Ok(false),
        _ => Err("yes or no".to_owned()),
    }
}

pub fn parse_count(v: &str, min: usize, max: usize) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("a whole number from {min} to {max}")),
    }
}

pub fn parse_u32(v: &str, min: u32, max: u32) -> Result<u32, String> {
    match v.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("a whole number from {min} to {max}")),
    }
}

/// A duration from 1 second to [`crate::util::duration::MAX`]: a longer one is refused here
/// rather than overflowing later (milliseconds in an i64, the half-life times 8).
pub fn parse_u8(v: &str, min: u8, max: u8) -> Result<u8, String> {
    match v.parse::<u8>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("a whole number from {min} to {max}")),
    }
}

pub fn parse_duration(v: &str) -> Result<Duration, String> {
    match crate::util::duration::parse(v) {
        Some(d) if d >= Duration::from_secs(1) => Ok(d),
        _ => Err(format!(
            "a duration such as 30s, 10m, 1h, 1d or 1w, from 1s to {}",
            crate::util::duration::format(crate::util::duration::MAX)
        )),
    }
}

pub fn parse_net(v: &str) -> Result<IpNet, String> {
    crate::util::net::parse_net(v)
        .ok_or_else(|| "an address or network such as 192.0.2.0/24".to_owned())
}

pub fn parse_path(v: &str) -> Result<String, String> {
    if v.is_empty() || v.starts_with('/') {
        Ok(v.to_owned())
    } else {
        Err("an absolute directory path".to_owned())
    }
}

/// `allow` or `deny`, as a policy default: true for allow.
pub fn parse_allow_deny(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "allow" => Ok(true),
        "deny" => Ok(false),
        _ => Err("allow or deny".to_owned()),
    }
}

/// How a kept value is named in a warning ("keeping 2048").
pub trait ShowValue {
    fn show(&self) -> String;
}

impl ShowValue for usize {
    fn show(&self) -> String {
        self.to_string()
    }
}
impl ShowValue for u8 {
    fn show(&self) -> String {
        self.to_string()
    }
}
impl ShowValue for u32 {
    fn show(&self) -> String {
        self.to_string()
    }
}
impl ShowValue for bool {
    fn show(&self) -> String {
        (if *self { "yes" } else { "no" }).to_owned()
    }
}
impl ShowValue for Duration {
    fn show(&self) -> String {
        crate::util::duration::format(*self)
    }
}
impl ShowValue for String {
    fn show(&self) -> String {
        format!("'{}'", crate::util::escape::for_log(self))
    }
}

/// Config enums are named in warnings as they are written in the file: their `Display`.
macro_rules! show_as_written {
    ($($t:ty),+ $(,)?) => {
        $(impl $crate::config::values::ShowValue for $t {
            fn show(&self) -> String {
                self.to_string()
            }
        })+
    };
}
pub(crate) use show_as_written;
