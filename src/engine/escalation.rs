//! How earlier bans make the next one longer, the thresholds lower, and eventually the ban
//! permanent.

use std::time::Duration;

use crate::config::Escalation;

/// The ban for a source with `earlier` bans in its remembered history: the rule's base ban
/// doubled per earlier ban, capped at `max_ban`; None (permanent) for the `permanent_after`-th.
pub fn ban_length(base: Duration, earlier: u32, esc: &Escalation) -> Option<Duration> {
    if esc.permanent_after > 0 && earlier + 1 >= esc.permanent_after {
        return None;
    }
    let factor = 1u32.checked_shl(earlier.min(31)).unwrap_or(u32::MAX);
    let doubled = base.checked_mul(factor).unwrap_or(Duration::MAX);
    // A base longer than the cap is the admin's explicit choice; do not shorten it.
    Some(doubled.min(esc.max_ban.max(base)))
}

/// A repeat offender's threshold: `threshold × percent^earlier`, rounded up, at least 1.
pub fn threshold(base: u32, earlier: u32, esc: &Escalation) -> u32 {
    let mut t = f64::from(base);
    let p = f64::from(esc.repeat_offender_percent) / 100.0;
    for _ in 0..earlier.min(64) {
        t *= p;
    }
    (t.ceil() as u32).clamp(1, base.max(1))
}
