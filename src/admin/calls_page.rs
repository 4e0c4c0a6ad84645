//! `secast show calls [account]` and the call-guard part of `secast show number`: live
//! counters against their limits, restricted accounts, what the guard did.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use crate::calls::{AccountUse, CallGuard, Levels, Restriction};
use crate::util::escape::for_log;
use crate::util::time::format_utc;
use crate::worker::Shared;

/// Accounts listed by `secast show calls` without an account.
const LISTED_ACCOUNTS: usize = 20;

fn levels(l: &Levels) -> String {
    let show = |v: Option<u32>| v.map_or_else(|| "off".to_owned(), |n| n.to_string());
    match (l.warning, l.critical) {
        (None, None) => "off".to_owned(),
        (w, c) => format!("warning {}, critical {}", show(w), show(c)),
    }
}

fn until(r: &Restriction) -> String {
    r.until.map_or_else(
        || "until cleared".to_owned(),
        |u| format!("until {}", format_utc(u)),
    )
}

fn quantile_us(h: &crate::util::histogram::Histogram, q: f64) -> String {
    h.quantile_ns(q).map_or_else(
        || "-".to_owned(),
        |ns| format!("{:.1} µs", ns as f64 / 1000.0),
    )
}

fn account_lines(out: &mut String, a: &AccountUse) {
    let _ = writeln!(
        out,
        "  {}  live {}  calls {}  denied {}",
        a.account, a.live, a.calls, a.denied
    );
    for r in &a.rules {
        let _ = writeln!(
            out,
            "    {}: {} in the last minute ({}); {} live ({}); {} in the interval ({})",
            r.rule,
            r.calls_last_minute,
            levels(&r.calls_per_minute),
            r.concurrent,
            levels(&r.concurrent_levels),
            r.total_in_interval,
            levels(&r.total_levels),
        );
    }
    if !a.countries.is_empty() {
        let _ = writeln!(out, "    countries called: {}", a.countries.join(", "));
    }
}

fn summary(out: &mut String, guard: &CallGuard) {
    let p = guard.policy();
    let st = guard.stats();
    let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let d = &p.dialling;
    let _ = writeln!(
        out,
        "Call guard: {} (passive watch {}); country {}, international prefix {}, national prefix {}; time zone {}",
        if p.enabled { "on" } else { "off" },
        if p.watch { "on" } else { "off" },
        d.home()
            .map_or_else(|| "not set".to_owned(), |c| c.to_string()),
        d.exit_codes().join("/"),
        d.trunk().unwrap_or("none"),
        p.zone_name,
    );
    let _ = writeln!(
        out,
        "Checks: {} (allowed {}, warned {}, denied {}, of which restricted {}); time on the dialplan thread p50 {}, p99 {}",
        n(&st.checks),
        n(&st.allowed),
        n(&st.warned),
        n(&st.denied),
        n(&st.denied_restricted),
        quantile_us(&st.check_cost, 0.5),
        quantile_us(&st.check_cost, 0.99),
    );
    let _ = writeln!(
        out,
        "Watched dials: {} (counted by the watch {}, attached to a check {}, not followed {}); answered {}, busy {}, cancelled {}, failed {}; legs ended {}; time per channel message p50 {}, p99 {}",
        n(&st.watched_dials),
        n(&st.counted_by_watch),
        n(&st.attached_to_check),
        n(&st.untracked_dials),
        n(&st.answered),
        n(&st.busy),
        n(&st.cancelled),
        n(&st.failed),
        n(&st.ended),
        quantile_us(&st.watch_cost, 0.5),
        quantile_us(&st.watch_cost, 0.99),
    );
    let causes: Vec<String> = st
        .causes
        .most_frequent(6)
        .iter()
        .map(|(c, n)| format!("{c} ×{n}"))
        .collect();
    if !causes.is_empty() {
        let _ = writeln!(
            out,
            "Followed calls ended by hangup cause (Q.850): {}",
            causes.join(", ")
        );
    }
    let accounts = guard.accounts();
    let _ = writeln!(
        out,
        "Live calls: {} (slots held); legs followed {} of at most {}",
        guard.live_calls(),
        guard.watched_legs(),
        p.max_live_calls
    );
    let _ = writeln!(
        out,
        "Alerts: {} sent, {} held back (one a minute per account and finding); hang-ups ordered {}",
        n(&st.alerts),
        n(&st.alerts_suppressed),
        n(&st.hangups_ordered),
    );
    let _ = writeln!(
        out,
        "Accounts tracked: {} of at most {} (made room {}, swept idle {}, release mismatches {})",
        accounts.len(),
        p.max_accounts,
        accounts.evicted.load(Ordering::Relaxed),
        accounts.swept.load(Ordering::Relaxed),
        accounts.release_mismatches.load(Ordering::Relaxed),
    );
    let _ = writeln!(out, "Limits:");
    for r in &p.rules {
        let s = &r.spec;
        let mut parts = vec![format!(
            "match {}",
            crate::config::values::ShowValue::show(&s.matches)
        )];
        for (name, l) in [
            ("calls/min", r.calls_per_minute),
            ("concurrent", r.concurrent),
            ("sequential", r.sequential),
        ] {
            if !l.is_off() {
                parts.push(format!("{name} {}", levels(&l)));
            }
        }
        if !r.total.is_off() {
            parts.push(format!(
                "total per {} {}",
                crate::util::duration::format(s.interval),
                levels(&r.total)
            ));
        }
        if !r.duration.is_off() {
            parts.push(format!("duration (s) {}", levels(&r.duration)));
        }
        if let Some(l) = r.new_country {
            parts.push(format!("new country {l}"));
        }
        if !s.windows.is_empty() {
            parts.push(format!(
                "window {}",
                crate::config::values::ShowValue::show(&s.windows)
            ));
        }
        if r.hangup {
            parts.push("hangup".to_owned());
        }
        let _ = writeln!(out, "  {}: {}", r.name, parts.join("; "));
    }
}

