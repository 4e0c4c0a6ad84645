//! `secast show geo`: the geo database, policy, rule hits and blocklists.

use std::fmt::Write;

use crate::worker::Shared;

/// `secast show geo`: the database, the rules in evaluation order with their hits, and how
/// often no rule decided.
pub fn geo_text(shared: &Shared) -> String {
    let lookups = shared.lookups();
    let mut out = String::new();
    match &lookups.geo_db {
        Some(db) => {
            let _ = writeln!(out, "Database: {}", db.describe());
        }
        None => {
            let _ = writeln!(
                out,
                "Database: none (geofencing is off; set [geo] database)"
            );
        }
    }
    let policy = &lookups.geo_policy;
    let _ = writeln!(out, "Policy:\n{}", policy.describe());
    let _ = writeln!(out, "Rule hits:");
    for (rule, hits) in policy.hits() {
        let _ = writeln!(out, "  {hits:>8}  {rule}");
    }
    let o = policy.outcomes();
    let _ = writeln!(
        out,
        "Without a rule: local {} unknown {} default-allowed {} default-denied {}",
        o.local, o.unknown, o.default_allowed, o.default_denied
    );
    let lists = lookups.blocklist.describe();
    let _ = writeln!(
        out,
        "Blocklists: {}",
        if lists.is_empty() { "none" } else { "" }
    );
    for (name, n) in lists {
        let _ = writeln!(
            out,
            "  {:<40} {n} entries",
            crate::util::escape::for_log(&name)
        );
    }
    out
}
