//! TLS certificates: PJSIP TLS transports, the AMI and HTTP TLS listeners. Missing, unreadable
//! or undecodable, expired, or ending within `[audit] certificate_warning`.

use super::Findings;
use crate::audit::certificate::CertState;
use crate::audit::finding::{Finding, Place};
use crate::audit::snapshot::Snapshot;
use crate::decision::{AuditCheck, Severity};
use crate::util::escape::for_log;

fn judge(out: &mut Findings, now: i64, place: Place, what: &str, path: &str, state: &CertState) {
    let warn_secs = out.config().certificate_warning.as_secs() as i64;
    let path = for_log(path);
    let (severity, problem) = match state {
        CertState::Missing => (
            Severity::Warning,
            format!("{what}: certificate file '{path}' is missing, so TLS is not offered"),
        ),
        CertState::Unreadable(e) => (
            Severity::Warning,
            format!(
                "{what}: certificate file '{path}' cannot be read ({})",
                for_log(e)
            ),
        ),
        CertState::Unparsable => (
            Severity::Warning,
            format!("{what}: '{path}' holds no certificate that could be decoded"),
        ),
        CertState::NotAfter(end) if *end <= now => (
            Severity::Critical,
            format!(
                "{what}: the certificate in '{path}' expired {} days ago",
                (now - end) / 86_400
            ),
        ),
        CertState::NotAfter(end) if *end - now <= warn_secs => (
            Severity::Warning,
            format!(
                "{what}: the certificate in '{path}' expires in {} days",
                (end - now) / 86_400
            ),
        ),
        CertState::NotAfter(_) => return,
    };
    out.add(Finding::new(
        AuditCheck::TlsCertificate,
        severity,
        place,
        problem,
        "install a valid certificate (and its key) at that path, then reload the module",
    ));
}

pub(super) fn check(s: &Snapshot, out: &mut Findings) {
    if !out.runs(AuditCheck::TlsCertificate) {
        return;
    }
    if let Some(p) = &s.pjsip {
        for t in &p.transports {
            if let Some(state) = &t.cert {
                let what = format!(
                    "PJSIP transport '{}'{}",
                    for_log(&t.id),
                    if t.rejected {
                        " (refused by Asterisk)"
                    } else {
                        ""
                    }
                );
                judge(
                    out,
                    s.now,
                    t.lines.place("cert_file"),
                    &what,
                    &t.cert_file,
                    state,
                );
            }
        }
    }
    if let Some(m) = s.manager.as_ref().filter(|m| m.enabled)
        && let Some((_, path, state)) = &m.tls
    {
        judge(
            out,
            s.now,
            m.general.place("tlscertfile"),
            "AMI over TLS",
            path,
            state,
        );
    }
    if let Some(h) = s.http.as_ref().filter(|h| h.enabled)
        && let Some((path, state)) = &h.tls_cert
    {
        judge(
            out,
            s.now,
            h.general.place("tlscertfile"),
            "HTTPS",
            path,
            state,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{findings_of, hardened, weak};
    use crate::decision::{AuditCheck, Severity};

    #[test]
    fn expired_missing_and_soon_ending_certificates_are_reported() {
        let found = findings_of(&weak(), AuditCheck::TlsCertificate);
        let got: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.place.section.as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("general", Severity::Warning),
                ("transport-tls", Severity::Critical),
                ("transport-tls-missing", Severity::Warning),
            ],
            "{found:#?}"
        );
        assert!(findings_of(&hardened(), AuditCheck::TlsCertificate).is_empty());
    }
}
