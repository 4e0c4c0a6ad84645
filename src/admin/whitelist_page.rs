//! `secast show whitelist`: what res_secast will never ban, and why: loopback, this host's
//! addresses, configured networks, the addresses Asterisk listens on, the resolvers and
//! default gateways, trunk hosts and identify matches (with the PJSIP object that names
//! them). From the published view: never waits for the engine.

use std::fmt::Write;

use crate::worker::Shared;

/// One line per entry: `<network> <reason>`; parsed by tests.
pub fn whitelist_text(shared: &Shared) -> String {
    let view = shared.published().whitelist();
    let cfg = shared.config();
    let mut out = format!(
        "{} protected addresses and networks (never banned; a rule that would ban one raises an alert)\n",
        view.entries.len()
    );
    for e in &view.entries {
        let _ = writeln!(out, "  {:<43} {}", e.net.to_string(), e.why.reason());
    }
    for (name, peer) in &view.unresolved {
        let _ = writeln!(
            out,
            "  {:<43} {peer}: does not resolve now, not protected",
            crate::util::escape::for_log(name)
        );
    }
    let _ = writeln!(
        out,
        "Read again every {} and at every reload.",
        crate::util::duration::format(cfg.whitelist.refresh_interval)
    );
    out
}
