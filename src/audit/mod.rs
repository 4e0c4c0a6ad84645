//! `secast audit`: the PBX's own configuration checked against what attackers exploit.
//!
//! The host gathers a [`Snapshot`] through Asterisk's APIs (PJSIP through sorcery, the
//! dialplan as loaded, other files as Asterisk's parser reads them) and hands it here; every
//! check is a pure function over it, so each is unit-tested on fixture configurations. This
//! stage sits right after `config` (it reads its `[audit]` section and speaks `decision`'s
//! words) and before everything that runs the PBX's defence: nothing here needs the engine,
//! the enforcer or the worker, and the worker and admin stages read its reports.
//!
//! - [`raw`], [`secret`]: what the host copies, secrets kept apart;
//! - [`snapshot`]: the typed configuration, built from raw sections with passwords judged
//!   ([`password`]) and certificates read ([`certificate`]) on the way;
//! - [`checks`]: the checks, a file per family, in one order;
//! - [`exposure`], [`dialplan_paths`]: who can reach a listener; where calls can go;
//! - [`report`]: the findings as text, JSON and a summary; [`desk`]: where the host posts
//!   reports and the CLI asks for a fresh one.
//!
//! Passwords never leave the gathering step: snapshots, findings, reports and logs carry only
//! which rule a password breaks.

pub mod certificate;
pub mod checks;
pub mod desk;
pub mod dialplan_paths;
pub mod exposure;
pub mod finding;
pub mod password;
pub mod raw;
pub mod report;
pub mod secret;
pub mod snapshot;

pub use desk::{AuditDesk, AuditRequest};
pub use finding::{Finding, Place};
pub use report::Report;
pub use snapshot::Snapshot;

use crate::config::AuditConfig;
use crate::util::time::Millis;

/// Runs every check switched on in `cfg` over `snapshot`.
pub fn run(snapshot: &Snapshot, cfg: &AuditConfig, at: Millis) -> Report {
    let found = checks::run_all(snapshot, cfg);
    Report::new(
        at,
        found.list,
        found.ignored,
        found.not_checked,
        snapshot.notes.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::checks::fixtures::{hardened, weak};
    use super::*;
    use crate::decision::{AuditCheck, Severity};

    #[test]
    fn the_weak_configuration_trips_every_check() {
        let report = run(&weak(), &AuditConfig::default(), 0);
        for check in AuditCheck::ALL {
            assert!(
                report.findings.iter().any(|f| f.check == check),
                "{check} found nothing in the weak fixture"
            );
        }
    }

    #[test]
    fn the_hardened_configuration_has_nothing_above_info() {
        let report = run(&hardened(), &AuditConfig::default(), 0);
        let above: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .collect();
        assert!(above.is_empty(), "{above:#?}");
    }

    #[test]
    fn switched_off_checks_and_ignored_objects_are_left_out() {
        let mut cfg = AuditConfig::default();
        cfg.checks[AuditCheck::AmiSecurityReader.index()] = false;
        cfg.ignore.push(crate::config::AuditIgnore {
            check: Some(AuditCheck::PjsipWeakPassword),
            object: "2001".into(),
        });
        let report = run(&weak(), &cfg, 0);
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.check != AuditCheck::AmiSecurityReader)
        );
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.check == AuditCheck::PjsipWeakPassword && f.place.section == "2001")
        );
        assert_eq!(report.ignored, 1);
        assert!(report.text().contains("(1 ignored)"));
    }

    #[test]
    fn reports_are_sorted_worst_first_and_never_show_a_password() {
        let report = run(&weak(), &AuditConfig::default(), 0);
        let severities: Vec<Severity> = report.findings.iter().map(|f| f.severity).collect();
        let mut sorted = severities.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(severities, sorted);
        for text in [report.text(), report.json()] {
            // The fixtures' secrets; none may appear in any form of the report.
            for secret in ["Vq9-rT4x-Lm2w-Zp7k", "Mq7-long-enough-secret", "$6$abc$xyz"] {
                assert!(!text.contains(secret), "{secret} leaked");
            }
        }
        let summary = report.summary();
        assert_eq!(
            (summary.critical, summary.warning, summary.info),
            (
                report.count(Severity::Critical),
                report.count(Severity::Warning),
                report.count(Severity::Info)
            )
        );
        let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
        assert_eq!(
            json["findings"].as_array().unwrap().len(),
            report.findings.len()
        );
    }
}
