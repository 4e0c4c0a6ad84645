//! `secast show handlers`: each event handler with its runs, failures, retries pending, last
//! error and last run.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use crate::enforce::handlers::HandlerStatus;
use crate::util::time::format_utc;
use crate::worker::Shared;

/// One block per handler; the `Name: value` words are parsed by the end-to-end tests.
pub fn handlers_text(shared: &Shared) -> String {
    let Some(board) = &shared.handlers else {
        return "No event handlers are running\n".to_owned();
    };
    let rows = board.rows();
    let mut out = format!(
        "Event handlers: {} (outbox: {})\n",
        rows.len(),
        board.outbox()
    );
    let dropped = board.dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        let _ = writeln!(
            out,
            "Decisions not queued for handlers (queue full): {dropped}"
        );
    }
    for h in &rows {
        out.push_str(&handler_block(h));
    }
    out
}

fn handler_block(h: &HandlerStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nhandler {}{}: {} ({})",
        h.name,
        if h.configured {
            ""
        } else {
            " (no longer in secast.conf; its decisions wait)"
        },
        h.program,
        h.decisions
    );
    let _ = writeln!(
        out,
        "  Runs: {}  Failures: {}  Retries pending: {}  Queued: {}  Running: {}  Given up: {}",
        h.runs, h.failures, h.retries_pending, h.queued, h.running, h.given_up
    );
    let last_run = match h.last_run {
        Some(t) => format!(
            "{} ({})",
            format_utc(t),
            if h.last_run_ok { "ok" } else { "failed" }
        ),
        None => "never".to_owned(),
    };
    let _ = writeln!(out, "  Last run: {last_run}");
    if let Some(t) = h.last_sync {
        let _ = writeln!(out, "  Last sync: {}", format_utc(t));
    }
    let last_error = match &h.last_error {
        Some((t, e)) => format!("{} {e}", format_utc(*t)),
        None => "none".to_owned(),
    };
    let _ = writeln!(out, "  Last error: {last_error}");
    out
}
