//! `secast show account <id>`: one account's risk and its device profile (the User-Agents and
//! networks of its successful registrations, as the PJSIP sensor and the engine learnt them).
//! Every User-Agent and the name are attacker-supplied: escaped.

use std::fmt::Write;

use super::ip_page::DETAIL_WAIT;
use crate::util::escape::for_log;
use crate::util::time::format_utc;
use crate::worker::Shared;

pub fn account_text(shared: &Shared, account: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Account: \"{}\"", for_log(account));
    let _ = writeln!(out, "Risk: {}", shared.risk_of_account(account));
    let Some(engine) = shared.engine_within(DETAIL_WAIT) else {
        let _ = writeln!(
            out,
            "Device profile: not available now (the engine is busy); try again"
        );
        return out;
    };
    let Some(p) = engine.device_profile(account) else {
        let _ = writeln!(
            out,
            "Device profile: none (no successful registration seen by the PJSIP sensor)"
        );
        return out;
    };
    let _ = writeln!(
        out,
        "Device profile (last login {}):",
        format_utc(p.last_seen)
    );
    let _ = writeln!(out, "  User-Agents:");
    for (ua, at) in &p.agents {
        let _ = writeln!(out, "    \"{}\"  last {}", for_log(ua), format_utc(*at));
    }
    let _ = writeln!(out, "  Networks:");
    for (net, at) in &p.networks {
        let _ = writeln!(out, "    {net}  last {}", format_utc(*at));
    }
    out
}
