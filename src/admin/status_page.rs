//! `secast show status`: what res_secast received, decided and enforced.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::version::VERSION;
use crate::intake::EventKind;
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

/// The status report. Lines of the form `name: value` and the per-source lines are parsed by
/// the end-to-end tests, so change them together.
pub fn status_text(shared: &Shared) -> String {
    let cfg = shared.config();
    let ing = &shared.ingress;
    // The engine lock is taken and released before the stats lock: never hold both.
    let mut decisions = String::new();
    {
        let engine = shared.engine();
        let c = engine.counters;
        let _ = writeln!(decisions, "Bans in force: {}", engine.bans().len());
        let _ = writeln!(
            decisions,
            "Decisions: bans {} alerts {} spared-by-whitelist {} events-from-banned {}",
            c.bans, c.alerts, c.spared, c.events_from_banned
        );
        let _ = writeln!(decisions, "Tracked IPs: {}", engine.tracked_ips());
    }
    if let Some(e) = &shared.enforcement {
        let backend = e.backend.locked().clone();
        let _ = writeln!(
            decisions,
            "Firewall: {} applied {} errors {} pending {} repairs {}",
            if backend.is_empty() { "none" } else { &backend },
            e.bans_applied.load(Ordering::Relaxed),
            e.firewall_errors.load(Ordering::Relaxed),
            e.pending_ops.load(Ordering::Relaxed),
            e.repairs.load(Ordering::Relaxed)
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
        "\nTop sources ({} tracked, {} events untracked):",
        stats.tracked_sources(),
        stats.untracked_source_events
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
