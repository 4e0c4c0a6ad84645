//! The text of `secast show bans`, `secast show ip` and `secast show accounts`.

use std::fmt::Write;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use crate::ban::Ban;
use crate::duration;
use crate::pipeline::Shared;
use crate::timestamp::format_utc;
use crate::window::Millis;

fn remaining(b: &Ban, now: Millis) -> String {
    match b.until {
        None => "permanent".to_owned(),
        Some(u) => {
            let secs = ((u - now).max(0) + 999) / 1000;
            format!(
                "{} left",
                duration::format_left(Duration::from_secs(secs as u64))
            )
        }
    }
}

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

pub fn ip_text(shared: &Shared, ip: IpAddr) -> String {
    let ip = crate::address::canonical_ip(ip);
    let now = shared.now();
    let report = shared.engine().ip_report(ip, now, 10);
    let mut out = String::new();
    let _ = writeln!(out, "Address: {ip}");
    let _ = writeln!(out, "Risk: {}", report.risk);
    if let Some(p) = report.protection {
        let _ = writeln!(out, "Protected: yes ({p}); scored, never banned");
    }
    if let Some(geo) = &report.geo {
        let _ = writeln!(out, "Location: {geo}");
    }
    if let Some(listed) = &report.listed {
        let _ = writeln!(out, "Blocklisted: {listed}");
    }
    let _ = writeln!(out, "Events: {}", report.events);
    if let Some(t) = report.last_seen {
        let _ = writeln!(out, "Last seen: {}", format_utc(t));
    }
    match &report.ban {
        Some(b) => {
            let _ = writeln!(
                out,
                "Banned: {} ({}), offence {}",
                b.net,
                remaining(b, now),
                b.offence
            );
        }
        None => {
            let _ = writeln!(out, "Banned: no");
        }
    }
    let _ = writeln!(out, "Why:");
    if report.explanation.is_empty() {
        let _ = writeln!(out, "  nothing against it");
    }
    for line in &report.explanation {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "Ban history ({} remembered):", report.offences.len());
    for t in &report.offences {
        let _ = writeln!(out, "  {}", format_utc(*t));
    }
    let _ = writeln!(out, "Recent events:");
    for e in &report.recent {
        let _ = writeln!(
            out,
            "  {} {} {} account=\"{}\"",
            format_utc(e.at),
            e.kind,
            e.service,
            e.account
        );
    }
    out
}

pub fn accounts_text(shared: &Shared) -> String {
    let now = shared.now();
    let accounts = shared.engine().accounts_report(now, 50);
    let mut out = format!("{} accounts with failures\n", accounts.len());
    for a in accounts {
        let _ = writeln!(
            out,
            "  {:<36} risk={} failures={} sources_in_window={} last_seen={} {}",
            a.account,
            a.risk,
            a.failures,
            a.sources_in_window,
            format_utc(a.last_seen),
            a.explanation.join(", ")
        );
    }
    out
}

/// `secast show geo`: the database, the rules in evaluation order with their hits, and how
/// often no rule decided.
pub fn geo_text(shared: &Shared) -> String {
    let lookups = shared.lookups();
    let mut out = String::new();
    match &lookups.geo_db {
        Some(db) => {
            let _ = writeln!(out, "Database: {}", db.describe());
        }
        None => {
            let _ = writeln!(
                out,
                "Database: none (geofencing is off; set [geo] database)"
            );
        }
    }
    let policy = &lookups.geo_policy;
    let _ = writeln!(out, "Policy:\n{}", policy.describe());
    let _ = writeln!(out, "Rule hits:");
    for (rule, hits) in policy.hits() {
        let _ = writeln!(out, "  {hits:>8}  {rule}");
    }
    let o = policy.outcomes();
    let _ = writeln!(
        out,
        "Without a rule: local {} unknown {} default-allowed {} default-denied {}",
        o.local, o.unknown, o.default_allowed, o.default_denied
    );
    let lists = lookups.blocklist.describe();
    let _ = writeln!(
        out,
        "Blocklists: {}",
        if lists.is_empty() { "none" } else { "" }
    );
    for (name, n) in lists {
        let _ = writeln!(out, "  {:<40} {n} entries", crate::escape::for_log(&name));
    }
    out
}

/// `secast show number <digits>`: which fraud or premium list a dialled number falls under.
pub fn number_text(shared: &Shared, dialled: &str) -> String {
    let lookups = shared.lookups();
    let shown = crate::escape::for_log(dialled);
    let Some(digits) = crate::fraud::normalise_number(dialled) else {
        return format!("{shown}: not a dialable number\n");
    };
    let mut out = match lookups.numbers.lookup_digits(&digits) {
        Some(hit) => format!(
            "{shown} ({digits}): {} number, prefix {} in list {}{}\n",
            hit.category,
            hit.prefix,
            crate::escape::for_log(&hit.list),
            hit.note
                .as_deref()
                .map(|n| format!(" ({})", crate::escape::for_log(n)))
                .unwrap_or_default()
        ),
        None => format!("{shown} ({digits}): on no list\n"),
    };
    if lookups.numbers.is_empty() {
        out.push_str("No number lists are configured ([fraud] numbers).\n");
    }
    out
}
