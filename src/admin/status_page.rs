//! `secast show status`: what res_secast received, decided and enforced.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::version::VERSION;
use crate::intake::EventKind;
use crate::sensor::SensorState;
use crate::util::lock::LockExt;
use crate::worker::Shared;

fn uptime_text(d: Duration) -> String {
    let s = d.as_secs();
    format!(
        "{}d {:02}:{:02}:{:02}",
        s / 86_400,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

fn micros(ns: Option<u64>) -> String {
    match ns {
        Some(ns) => format!("{:.1}", ns as f64 / 1000.0),
        None => "-".to_owned(),
    }
}

/// The PJSIP sensor: whether it runs, what it saw and dropped, notes lost.
fn sensor_section(shared: &Shared) -> String {
    let sensor = shared.sensor();
    let t = sensor.counters.totals();
    let mut out = String::new();
    let state = match sensor.state() {
        SensorState::On {
            pj_version,
            priority,
        } => format!(
            "on (pjproject {}, service priority {priority})",
            crate::util::escape::for_log(&pj_version)
        ),
        SensorState::Off { why } => format!("off ({})", crate::util::escape::for_log(&why)),
    };
    let judging = if sensor.judging() {
        ""
    } else {
        ", judging nothing: [sensor] enabled = no"
    };
    let _ = writeln!(out, "PJSIP sensor: {state}{judging}");
    let _ = writeln!(out, "Sensor requests seen: {}", t.seen);
    let _ = writeln!(
        out,
        "Sensor dropped: {} (banned {} scanner {} flood {} first-contact {} in-flight {})",
        t.dropped(),
        t.dropped_banned,
        t.dropped_scanner,
        t.dropped_flood,
        t.dropped_first_contact,
        t.dropped_in_flight
    );
    let _ = writeln!(
        out,
        "Sensor spared (protected): {} notes queued {} notes lost (queue full) {}",
        t.spared, t.notes_sent, t.notes_lost
    );
    out
}

/// The status report. Lines of the form `name: value` and the per-source lines are parsed by
/// the end-to-end tests, so change them together.
pub fn status_text(shared: &Shared) -> String {
    let cfg = shared.config();
    let ing = &shared.ingress;
    // From the published view: never waits for the engine, even while it sweeps.
    let mut decisions = String::new();
    {
        let c = &shared.published().counters;
        let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            decisions,
            "Bans in force: {} (max_bans {})",
            n(&c.bans_in_force),
            cfg.general.max_bans
        );
        let _ = writeln!(
            decisions,
            "Decisions: bans {} alerts {} spared-by-whitelist {} events-from-banned {}",
            n(&c.bans),
            n(&c.alerts),
            n(&c.spared),
            n(&c.events_from_banned)
        );
        let _ = writeln!(
            decisions,
            "Bans refused at max_bans: {}",
            n(&c.refused_at_cap)
        );
        let _ = writeln!(decisions, "Alerts suppressed: {}", n(&c.alerts_suppressed));
        let _ = writeln!(
            decisions,
            "Bans lifted as protected: {} (from the ledger: {})",
            n(&c.lifted_protected),
            n(&c.refused_restored)
        );
        let _ = writeln!(
            decisions,
            "Tracked IPs: {} (evicted {})",
            n(&c.tracked_ips),
            n(&c.evicted_ips)
        );
    }
    if let Some(e) = &shared.enforcement {
        let backend = e.backend.locked().clone();
        let _ = writeln!(
            decisions,
            "Firewall: {} applied {} errors {} pending {} repairs {} rejected {}",
            if backend.is_empty() { "none" } else { &backend },
            e.bans_applied.load(Ordering::Relaxed),
            e.firewall_errors.load(Ordering::Relaxed),
            e.pending_ops.load(Ordering::Relaxed),
            e.repairs.load(Ordering::Relaxed),
            e.rejected.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            decisions,
            "Ban latency decision to kernel (us): p50 {} p99 {}",
            micros(e.decision_to_kernel.quantile_ns(0.5)),
            micros(e.decision_to_kernel.quantile_ns(0.99))
        );
        if let Some(err) = e.last_error.locked().as_deref() {
            let _ = writeln!(decisions, "Last enforcement error: {err}");
        }
    }
    let stats = shared.event_counters();
    let mut out = String::new();
    let _ = writeln!(out, "res_secast {VERSION}");
    let _ = writeln!(out, "Uptime: {}", uptime_text(shared.uptime()));
    let _ = writeln!(
        out,
        "Events received: {}",
        ing.submitted.load(Ordering::Relaxed)
    );
    let _ = writeln!(out, "Events processed: {}", stats.processed);
    let _ = writeln!(
        out,
        "Events dropped: {}",
        ing.dropped.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "Events malformed: {}",
        stats.malformed + ing.unreadable.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "Queue depth: {} of {}",
        shared.queue_depth(),
        shared.queue_capacity
    );
    let _ = writeln!(
        out,
        "Callback cost (us): p50 {} p99 {}",
        micros(ing.callback_cost.quantile_ns(0.5)),
        micros(ing.callback_cost.quantile_ns(0.99))
    );
    let _ = writeln!(
        out,
        "Latency callback to processed (us): p50 {} p99 {}",
        micros(stats.latency.quantile_ns(0.5)),
        micros(stats.latency.quantile_ns(0.99))
    );

    out.push_str(&decisions);
    out.push_str(&sensor_section(shared));
    let _ = writeln!(out, "\nEvents by type:");
    for kind in EventKind::ALL {
        let n = stats.by_kind[kind.index()];
        if n > 0 {
            let _ = writeln!(out, "  {:<26} {n}", kind.name());
        }
    }
    let _ = writeln!(out, "\nEvents by service:");
    for (service, n) in stats.services() {
        let _ = writeln!(out, "  {:<26} {n}", crate::util::escape::for_log(service));
    }

    let _ = writeln!(
        out,
        "\nTop sources ({} tracked, {} events untracked, {} swept):",
        stats.tracked_sources(),
        stats.untracked_source_events,
        stats.swept_sources
    );
    for (ip, src) in stats.top_sources(cfg.general.status_top_sources) {
        let (accounts, capped) = src.distinct_accounts();
        let _ = write!(
            out,
            "  {:<40} events={} accounts={}{}",
            ip.to_string(),
            src.events,
            accounts,
            if capped { "+" } else { "" }
        );
        for kind in EventKind::ALL {
            let n = src.by_kind[kind.index()];
            if n > 0 {
                let _ = write!(out, " {}={n}", kind.name());
            }
        }
        out.push('\n');
    }
    out
}
