//! `secast show accounts`: the accounts under attack.

use std::fmt::Write;

use crate::util::time::format_utc;
use crate::worker::Shared;

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
