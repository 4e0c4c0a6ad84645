//! `secast show ip <ip>`: a source's risk, why, its ban and history, its recent events.

use std::fmt::Write;
use std::net::IpAddr;

use super::ban_time::remaining;
use crate::util::time::format_utc;
use crate::worker::Shared;

pub fn ip_text(shared: &Shared, ip: IpAddr) -> String {
    let ip = crate::util::net::canonical_ip(ip);
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
