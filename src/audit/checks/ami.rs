//! The manager interface (AMI): listening on every interface, weak secrets, users without
//! permit/deny, powerful rights for users reachable from outside, and users who read the
//! `security` class, where Asterisk puts md5(challenge + the real secret) of every user whose
//! MD5 login fails (ChallengeResponseFailed's ExpectedResponse): an offline dictionary target.

use super::Findings;
use crate::audit::exposure::admits_anyone;
use crate::audit::finding::Finding;
use crate::audit::snapshot::Snapshot;
use crate::decision::{AuditCheck, Severity};
use crate::util::escape::for_log;

/// Write classes that let a user run commands, place calls or change Asterisk.
const POWERFUL: [&str; 4] = ["all", "system", "originate", "command"];

pub(super) fn check(s: &Snapshot, out: &mut Findings) {
    let Some(m) = s.manager.as_ref().filter(|m| m.enabled) else {
        return;
    };
    let widest = m.widest_bind();
    let min = out.config().min_password_length;

    let mut listeners = vec![("bindaddr", m.bind.clone())];
    if let Some((bind, _, _)) = &m.tls {
        listeners.push(("tlsbindaddr", bind.clone()));
    }
    for (key, bind) in listeners {
        if crate::audit::exposure::Bind::parse(&bind).all_interfaces() {
            out.add(Finding::new(
                AuditCheck::AmiAllInterfaces,
                Severity::Warning,
                m.general.place(key),
                format!(
                    "AMI listens on all interfaces ({}{})",
                    for_log(&bind),
                    if key == "bindaddr" && m.general.place(key).line.is_none() {
                        ", the default"
                    } else {
                        ""
                    }
                ),
                "set bindaddr = 127.0.0.1 (or the one management address) and reach AMI through a tunnel",
            ));
        }
    }

    for u in &m.users {
        if let Some(v) = u.secret.as_ref().filter(|v| v.is_weak()) {
            out.add(Finding::new(
                AuditCheck::AmiWeakSecret,
                v.severity().unwrap_or(Severity::Warning),
                u.lines.place("secret"),
                format!(
                    "the secret of AMI user '{}' {}",
                    for_log(&u.name),
                    v.describe(min)
                ),
                format!("use a random secret of at least {min} characters"),
            ));
        }
        if u.acl.is_empty() && !u.named_acl {
            let outside = widest.beyond_loopback();
            out.add(Finding::new(
                AuditCheck::AmiNoAcl,
                if outside {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                u.lines.section_place(),
                format!(
                    "AMI user '{}' has no permit/deny{}",
                    for_log(&u.name),
                    if outside {
                        ": it may log in from any address AMI listens on"
                    } else {
                        " (AMI listens on loopback only)"
                    }
                ),
                "add deny = 0.0.0.0/0.0.0.0 and permit = lines for the addresses it logs in from",
            ));
        }
        let powerful: Vec<&str> = POWERFUL.iter().copied().filter(|c| u.writes(c)).collect();
        if !powerful.is_empty() && admits_anyone(widest, &u.acl, u.named_acl) {
            out.add(Finding::new(
                AuditCheck::AmiPowerfulRemoteUser,
                Severity::Critical,
                u.lines.place("write"),
                format!(
                    "AMI user '{}' may write {} and can log in from outside",
                    for_log(&u.name),
                    powerful.join(",")
                ),
                "restrict the user with deny/permit to the management addresses, and give it only the write classes it needs",
            ));
        }
        if u.reads("security") || u.reads("all") {
            out.add(Finding::new(
                AuditCheck::AmiSecurityReader,
                Severity::Warning,
                u.lines.place("read"),
                format!(
                    "AMI user '{}' reads the security class: each failed MD5 AMI login sends it md5(challenge + that user's real secret) (ExpectedResponse), which can be guessed offline",
                    for_log(&u.name)
                ),
                "drop security and all from read for users that do not need security events, and give the one that does a strong secret and an ACL",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{findings_of, hardened, weak};
    use crate::decision::{AuditCheck, Severity};

    fn sections(check: AuditCheck) -> Vec<(String, Severity)> {
        findings_of(&weak(), check)
            .into_iter()
            .map(|f| (f.place.section, f.severity))
            .collect()
    }

    #[test]
    fn ami_on_all_interfaces_is_reported() {
        assert_eq!(
            sections(AuditCheck::AmiAllInterfaces),
            [("general".to_owned(), Severity::Warning)]
        );
        assert!(findings_of(&hardened(), AuditCheck::AmiAllInterfaces).is_empty());
    }

    #[test]
    fn a_secret_equal_to_the_user_name_is_critical() {
        assert_eq!(
            sections(AuditCheck::AmiWeakSecret),
            [("admin".to_owned(), Severity::Critical)]
        );
        assert!(findings_of(&hardened(), AuditCheck::AmiWeakSecret).is_empty());
    }

    #[test]
    fn users_without_acl_are_reported() {
        assert_eq!(
            sections(AuditCheck::AmiNoAcl),
            [("admin".to_owned(), Severity::Warning)]
        );
        assert!(findings_of(&hardened(), AuditCheck::AmiNoAcl).is_empty());
    }

    #[test]
    fn write_all_from_outside_is_critical() {
        assert_eq!(
            sections(AuditCheck::AmiPowerfulRemoteUser),
            [("admin".to_owned(), Severity::Critical)]
        );
        assert!(findings_of(&hardened(), AuditCheck::AmiPowerfulRemoteUser).is_empty());
    }

    #[test]
    fn readers_of_the_security_class_are_warned_about_expected_response() {
        let found = findings_of(&weak(), AuditCheck::AmiSecurityReader);
        assert_eq!(found.len(), 1);
        assert!(found[0].problem.contains("ExpectedResponse"));
        assert!(findings_of(&hardened(), AuditCheck::AmiSecurityReader).is_empty());
    }
}
