//! `secast show accounts`: the accounts under attack, from the published view (never waits
//! for the engine).

use std::fmt::Write;

use crate::util::time::format_utc;
use crate::worker::Shared;

/// Most accounts listed.
const LIMIT: usize = 50;

pub fn accounts_text(shared: &Shared) -> String {
    let now = shared.now();
    let mut accounts = shared.published().accounts(now);
    accounts.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.2.failures.cmp(&a.2.failures))
            .then(a.0.cmp(&b.0))
    });
    accounts.truncate(LIMIT);
    let mut out = format!("{} accounts with failures\n", accounts.len());
    for (name, risk, a) in accounts {
        let _ = writeln!(
            out,
            "  {:<36} risk={} failures={} sources_in_window={} last_seen={}",
            crate::util::escape::for_log(&name),
            risk,
            a.failures,
            a.sources,
            format_utc(a.last_seen),
        );
    }
    out
}
