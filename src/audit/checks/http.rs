//! Asterisk's HTTP server and ARI: plain HTTP on every interface (ARI and AMI-over-HTTP
//! passwords cross the network in the clear), and weak ARI passwords.

use super::Findings;
use crate::audit::exposure::Bind;
use crate::audit::finding::Finding;
use crate::audit::snapshot::Snapshot;
use crate::decision::{AuditCheck, Severity};
use crate::util::escape::for_log;

pub(super) fn check(s: &Snapshot, out: &mut Findings) {
    if let Some(h) = s.http.as_ref().filter(|h| h.enabled)
        && let Some(bind) = &h.bind
        && Bind::parse(bind).all_interfaces()
        && !h.tls_enabled
    {
        out.add(Finding::new(
            AuditCheck::HttpPlain,
            Severity::Warning,
            h.general.place("bindaddr"),
            format!(
                "the HTTP server listens on all interfaces ({}) without TLS: ARI and AMI-over-HTTP passwords cross the network in the clear",
                for_log(bind)
            ),
            "bind it to 127.0.0.1 behind a TLS proxy, or set tlsenable = yes with a certificate and bind plain HTTP to loopback",
        ));
    }
    if !s.running("res_ari") {
        return;
    }
    let Some(ari) = s.ari.as_ref().filter(|a| a.enabled) else {
        return;
    };
    let min = out.config().min_password_length;
    for u in &ari.users {
        if let Some(v) = u.password.as_ref().filter(|v| v.is_weak()) {
            out.add(Finding::new(
                AuditCheck::AriWeakPassword,
                v.severity().unwrap_or(Severity::Warning),
                u.lines.place("password"),
                format!("the password of ARI user '{}' {}", for_log(&u.name), v.describe(min)),
                format!(
                    "use a random password of at least {min} characters (password_format = crypt keeps it out of the file)"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{findings_of, hardened, weak};
    use crate::decision::{AuditCheck, Severity};

    #[test]
    fn plain_http_on_all_interfaces_is_reported() {
        let found = findings_of(&weak(), AuditCheck::HttpPlain);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].place.key.as_deref(), Some("bindaddr"));
        assert!(findings_of(&hardened(), AuditCheck::HttpPlain).is_empty());
    }

    #[test]
    fn a_common_ari_password_is_critical_and_crypt_ones_are_left_alone() {
        let found = findings_of(&weak(), AuditCheck::AriWeakPassword);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].place.section, "ariuser");
        assert_eq!(found[0].severity, Severity::Critical);
        assert!(findings_of(&hardened(), AuditCheck::AriWeakPassword).is_empty());
    }
}
