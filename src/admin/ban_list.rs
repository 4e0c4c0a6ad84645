//! `secast show bans [<ip>|<cidr>]`.

use std::fmt::Write;
use std::time::Duration;

use ipnet::IpNet;

use super::ban_time::remaining;
use crate::util::duration;
use crate::util::net::overlaps;
use crate::util::time::format_utc;
use crate::worker::Shared;

/// One line per ban: `<net> <remaining> length=… offence=N rule=R since=… reason=…`; parsed by
/// tests. From the published view: never waits for the engine.
pub fn bans_text(shared: &Shared, filter: Option<IpNet>) -> String {
    let now = shared.now();
    let mut bans = shared.published().bans();
    bans.retain(|b| b.is_active(now) && filter.is_none_or(|f| overlaps(&f, &b.net)));
    bans.sort_by(|a, b| a.since.cmp(&b.since).then(a.net.cmp(&b.net)));
    let mut out = format!("{} bans in force\n", bans.len());
    for b in &bans {
        let length = b.until.map_or_else(
            || "permanent".to_owned(),
            |u| duration::format(Duration::from_secs(((u - b.since).max(0) / 1000) as u64)),
        );
        let _ = writeln!(
            out,
            "  {:<43} {:<14} length={length} offence={} rule={} since={} reason={}",
            b.net.to_string(),
            remaining(b, now),
            b.offence,
            b.origin.label(),
            format_utc(b.since),
            b.reason
        );
    }
    out
}
