//! `secast show ip <ip>`: a source's risk, why, its ban and history, its recent events.
//!
//! Risk, ban and protection come from the published view. The explanation, counters, history
//! and recent events live in the engine: it is asked for them only if its lock is free within
//! [`DETAIL_WAIT`] (the worker may be sweeping a large table); otherwise the page says so.

use std::fmt::Write;
use std::net::IpAddr;
use std::time::Duration;

use super::ban_time::remaining;
use crate::util::time::format_utc;
use crate::worker::Shared;

/// How long the CLI waits for the engine's details before answering without them.
pub const DETAIL_WAIT: Duration = Duration::from_millis(200);

pub fn ip_text(shared: &Shared, ip: IpAddr) -> String {
    let ip = crate::util::net::canonical_ip(ip);
    let now = shared.now();
    let report = shared
        .engine_within(DETAIL_WAIT)
        .map(|engine| engine.ip_report(ip, now, 10));
    let mut out = String::new();
    let _ = writeln!(out, "Address: {ip}");
    let _ = writeln!(out, "Risk: {}", shared.risk_of(ip));
    let protection = shared
        .published()
        .whitelist()
        .entries
        .iter()
        .find(|e| e.net.contains(&ip))
        .map(|e| e.why.clone());
    if let Some(p) = protection {
        let _ = writeln!(out, "Protected: yes ({p}); scored, never banned");
    }
    match shared.published().ban_covering(ip, now) {
        Some(b) => {
            let _ = writeln!(
                out,
                "Banned: {} ({}), offence {}",
                b.net,
                remaining(&b, now),
                b.offence
            );
        }
        None => {
            let _ = writeln!(out, "Banned: no");
        }
    }
    if let Some((n, last)) = shared.sensor().dropped_from(ip) {
        let _ = writeln!(
            out,
            "Dropped by the PJSIP sensor: {n} requests (last: {})",
            last.label()
        );
    }
    let Some(report) = report else {
        let _ = writeln!(
            out,
            "Details: not available now (the engine is busy, e.g. sweeping a large table); try again"
        );
        return out;
    };
    if let Some(net) = report.counted_as {
        let _ = writeln!(out, "Counted as: {net}");
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
