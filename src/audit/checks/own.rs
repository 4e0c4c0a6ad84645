//! res_secast's own setup: no GeoIP database, no whitelisted networks on a host with a public
//! address, a firewall that cannot be reached, no call-guard rule for international calls,
//! event handlers that fail.

use super::{Findings, some_names};
use crate::audit::finding::{Finding, Place};
use crate::audit::snapshot::Snapshot;
use crate::audit::snapshot::own::FirewallHealth;
use crate::decision::{AuditCheck, Severity};
use crate::util::escape::for_log;

const FILE: &str = "secast.conf";

pub(super) fn check(s: &Snapshot, out: &mut Findings) {
    let own = &s.own;
    if !own.geo_database {
        out.add(Finding::new(
            AuditCheck::SecastGeoDatabase,
            Severity::Info,
            Place::new(FILE, "geo").key("database"),
            "no GeoIP database: geofencing and the country of sources are off",
            "set [geo] database to a GeoLite2/GeoIP2 or ip-location-db .mmdb file",
        ));
    }
    if own.whitelist_networks == 0 && !own.public_addresses.is_empty() {
        let shown: Vec<String> = own.public_addresses.iter().map(|a| a.to_string()).collect();
        out.add(Finding::new(
            AuditCheck::SecastWhitelist,
            Severity::Warning,
            Place::new(FILE, "whitelist").key("network"),
            format!(
                "this host has a public address ({}) and no whitelisted network: a forged source address can get your provider or office banned",
                some_names(shown.iter().map(String::as_str))
            ),
            "add [whitelist] network = lines for your SIP providers, offices and monitoring",
        ));
    }
    match &own.firewall {
        FirewallHealth::Working => {}
        FirewallHealth::Off => out.add(Finding::new(
            AuditCheck::SecastFirewall,
            Severity::Info,
            Place::new(FILE, "firewall").key("backend"),
            "the firewall backend is 'none': bans are decided and recorded, not enforced",
            "set [firewall] backend = nftables",
        )),
        FirewallHealth::Failing(e) => out.add(Finding::new(
            AuditCheck::SecastFirewall,
            Severity::Critical,
            Place::new(FILE, "firewall").key("backend"),
            format!("the firewall cannot be reached, bans are not enforced: {}", for_log(e)),
            "give Asterisk CAP_NET_ADMIN (or run it as root) and check that nftables works; `secast show status` shows the last error",
        )),
    }
    match own.call_guard_covers_international {
        None => out.not_checked("call guard: its limits are not known here"),
        Some(true) => {}
        Some(false) => out.add(Finding::new(
            AuditCheck::SecastCallGuard,
            Severity::Warning,
            Place::new(FILE, "calls-international").key("enabled"),
            "no call-guard limit refuses international calls: a guessed password can dial the world",
            "keep [calls-international] enabled (or give another [calls-NAME] with match = international a critical level) and consult SECAST_CALLCHECK in the dialplan",
        )),
    }
    match &own.failing_handlers {
        None => out.not_checked("event handlers: none run here"),
        Some(names) => {
            for name in names {
                out.add(Finding::new(
                    AuditCheck::SecastHandlers,
                    Severity::Warning,
                    Place::new(FILE, name),
                    format!("event handler '{}' failed its last run", for_log(name)),
                    "check the handler's program path and permissions; the log has its exit status",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{findings_of, hardened, weak};
    use crate::decision::{AuditCheck, Severity};

    #[test]
    fn no_geo_database_is_only_information() {
        let found = findings_of(&weak(), AuditCheck::SecastGeoDatabase);
        assert_eq!(found[0].severity, Severity::Info);
        let mut with_db = hardened();
        with_db.own.geo_database = true;
        assert!(findings_of(&with_db, AuditCheck::SecastGeoDatabase).is_empty());
    }

    #[test]
    fn a_public_host_without_whitelisted_networks_is_warned() {
        assert_eq!(findings_of(&weak(), AuditCheck::SecastWhitelist).len(), 1);
        assert!(findings_of(&hardened(), AuditCheck::SecastWhitelist).is_empty());
    }

    #[test]
    fn a_failing_firewall_is_critical() {
        let found = findings_of(&weak(), AuditCheck::SecastFirewall);
        assert_eq!(found[0].severity, Severity::Critical);
        assert!(findings_of(&hardened(), AuditCheck::SecastFirewall).is_empty());
    }

    #[test]
    fn a_call_guard_without_international_rule_is_warned() {
        assert_eq!(findings_of(&weak(), AuditCheck::SecastCallGuard).len(), 1);
        let mut covered = hardened();
        covered.own.call_guard_covers_international = Some(true);
        assert!(findings_of(&covered, AuditCheck::SecastCallGuard).is_empty());
    }

    #[test]
    fn failing_handlers_are_named() {
        let found = findings_of(&weak(), AuditCheck::SecastHandlers);
        assert_eq!(found[0].place.section, "mail-admin");
        let mut fine = hardened();
        fine.own.failing_handlers = Some(Vec::new());
        assert!(findings_of(&fine, AuditCheck::SecastHandlers).is_empty());
    }
}
