//! `secast show bans [<ip>|<cidr>]`.

use std::fmt::Write;
use std::time::Duration;

use ipnet::IpNet;

use super::ban_time::remaining;
use crate::decision::Ban;
use crate::util::duration;
use crate::util::time::format_utc;
use crate::worker::Shared;

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// One line per ban: `<net> <remaining> length=… offence=N rule=R since=… reason=…`; parsed by
/// tests.
pub fn bans_text(shared: &Shared, filter: Option<IpNet>) -> String {
    let now = shared.now();
    let engine = shared.engine();
    let mut bans: Vec<&Ban> = engine
        .bans()
        .iter()
        .filter(|b| filter.is_none_or(|f| overlaps(&f, &b.net)))
        .collect();
    bans.sort_by(|a, b| a.since.cmp(&b.since).then(a.net.cmp(&b.net)));
    let mut out = format!("{} bans in force\n", bans.len());
    for b in bans {
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
