//! What the audit's res_secast checks need to know about the running module: the GeoIP
//! database, the whitelist, the firewall's health, whether the call guard refuses
//! international calls past some limit, and which event handlers fail.

use std::net::IpAddr;
use std::sync::atomic::Ordering;

use super::shared::Shared;
use crate::audit::snapshot::own::{FirewallHealth, OwnState, is_public};
use crate::config::FirewallBackend;
use crate::enforce::EnforcerStats;
use crate::util::lock::LockExt;

/// res_secast's own state for the audit; `host_addresses` are this host's interface addresses.
pub fn own_state(shared: &Shared, host_addresses: &[IpAddr]) -> OwnState {
    let cfg = shared.config();
    OwnState {
        geo_database: shared.lookups().geo_db.is_some(),
        whitelist_networks: cfg.whitelist.networks.len(),
        public_addresses: host_addresses
            .iter()
            .copied()
            .filter(|a| is_public(*a))
            .collect(),
        firewall: firewall_health(
            cfg.firewall.backend == FirewallBackend::Off,
            shared.enforcement.as_deref(),
        ),
        call_guard_covers_international: Some(
            cfg.call_limits.iter().any(|l| l.guards_international()),
        ),
        // None (not checked) only where no handlers run at all (tests).
        failing_handlers: shared.handlers.as_ref().map(|board| {
            board
                .rows()
                .into_iter()
                .filter(|r| {
                    r.configured && ((r.last_run.is_some() && !r.last_run_ok) || r.given_up > 0)
                })
                .map(|r| r.name)
                .collect()
        }),
    }
}

/// Failing when bans wait for the kernel, or when no firewall could be opened at all.
pub fn firewall_health(off: bool, stats: Option<&EnforcerStats>) -> FirewallHealth {
    if off {
        return FirewallHealth::Off;
    }
    let Some(stats) = stats else {
        return FirewallHealth::Working;
    };
    let pending = stats.pending_ops.load(Ordering::Relaxed) > 0;
    let never_opened =
        stats.backend.locked().is_empty() && stats.firewall_errors.load(Ordering::Relaxed) > 0;
    if pending || never_opened {
        let error = stats
            .last_error
            .locked()
            .clone()
            .unwrap_or_else(|| "operations pending".to_owned());
        FirewallHealth::Failing(error)
    } else {
        FirewallHealth::Working
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_firewall_with_pending_bans_or_never_opened_is_failing() {
        assert_eq!(firewall_health(true, None), FirewallHealth::Off);
        let stats = EnforcerStats::default();
        *stats.backend.locked() = "nftables".to_owned();
        assert_eq!(
            firewall_health(false, Some(&stats)),
            FirewallHealth::Working
        );
        stats.pending_ops.store(3, Ordering::Relaxed);
        *stats.last_error.locked() = Some("permission denied".to_owned());
        assert_eq!(
            firewall_health(false, Some(&stats)),
            FirewallHealth::Failing("permission denied".to_owned())
        );
        let unopened = EnforcerStats::default();
        unopened.firewall_errors.store(1, Ordering::Relaxed);
        assert!(matches!(
            firewall_health(false, Some(&unopened)),
            FirewallHealth::Failing(_)
        ));
    }
}