/// `secast show calls [account]`.
pub fn calls_text(shared: &Shared, account: Option<&str>) -> String {
    let now = shared.now();
    let guard = &shared.calls;
    let mut out = String::new();
    if let Some(account) = account {
        let shown = for_log(account);
        match guard.restricted(account, now) {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "Account {shown}: restricted by {} {}",
                    r.rule,
                    until(&r)
                );
            }
            None => {
                let _ = writeln!(out, "Account {shown}: not restricted");
            }
        }
        let _ = writeln!(out, "Account risk: {}", shared.risk_of_account(account));
        match guard.account_use_of(account, now) {
            Some(a) => account_lines(&mut out, &a),
            None => out.push_str("  no calls tracked\n"),
        }
        return out;
    }
    summary(&mut out, guard);
    let restricted = guard.restrictions(now);
    let _ = writeln!(out, "Restricted accounts: {}", restricted.len());
    for (name, r) in restricted.iter().take(LISTED_ACCOUNTS) {
        let _ = writeln!(
            out,
            "  {name}  by {} since {} {}",
            r.rule,
            format_utc(r.since),
            until(r)
        );
    }
    let busiest = guard.busiest(now, LISTED_ACCOUNTS);
    let _ = writeln!(out, "Accounts (live calls first):");
    for a in &busiest {
        account_lines(&mut out, a);
    }
    out
}

/// The call guard's reading of a dialled number, for `secast show number`.
pub fn number_lines(shared: &Shared, dialled: &str) -> String {
    let lookups = shared.lookups();
    let dest = shared.calls.classify(dialled, &lookups.numbers);
    let Some(number) = &dest.number else {
        return format!("{}: not a dialable number\n", dest.shown);
    };
    let mut out = String::new();
    let form = if number.e164 {
        format!("+{}", number.digits)
    } else {
        format!("{} (local: no country code can be known)", number.digits)
    };
    let _ = writeln!(out, "{}: E.164 {form}", dest.shown);
    let _ = writeln!(
        out,
        "Country: {}{}",
        dest.country().unwrap_or_else(|| "unknown".to_owned()),
        if dest.international {
            " (international)"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "Class: {}", dest.class);
    match &dest.listed {
        Some(l) => {
            let _ = writeln!(out, "Listed: prefix {l}");
        }
        None => out.push_str("Listed: on no list\n"),
    }
    let policy = shared.calls.policy();
    let local = crate::calls::schedule::local_minutes(&policy.zone, shared.now());
    let limits: Vec<String> = policy
        .matching(&dest, local)
        .iter()
        .map(|(r, _)| r.name.clone())
        .collect();
    let _ = writeln!(
        out,
        "Limits that count it now: {}",
        if limits.is_empty() {
            "none".to_owned()
        } else {
            limits.join(", ")
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::calls::CheckRequest;
    use crate::config::{Config, ConfigEntry};
    use crate::util::log::MemoryLog;
    use crate::worker::Pipeline;

    #[test]
    fn show_calls_lists_live_calls_and_escapes_hostile_account_names() {
        let (cfg, _) = Config::from_entries(
            &[ConfigEntry::new("calls", "country", "US")],
            &Config::default(),
        );
        let (p, _ingress) = Pipeline::start(cfg, Arc::new(MemoryLog::default())).unwrap();
        let s = p.shared.clone();
        let hostile = "evil\x1b[31m\nERROR";
        let held = s
            .call_check(&CheckRequest {
                account: hostile,
                address: None,
                dialled: "011442071234567",
                channel: None,
            })
            .slot;
        assert!(held.is_some());
        let page = calls_text(&s, None);
        assert!(page.contains("Live calls: 1"), "{page}");
        assert!(page.contains("evil\\x1b[31m\\x0aERROR  live 1"), "{page}");
        assert!(!page.contains('\x1b'));
        let one = calls_text(&s, Some(hostile));
        assert!(one.contains("countries called: GB"), "{one}");
        drop(held);
        assert!(calls_text(&s, Some(hostile)).contains("live 0"));
        let number = number_lines(&s, "1 876 555 1234");
        assert!(number.contains("E.164 +18765551234"), "{number}");
        assert!(number.contains("Country: JM (international)"), "{number}");
        assert!(number.contains("Class: high_risk"), "{number}");
        assert!(
            number.contains("international, high_risk, new_country"),
            "{number}"
        );
    }
}
