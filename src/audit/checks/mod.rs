//! The checks, one file per family, each a pure function over the [`Snapshot`]. They add
//! [`Finding`]s through [`Findings`], which applies the `[audit]` switches and `ignore` lines
//! in one place. Families run in this order: PJSIP, TLS certificates, dialplan, AMI, IAX2,
//! HTTP/ARI, res_secast itself.

mod ami;
mod dialplan;
mod http;
mod iax;
mod own;
mod pjsip;
mod tls;

use super::finding::Finding;
use super::snapshot::Snapshot;
use crate::config::AuditConfig;
use crate::decision::AuditCheck;

/// What the checks produce, filtered by the configuration.
pub struct Findings<'a> {
    cfg: &'a AuditConfig,
    pub list: Vec<Finding>,
    /// Findings an `ignore` line covered.
    pub ignored: usize,
    /// Checks that could not be made, and why.
    pub not_checked: Vec<String>,
}

impl<'a> Findings<'a> {
    pub fn new(cfg: &'a AuditConfig) -> Findings<'a> {
        Findings {
            cfg,
            list: Vec::new(),
            ignored: 0,
            not_checked: Vec::new(),
        }
    }

    pub fn config(&self) -> &AuditConfig {
        self.cfg
    }

    /// Whether a check is switched on (so its work is worth doing).
    pub fn runs(&self, check: AuditCheck) -> bool {
        self.cfg.runs(check)
    }

    pub fn add(&mut self, finding: Finding) {
        if !self.cfg.runs(finding.check) {
            return;
        }
        if self.cfg.ignores(finding.check, &finding.place.section) {
            self.ignored += 1;
            return;
        }
        self.list.push(finding);
    }

    pub fn not_checked(&mut self, what: impl Into<String>) {
        self.not_checked.push(what.into());
    }
}

/// Runs every check that is switched on.
pub fn run_all<'a>(s: &Snapshot, cfg: &'a AuditConfig) -> Findings<'a> {
    let mut out = Findings::new(cfg);
    pjsip::check(s, &mut out);
    tls::check(s, &mut out);
    dialplan::check(s, &mut out);
    ami::check(s, &mut out);
    iax::check(s, &mut out);
    http::check(s, &mut out);
    own::check(s, &mut out);
    out
}

/// "1001, 1002, 1003 and 4 more": names in a sentence, bounded.
fn some_names<'n>(names: impl IntoIterator<Item = &'n str>) -> String {
    const SHOWN: usize = 5;
    let all: Vec<&str> = names.into_iter().collect();
    let mut text = all
        .iter()
        .take(SHOWN)
        .map(|n| crate::util::escape::for_log(n))
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > SHOWN {
        text.push_str(&format!(" and {} more", all.len() - SHOWN));
    }
    text
}

#[cfg(test)]
pub(crate) mod fixtures;
