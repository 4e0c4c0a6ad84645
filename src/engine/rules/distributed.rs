//! `distributed`: many sources failing against one account, each staying under the per-source
//! thresholds. Raises the account's risk and an alert; it bans nobody (any one source may be a
//! victim's own phone).

use std::net::IpAddr;

use super::window_ms;
use crate::config::Config;
use crate::decision::RuleId;
use crate::engine::source_state::AccountState;
use crate::engine::windows::hash32;
use crate::util::escape::for_log;
use crate::util::time::Millis;

/// Hashes the address's octets: no text formatting or allocation on the hot path.
fn ip_hash(ip: IpAddr) -> u32 {
    match ip {
        IpAddr::V4(v4) => hash32(&v4.octets()),
        IpAddr::V6(v6) => hash32(&v6.octets()),
    }
}

/// One more failure against `account` from `ip`; returns the alert text when the number of
/// distinct failing sources reaches the threshold.
pub(in crate::engine) fn evaluate(
    cfg: &Config,
    account: &str,
    ip: IpAddr,
    now: Millis,
    a: &mut AccountState,
) -> Option<String> {
    let rule = &cfg.rules.distributed;
    a.failures = a.failures.saturating_add(1);
    if !rule.enabled {
        return None;
    }
    let w = window_ms(rule.window);
    let before = a.sources.current(now, w);
    // Sources are remembered up to the threshold (at most 256), so every accepted threshold
    // can be reached.
    let n = a.sources.add(ip_hash(ip), now, w, rule.threshold as usize);
    if n == before {
        return None;
    }
    a.risk.add(
        RuleId::Distributed,
        100.0 / rule.threshold as f32,
        now,
        cfg.general.risk_half_life,
    );
    (n as u32 == rule.threshold).then(|| {
        format!(
            "account \"{}\" failed from {n} different sources within {}",
            for_log(account),
            crate::util::duration::format(rule.window)
        )
    })
}
