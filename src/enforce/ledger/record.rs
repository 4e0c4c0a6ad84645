//! One line of the ledger: a ban, or the end of one, as text that survives a crash mid-write
//! (a torn line fails to parse and is skipped).

use ipnet::IpNet;

use crate::decision::{Ban, BanOrigin};
use crate::util::escape::for_log;
use crate::util::net::parse_net;
use crate::util::time::Millis;

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Ban(Ban),
    Unban { net: IpNet, at: Millis, why: String },
}

pub(super) fn format_ban(b: &Ban) -> String {
    let until = b.until.map_or_else(|| "-".to_owned(), |u| u.to_string());
    // The reason is already free of attacker text or escaped; escaping again keeps the line a
    // single line whatever it holds.
    format!(
        "B {} {} {} {} {} {}\n",
        b.since,
        b.net,
        until,
        for_log(&b.origin.label()),
        b.offence,
        crate::util::escape::untrusted(b.reason.as_bytes(), 400)
    )
}

fn parse_line(line: &str) -> Option<Record> {
    let mut parts = line.splitn(7, ' ');
    match parts.next()? {
        "B" => {
            let since = parts.next()?.parse().ok()?;
            let net = parse_net(parts.next()?)?;
            let until = match parts.next()? {
                "-" => None,
                u => Some(u.parse().ok()?),
            };
            let origin = BanOrigin::from_label(parts.next()?);
            let offence = parts.next()?.parse().ok()?;
            let reason = parts.next().unwrap_or("").to_owned();
            Some(Record::Ban(Ban {
                net,
                since,
                until,
                origin,
                offence,
                reason,
            }))
        }
        "U" => {
            let at = parts.next()?.parse().ok()?;
            let net = parse_net(parts.next()?)?;
            let why = parts.next()?.to_owned();
            Some(Record::Unban { net, at, why })
        }
        _ => None,
    }
}

impl Record {
    /// The record as one ledger line, newline included.
    pub fn to_line(&self) -> String {
        match self {
            Record::Ban(b) => format_ban(b),
            Record::Unban { net, at, why } => format!("U {at} {net} {}\n", for_log(why)),
        }
    }

    /// A line read back; None for a torn or foreign line.
    pub fn from_line(line: &str) -> Option<Record> {
        parse_line(line)
    }
}
